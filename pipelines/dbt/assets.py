"""Every dbt model as a Dagster asset, built with ``dbt build`` (models and their tests).

dbt tests become asset checks; a failing error-severity test fails the step, so nothing
downstream (publish) runs on bad data.
"""


import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from kernel.engine import get_engine
from kernel.runtime import settings_environment
from pipelines.dbt.project import dbt_project
from pipelines.dbt.translator import CrmlakeDbtTranslator
from pipelines.resources import LakehouseResource
from pipelines.spark.dbt_args import spark_exclude_args
from pipelines.spark.mirror import export_python_tables, refresh_mirror, remove_failed_writes


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=CrmlakeDbtTranslator())
def dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, lakehouse: LakehouseResource
):
    # dbt reads the paths from environment variables, and dagster-dbt's cli() gives its
    # subprocess the process environment only: this resource's settings, for this step.
    with settings_environment(lakehouse.settings):
        yield from _build(context, dbt, lakehouse)


def _build(context: dg.AssetExecutionContext, dbt: DbtCliResource, lakehouse: LakehouseResource):
    # One target folder per lakehouse (not one per run): artifacts don't pile up in the repo,
    # and dbt's partial parsing carries over from run to run.
    target = lakehouse.settings.lakehouse_dir / "dbt_target"
    # Python assets (ML scores, company resolution) sit between dbt models, so Dagster splits
    # this multi-asset into several steps; "cautious" runs a test only in the step where all of
    # its parents are built (a relationships test must not run before the model it checks).
    args = ["build", "--indirect-selection", "cautious"]
    if lakehouse.engine_name != "spark":
        yield from dbt.cli(args, context=context, target_path=target).stream()
        return
    # Spark: the Python assets' tables go to Parquet for dbt-spark's sources first; afterwards
    # the DuckDB mirror gets a view per Spark table for the next Python asset and publish.
    remove_failed_writes(lakehouse.settings)
    export_python_tables(lakehouse.settings)
    # dbt unit tests prove SQL logic with fixture rows and run on DuckDB (make test); their
    # fixtures don't survive dbt-spark's typing, and tests/test_spark_equivalence.py proves
    # Spark's results equal DuckDB's. Data tests (the publish gate) run on Spark as well, unless
    # CRMLAKE_SPARK_DATA_TESTS=0 (the equivalence test: its DuckDB run tests the same data).
    args += spark_exclude_args()
    try:
        yield from dbt.cli(args, context=context, target_path=target).stream()
    finally:
        refresh_mirror(lakehouse.settings)


def dbt_resource() -> DbtCliResource:
    """dbt with the target of the engine switch (the profile's default follows it too)."""
    return DbtCliResource(
        project_dir=dbt_project, profiles_dir=str(dbt_project.profiles_dir), target=get_engine()
    )


defs = dg.Definitions(assets=[dbt_models])
