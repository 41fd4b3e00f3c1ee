"""Shared setup of the end-to-end tests that enter records in the store and rerun only what lies
between the store and one mart, starting from a copy of the session's S=1 pipeline run
(tests/conftest.py ``pipeline_run``) so the shared result is left alone."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb

from kernel.settings import Settings, get_settings
from pipelines.publish.assets import PUBLISHED_KEY
from pipelines.runner import failed_checks, failed_steps, materialize


def store_to_mart(mart: dg.AssetKey, *also: dg.AssetKey | list[str]) -> dg.AssetSelection:
    """The extraction, the dbt models from raw/ops down to ``mart``, ``also`` and the publish step."""
    return (
        (
            dg.AssetSelection.key_prefixes(["raw", "ops"]).downstream()
            & dg.AssetSelection.assets(mart).upstream()
            & dg.AssetSelection.from_string("kind:dbt")
        )
        | dg.AssetSelection.key_prefixes(["raw", "ops"])
        | dg.AssetSelection.assets(*also)
        | dg.AssetSelection.assets(PUBLISHED_KEY)
    )


def run_selection(settings: Settings, selection: dg.AssetSelection) -> dg.ExecuteInProcessResult:
    result = materialize(settings, selection)
    assert result.success, f"failed steps {failed_steps(result)}, checks {failed_checks(result)}"
    return result


def published(settings: Settings) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(settings.published_database), read_only=True)


def copied_lakehouse(source: Settings, home: Path, *ignore: str) -> Settings:
    """Settings of ``home`` holding a copy of ``source``'s lakehouse (without ``ignore`` patterns),
    reading ``source``'s landing zone (no landing asset runs) and a store of its own."""
    shutil.copytree(source.lakehouse_dir, home / "lakehouse",
                    ignore=shutil.ignore_patterns("dbt_target", "dbt_logs", "*.lock", *ignore))
    return get_settings({
        "CRMLAKE_HOME": str(home),
        "CRMLAKE_LANDING_DIR": str(source.landing_dir),
        "CRMLAKE_OPERATIONAL_URL": f"sqlite:///{home / 'operational.sqlite'}",
    })
