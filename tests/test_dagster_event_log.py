"""The DAGSTER_HOME crmlake writes keeps Dagster's event log with one engine per file and no fsync
per event (pipelines/dagster_event_log.py), and every event still lands and reads back."""

from __future__ import annotations

import dagster as dg
import pytest
from sqlalchemy import text

from kernel.runtime import DAGSTER_YAML, ensure_dagster_home
from kernel.settings import get_settings
from pipelines.dagster_event_log import PooledSqliteEventLogStorage


@pytest.fixture()
def dagster_home(tmp_path, monkeypatch):
    home = tmp_path / "dagster"
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    ensure_dagster_home(get_settings({"CRMLAKE_HOME": str(tmp_path / "lake")}))
    return home


@dg.asset
def chatty(context) -> int:
    for number in range(50):
        context.log.info(f"line {number}")
    return 1


def _event_log(instance: dg.DagsterInstance) -> PooledSqliteEventLogStorage:
    storage = instance.event_log_storage
    return getattr(storage, "_event_log_storage", storage)  # inside Dagster's composite storage


def test_runs_write_every_event_and_another_instance_reads_them(dagster_home):
    with dg.DagsterInstance.get() as instance:
        storage = _event_log(instance)
        assert isinstance(storage, PooledSqliteEventLogStorage)
        result = dg.materialize([chatty], instance=instance)
        assert result.success
        written = instance.all_logs(result.run_id)
        with storage.run_connection(result.run_id) as conn:
            # 1 = NORMAL: a commit writes the WAL without an fsync
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 1
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert sum("line " in (event.user_message or "") for event in written) == 50

    with dg.DagsterInstance.get() as reader:  # what the UI or the daemon sees
        read = reader.all_logs(result.run_id)
        assert [event.user_message for event in read] == [event.user_message for event in written]
        materialization = reader.get_latest_materialization_event(dg.AssetKey("chatty"))
        assert materialization is not None and materialization.run_id == result.run_id


def test_a_dagster_yaml_the_user_wrote_is_kept_and_an_older_crmlake_one_updated(tmp_path, monkeypatch):
    home = tmp_path / "dagster"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    settings = get_settings({"CRMLAKE_HOME": str(tmp_path / "lake")})

    mine = "telemetry:\n  enabled: false\n"
    (home / "dagster.yaml").write_text(mine, encoding="utf-8")
    ensure_dagster_home(settings)
    assert (home / "dagster.yaml").read_text(encoding="utf-8") == mine

    older = DAGSTER_YAML.split("# Dagster's SQLite event log")[0]
    (home / "dagster.yaml").write_text(older, encoding="utf-8")
    ensure_dagster_home(settings)
    assert "PooledSqliteEventLogStorage" in (home / "dagster.yaml").read_text(encoding="utf-8")
