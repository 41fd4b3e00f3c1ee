"""The code location loads, every job resolves, and lineage runs raw -> staging -> publish."""

import dagster as dg

from kernel.contracts import load_contract


def test_definitions_load_and_every_job_resolves(dbt_manifest):
    from pipelines.definitions import defs

    repo = defs.get_repository_def()
    for job in repo.get_all_jobs():
        assert job.name
    assert defs.resolve_job_def("everything")
    assert defs.resolve_job_def("ingest_raw")
    assert defs.resolve_schedule_def("daily_run")
    assert defs.resolve_job_def("crmlake_run")
    assert defs.resolve_sensor_def("landing_sensor")


def test_one_raw_asset_and_one_blocking_check_per_contract_entity(dbt_manifest):
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    for spec in load_contract().values():
        key = f"raw/{spec.system}/{spec.name}"
        assert key in keys
        assert dg.AssetCheckKey(dg.AssetKey(key.split("/")), "raw_suite") in graph.asset_check_keys
    specs = [spec for checks_def in defs.asset_checks for spec in checks_def.check_specs]
    raw_suites = [spec for spec in specs if spec.name == "raw_suite"]
    assert len(raw_suites) == len(load_contract())
    assert all(spec.blocking for spec in raw_suites)


def test_staging_models_depend_on_their_raw_asset_and_publish_on_all_models(dbt_manifest):
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    accounts = dg.AssetKey(["staging", "stg_crm__accounts"])
    assert dg.AssetKey(["raw", "crm", "accounts"]) in graph.get(accounts).parent_keys
    publish = graph.get(dg.AssetKey(["published", "snapshot"]))
    staging = {k for k in graph.get_all_asset_keys() if k.path[0] == "staging"}
    ops = {k for k in staging if k.path[-1].startswith("stg_ops__")}  # the operational store's
    assert len(staging) - len(ops) == len(load_contract())
    assert staging <= publish.parent_keys


def test_loading_the_definitions_imports_no_scikit_learn(dbt_manifest):
    """A run whose changes reach no model (an entry-screen save) loads every asset's module;
    scikit-learn (~1-1.8 s to import) comes in only when a model is fitted or scored."""
    import subprocess
    import sys

    script = ("import sys\nimport pipelines.definitions\n"
              "print(sorted(m for m in sys.modules if m == 'sklearn' or m.startswith('sklearn.')))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True)
    assert done.stdout.strip() == "[]"
