"""Publishing: readers never block the pipeline, and a failed run leaves the last good snapshot."""

from __future__ import annotations

import hashlib
import shutil

import dagster as dg
import duckdb
import pytest

from kernel.contracts import load_contract
from kernel.settings import get_settings
from pipelines.publish.snapshot import publish_snapshot


def _warehouse_with(settings, rows: int) -> None:
    settings.lakehouse_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("create schema if not exists staging")
        con.execute("create or replace table staging.t as select range as id, '客户' || range as name from range(?)", [rows])


def test_publish_while_a_reader_holds_the_old_snapshot(tmp_path):
    settings = get_settings({"CRMLAKE_HOME": str(tmp_path)})
    _warehouse_with(settings, 1)
    first = publish_snapshot(settings, "run-1")
    assert first.tables["staging.t"] == 1

    reader = duckdb.connect(str(settings.published_database), read_only=True)
    _warehouse_with(settings, 2)
    second = publish_snapshot(settings, "run-2")  # must not fail on the reader's lock
    assert second.tables["staging.t"] == 2
    assert reader.execute("select count(*) from staging.t").fetchone()[0] == 1
    reader.close()
    with duckdb.connect(str(settings.published_database), read_only=True) as fresh:
        assert fresh.execute("select count(*) from staging.t").fetchone()[0] == 2
        assert fresh.execute("select name from staging.t order by id limit 1").fetchone()[0] == "客户0"
        assert fresh.execute("select count(*) from meta.publish_log").fetchone()[0] == 2
    assert len(list((settings.published_dir / "history").glob("*.duckdb"))) == 1


def test_stale_temporary_file_of_a_killed_publish_is_cleaned(tmp_path):
    settings = get_settings({"CRMLAKE_HOME": str(tmp_path)})
    _warehouse_with(settings, 3)
    settings.published_dir.mkdir(parents=True)
    stale = settings.published_dir / ".crmlake.duckdb.killed-run.tmp"
    stale.write_bytes(b"half a file")
    publish_snapshot(settings, "run-after-kill")
    assert not stale.exists()
    with duckdb.connect(str(settings.published_database), read_only=True) as con:
        assert con.execute("select count(*) from staging.t").fetchone()[0] == 3


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_rerun_loads_nothing_twice_and_a_failing_check_keeps_the_previous_snapshot(pipeline_run, tmp_path):
    from store_rerun_fixtures import copied_lakehouse

    from pipelines.runner import failed_checks, materialize

    # a copy of the session's whole run (tests/conftest.py), snapshot and settings included; its
    # landing zone is read, never written
    source = pipeline_run.settings
    settings = copied_lakehouse(source, tmp_path)
    shutil.copytree(source.published_dir, settings.published_dir)
    shutil.copytree(source.config_dir, settings.config_dir)
    before = _digest(settings.published_database)

    # Re-running ingestion on the same landing zone loads nothing twice.
    again = materialize(settings, dg.AssetSelection.key_prefixes("raw").without_checks())
    assert again.success
    reloads = {
        e.asset_key.to_user_string(): e.materialization.metadata
        for e in again.get_asset_materialization_events()
        # the operational store (extraction) and the landing-zone scan load no landing files
        if e.asset_key.path[1] not in ("ops", "landing_zone")
    }
    assert len(reloads) == len(load_contract())
    assert all(m["files_loaded"].value == 0 and m["rows_loaded"].value == 0 for m in reloads.values())
    assert all(m["files_unchanged"].value > 0 for m in reloads.values())
    manifest_before = (settings.published_dir / "manifest.json").read_text(encoding="utf-8")

    # Someone drops a stray file into the raw layer: raw no longer matches the load ledger.
    accounts = settings.raw_dir / "crm" / "accounts"
    data_file = next(p for p in sorted(accounts.glob("*.parquet")) if not p.name.startswith("0000"))
    shutil.copyfile(data_file, accounts / "stray_copy.parquet")

    result = materialize(settings)
    assert not result.success
    assert "raw/crm/accounts:raw_suite" in failed_checks(result)
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "published/snapshot" not in materialized
    assert _digest(settings.published_database) == before
    assert (settings.published_dir / "manifest.json").read_text(encoding="utf-8") == manifest_before
