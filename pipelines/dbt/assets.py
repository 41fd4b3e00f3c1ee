"""Every dbt model as a Dagster asset, built with ``dbt build`` (models and their tests).

dbt tests become asset checks; a failing error-severity test fails the step, so nothing
downstream (publish) runs on bad data.
"""


import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from pipelines.dbt.project import dbt_project
from pipelines.dbt.translator import CrmlakeDbtTranslator
from pipelines.resources import LakehouseResource


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=CrmlakeDbtTranslator())
def dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, lakehouse: LakehouseResource
):
    # One target folder per lakehouse (not one per run): artifacts don't pile up in the repo,
    # and dbt's partial parsing carries over from run to run.
    target = lakehouse.settings.lakehouse_dir / "dbt_target"
    # Python assets (ML scores, company resolution) sit between dbt models, so Dagster splits
    # this multi-asset into several steps; "cautious" runs a test only in the step where all of
    # its parents are built (a relationships test must not run before the model it checks).
    args = ["build", "--indirect-selection", "cautious"]
    yield from dbt.cli(args, context=context, target_path=target).stream()


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, profiles_dir=str(dbt_project.profiles_dir))


defs = dg.Definitions(assets=[dbt_models])
