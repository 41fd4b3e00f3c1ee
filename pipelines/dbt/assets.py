"""Every dbt model as a Dagster asset, built by dbt.

dbt tests become asset checks; a failing error-severity test fails the step, so nothing
downstream (publish) runs on bad data. On DuckDB ``dbt run`` builds the models and the data tests
run in one connection after them (:mod:`pipelines.dbt.data_tests`: 1 s instead of dbt's 48-100 s
of per-node bookkeeping at S=1); on Spark, and with a manifest whose tests are not compiled,
``dbt build`` runs them.
"""

import json
from collections import Counter
from functools import cache

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets
from dagster_dbt.asset_utils import (
    get_asset_check_key_for_test,
    get_checks_on_sources_upstream_of_selected_assets,
)

from kernel.engine import get_engine
from kernel.runtime import settings_environment
from pipelines.dbt.data_tests import (
    check_results,
    data_tests,
    failure_summary,
    has_compiled_tests,
    run_tests,
    step_data_tests,
)
from pipelines.dbt.project import DBT_INCREMENTAL_TAG, UNIT_TESTS, dbt_cli, dbt_project
from pipelines.dbt.translator import DBT_TESTS_CHECK, CrmlakeDbtTranslator
from pipelines.resources import LakehouseResource
from pipelines.spark.dbt_args import spark_exclude_args
from pipelines.spark.mirror import export_python_tables, refresh_mirror, remove_failed_writes

_TRANSLATOR = CrmlakeDbtTranslator()


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=_TRANSLATOR)
def dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, lakehouse: LakehouseResource
):
    # dbt reads the paths from environment variables, and dagster-dbt's cli() gives its
    # subprocess the process environment only: this resource's settings, for this step. On
    # DuckDB relative to the lakehouse folder dbt starts in, so the parse `crmlake prepare` saved
    # holds (project.py); Spark's steps keep the absolute paths they were proven with.
    with settings_environment(lakehouse.settings, dbt=lakehouse.engine_name != "spark"):
        yield from _build(context, dbt, lakehouse)


def _build(context: dg.AssetExecutionContext, dbt: DbtCliResource, lakehouse: LakehouseResource):
    # One target folder per lakehouse (not one per run): artifacts don't pile up in the repo,
    # and dbt's partial parsing carries over from run to run.
    target = lakehouse.settings.lakehouse_dir / "dbt_target"
    # Python assets (ML scores, company resolution) sit between dbt models, so Dagster splits
    # this multi-asset into several steps; "cautious" runs a test only in the step where all of
    # its parents are built (a relationships test must not run before the model it checks).
    # --no-write-json: nothing reads a step's manifest.json / run_results.json (Dagster takes
    # dbt's events from its log stream, the manifest from `crmlake prepare`); writing them was a
    # quarter of a small step's CPU (7.9 s vs 10.2 s for one model, S=1, under load).
    args = ["build", "--indirect-selection", "cautious", "--no-write-json"]
    if context.run.tags.get(DBT_INCREMENTAL_TAG) != "true":
        args.append("--full-refresh")  # incremental models rebuilt from all history (project.py)
    if lakehouse.engine_name != "spark":
        if not has_compiled_tests(_manifest()):
            args += ["--exclude", UNIT_TESTS]
            yield from dbt.cli(args, context=context, target_path=target).stream()
            return
        # the data tests run after the models in one connection (_data_tests), so dbt only runs
        # the models: `dbt run`, which unlike `build` does not link every test of the project
        # into its graph before it starts (no tests, no unit tests: nothing to exclude)
        args[0] = "run"
        yield from dbt.cli(args, context=context, target_path=target).stream()
        yield from _data_tests(context, lakehouse)
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


def _data_tests(context: dg.AssetExecutionContext, lakehouse: LakehouseResource):
    """The step's data tests in one connection, as asset-check results; failing ones fail the step."""
    model_of_key = _models_by_asset_key()
    step_models = {model_of_key[key] for key in context.selected_asset_keys if key in model_of_key}
    run_keys = context.run.asset_selection
    run_models = None if run_keys is None else {model_of_key[k] for k in run_keys if k in model_of_key}
    expected = {
        *context.selected_asset_check_keys,
        *get_checks_on_sources_upstream_of_selected_assets(context.assets_def, context.selected_asset_keys),
    }
    chosen = step_data_tests(_all_tests(), step_models=step_models, run_models=run_models, expected_checks=expected)
    outcomes = run_tests(lakehouse.settings.warehouse_path, chosen)
    counts = Counter(o.status for o in outcomes)
    context.log.info(
        f"dbt data tests: {len(outcomes)} run in one connection "
        f"({', '.join(f'{n} {s}' for s, n in sorted(counts.items()))}) of {len(_all_tests())}"
    )
    for outcome in outcomes:
        if outcome.status != "pass":
            context.log.warning(f"dbt test {outcome.test.name}: {outcome.status} {outcome.failures or outcome.message}")
    yield from check_results(outcomes)
    stopped = failure_summary(outcomes)
    if stopped:
        raise dg.Failure(description=f"dbt data tests failed:\n{stopped}")


@cache
def _manifest() -> dict:
    return json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))


@cache
def _models_by_asset_key() -> dict[dg.AssetKey, str]:
    manifest = _manifest()
    return {
        _TRANSLATOR.get_asset_spec(manifest, uid, dbt_project).key: uid
        for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"
    }


@cache
def _all_tests() -> tuple:
    manifest = _manifest()

    def model_check(unique_id: str) -> dg.AssetCheckKey | None:
        per_test = get_asset_check_key_for_test(manifest, _TRANSLATOR, unique_id, project=dbt_project)
        return None if per_test is None else dg.AssetCheckKey(per_test.asset_key, DBT_TESTS_CHECK)

    return tuple(data_tests(manifest, model_check))


def dbt_resource() -> DbtCliResource:
    """dbt with the target of the engine switch (the profile's default follows it too)."""
    return dbt_cli(target=get_engine())


defs = dg.Definitions(assets=[dbt_models])
