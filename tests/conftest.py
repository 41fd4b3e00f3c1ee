"""Shared fixtures: telemetry off, the dbt manifest, and one end-to-end pipeline run at S=1.

The end-to-end run is session-scoped: several test modules inspect the same published result
instead of paying for the pipeline again.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

for _key, _value in {
    "DO_NOT_TRACK": "1",
    "GX_ANALYTICS_ENABLED": "False",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
}.items():
    os.environ.setdefault(_key, _value)


@pytest.fixture(autouse=True, scope="session")
def _streamlit_compiles_past_cpython_ast_bug():
    """CPython 3.11 can raise a spurious ``SystemError: AST constructor recursion depth mismatch``
    when a script is parsed on a thread (python/cpython#106905, fixed in later releases): one
    AppTest page of a CI run failed to compile that way. Streamlit's script cache compiles again
    once when it happens; any other error, or the same one twice, still fails the page."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    compile_once = ScriptCache.get_bytecode

    def get_bytecode(self, script_path):
        try:
            return compile_once(self, script_path)
        except SystemError as exc:
            if "recursion depth mismatch" not in str(exc):
                raise
            return compile_once(self, script_path)

    ScriptCache.get_bytecode = get_bytecode
    yield
    ScriptCache.get_bytecode = compile_once


@pytest.fixture(autouse=True)
def _no_environment_leaks():
    """Code under test may export the settings into the environment (the CLI does, for dbt's
    subprocess); whatever a test's body leaves there is undone, so no later test reads another
    test's CRMLAKE_CONFIG_DIR. Session and module fixtures are set up before this and are kept."""
    before = dict(os.environ)
    yield
    if dict(os.environ) != before:
        os.environ.clear()
        os.environ.update(before)


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    """The manifest Dagster's dbt assets load from (normally built by `make install`).

    Rebuilt in a subprocess when missing or older than the dbt project, so a test never sees
    stale assets.
    """
    from pipelines.dbt.project import dbt_project, manifest_is_stale

    if manifest_is_stale():
        subprocess.run(
            [sys.executable, "-m", "tools.cli", "prepare"], cwd=REPO, check=True
        )
    return dbt_project.manifest_path


@dataclass
class PipelineRun:
    settings: object
    report: object
    result: object


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory, dbt_manifest) -> PipelineRun:
    """Demo data (and the demo's business settings) at S=1, then every asset materialized and
    published, in a fresh directory."""
    from kernel.settings import get_settings
    from pipelines.runner import failed_checks, failed_steps, materialize
    from tools.demo import generate

    home = tmp_path_factory.mktemp("lakehouse")
    settings = get_settings({"CRMLAKE_HOME": str(home)})
    report = generate(settings.landing_dir, scale=1, seed=42, config_dir=settings.config_dir)
    result = materialize(settings)
    assert result.success, f"failed steps {failed_steps(result)}, failed checks {failed_checks(result)}"
    return PipelineRun(settings=settings, report=report, result=result)


# -- case warehouses that several modules read: built once by the real dbt models, read-only ----

@pytest.fixture(scope="session")
def sales_case_warehouse(tmp_path_factory) -> Path:
    """The sales cases (tests/sales_fixtures.py) after `dbt build` of the sales models: the marts'
    and the ML features' tests read the same warehouse (read-only)."""
    from sales_fixtures import build_sales_models

    return build_sales_models(tmp_path_factory.mktemp("sales_case"))


@pytest.fixture(scope="session")
def partner_case_warehouse(tmp_path_factory) -> Path:
    """partner.md R1/R2 and names.md (tests/partner_fixtures.py) after `dbt build` of the partner
    models: the cases' tests read it (read-only), the pages' tests publish a copy of it."""
    from partner_fixtures import build_case_warehouse, run_partner_dbt

    tmp = tmp_path_factory.mktemp("partner_cases")
    warehouse = build_case_warehouse(tmp)
    result = run_partner_dbt(tmp, warehouse)
    assert result.returncode == 0, result.stdout[-4000:]
    return warehouse
