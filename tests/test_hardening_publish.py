"""Issue 14, published snapshot: read-only on disk, opened read-only, and an honest publish log.

An analyst who opens ``crmlake.duckdb`` without ``-readonly`` must not be able to change what the
apps serve (nor take the write lock every app reader then waits on); a publish killed before its
swap must not appear in the next snapshot's ``meta.publish_log``, and its half-written copy must
not stay on disk.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import pytest

from kernel.settings import get_settings
from pipelines.publish import snapshot
from pipelines.publish.snapshot import publish_snapshot

NOBODY = 65534


def _warehouse_with(settings, rows: int) -> None:
    settings.lakehouse_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("create schema if not exists staging")
        con.execute("create or replace table staging.t as select range as id from range(?)", [rows])


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _publish_log(settings) -> list[str]:
    with duckdb.connect(str(settings.published_database), read_only=True) as con:
        rows = con.execute("select run_id from meta.publish_log order by published_at").fetchall()
    return [r[0] for r in rows]


# ---------------------------------------------------------------- read-only on disk


def test_published_snapshot_and_its_history_are_read_only_and_publishing_goes_on(tmp_path):
    settings = get_settings({"CRMLAKE_HOME": str(tmp_path)})
    for run in range(1, 7):  # more runs than history keeps: pruning must cope with 0444 files
        _warehouse_with(settings, run)
        result = publish_snapshot(settings, f"run-{run}")
        assert result.tables["staging.t"] == run
        assert _mode(settings.published_database) == 0o444
    history = sorted((settings.published_dir / "history").glob("crmlake-*.duckdb"))
    assert len(history) == snapshot.KEEP_PREVIOUS_SNAPSHOTS
    assert {_mode(h) for h in history} == {0o444}
    with duckdb.connect(str(settings.published_database), read_only=True) as con:
        assert con.execute("select count(*) from staging.t").fetchone()[0] == 6
    assert _publish_log(settings) == [f"run-{n}" for n in range(1, 7)]


def _try_update_as_nobody(database: Path) -> subprocess.CompletedProcess:
    code = (
        "import duckdb, sys\n"
        "con = duckdb.connect(sys.argv[1])\n"  # no read_only: what a careless analyst types
        "con.execute('update staging.t set id = -1')\n"
    )

    def drop_privileges():
        os.setgid(NOBODY)
        os.setuid(NOBODY)

    return subprocess.run([sys.executable, "-c", code, str(database)], capture_output=True,
                          text=True, preexec_fn=drop_privileges if os.geteuid() == 0 else None)


def test_an_analyst_opening_the_snapshot_without_readonly_cannot_update_it():
    """Run as an ordinary user (root ignores file modes): the write open fails, nothing changes."""
    home = Path(tempfile.mkdtemp(prefix="crmlake-ro-"))  # world-traversable, unlike pytest's tmp
    try:
        os.chmod(home, 0o755)
        settings = get_settings({"CRMLAKE_HOME": str(home)})
        _warehouse_with(settings, 3)
        publish_snapshot(settings, "run-1")
        for folder in (home, settings.published_dir):
            os.chmod(folder, 0o755)
        try:
            probe = subprocess.run([sys.executable, "-c", "import duckdb"], capture_output=True,
                                   preexec_fn=(lambda: os.setuid(NOBODY)) if os.geteuid() == 0 else None)
        except PermissionError:
            probe = None
        if probe is None or probe.returncode != 0:
            pytest.skip("an unprivileged user cannot run this Python (the 0444 mode is tested above)")
        attempt = _try_update_as_nobody(settings.published_database)
        assert attempt.returncode != 0
        assert "Permission denied" in attempt.stderr or "read-only" in attempt.stderr.lower()
        with duckdb.connect(str(settings.published_database), read_only=True) as con:
            assert con.execute("select min(id) from staging.t").fetchone()[0] == 0
    finally:
        for path in sorted(home.rglob("*"), reverse=True):
            path.chmod(0o700) if path.is_dir() else path.chmod(0o600)
        import shutil

        shutil.rmtree(home, ignore_errors=True)


def test_apps_and_status_open_the_snapshot_read_only(tmp_path, monkeypatch):
    """Every reader passes read_only=True (a writer would lock out every app reader)."""
    import apps.data_access as data_access
    from kernel import publish_status as status

    settings = get_settings({"CRMLAKE_HOME": str(tmp_path)})
    _warehouse_with(settings, 2)
    publish_snapshot(settings, "run-1")
    calls = []
    real_connect = duckdb.connect

    def spy(database=":memory:", *args, **kwargs):
        calls.append((str(database), kwargs.get("read_only", False)))
        return real_connect(database, *args, **kwargs)

    monkeypatch.setattr(data_access.duckdb, "connect", spy)
    monkeypatch.setattr(data_access, "settings", lambda: settings)
    data_access._query.clear()
    assert data_access.query("select count(*) as n from staging.t")["n"][0] == 2
    status.collect_status(settings)
    published = [ro for db, ro in calls if db == str(settings.published_database)]
    assert published and all(published)


# ---------------------------------------------------------------- publish log and killed publishes


def _publish_and_die_before_the_swap(home: str) -> None:
    """A child process that is killed (no cleanup, no finally) right before the rename."""
    settings = get_settings({"CRMLAKE_HOME": home})

    def killed(*_args, **_kwargs):
        os._exit(137)

    snapshot.os.replace = killed
    publish_snapshot(settings, "killed-run")


def test_a_killed_publish_is_not_in_the_next_publish_log_and_its_temporary_is_removed(tmp_path, caplog):
    settings = get_settings({"CRMLAKE_HOME": str(tmp_path)})
    _warehouse_with(settings, 1)
    publish_snapshot(settings, "run-1")

    _warehouse_with(settings, 2)
    child = multiprocessing.get_context("fork").Process(
        target=_publish_and_die_before_the_swap, args=(str(tmp_path),))
    child.start()
    child.join(120)
    assert child.exitcode == 137
    leftovers = list(settings.published_dir.glob(".crmlake.duckdb.*.tmp"))
    assert leftovers, "the killed publish should have left its partial copy (as kill -9 does)"
    assert _publish_log(settings) == ["run-1"]  # the old snapshot keeps serving

    with caplog.at_level(logging.INFO, logger="crmlake.publish"):
        publish_snapshot(settings, "run-3")
    assert _publish_log(settings) == ["run-1", "run-3"]
    assert not any(p.exists() for p in leftovers)
    assert any("stale" in r.getMessage() and leftovers[0].name in r.getMessage()
               for r in caplog.records)
    with duckdb.connect(str(settings.published_database), read_only=True) as con:
        assert con.execute("select count(*) from staging.t").fetchone()[0] == 2


def test_a_publish_that_fails_its_copy_check_is_not_logged(tmp_path, monkeypatch):
    settings = get_settings({"CRMLAKE_HOME": str(tmp_path)})
    _warehouse_with(settings, 1)
    publish_snapshot(settings, "run-1")
    _warehouse_with(settings, 2)
    monkeypatch.setattr(snapshot, "_keep_previous", _raise)
    with pytest.raises(OSError):
        publish_snapshot(settings, "run-failed")
    monkeypatch.undo()
    publish_snapshot(settings, "run-3")
    assert _publish_log(settings) == ["run-1", "run-3"]
    assert not list(settings.published_dir.glob(".*.tmp"))


def _raise(*_args, **_kwargs):
    raise OSError("disk full")


def test_stale_raw_temporaries_are_removed_with_a_log_line(tmp_path, caplog):
    from ingest_fixtures import settings_for, spec

    from pipelines.ingest import load_entity, raw_dir_of

    settings = settings_for(tmp_path)
    things = spec()
    folder = raw_dir_of(things, settings)
    folder.mkdir(parents=True)
    stale = folder / ".test__things__a.parquet.0123456789ab.tmp"
    stale.write_bytes(b"half a parquet file")
    with caplog.at_level(logging.INFO, logger="crmlake.ingest"):
        load_entity(things, settings)
    assert not stale.exists()
    assert any("stale" in r.getMessage() and stale.name in r.getMessage() for r in caplog.records)


def test_a_killed_publishs_copy_is_removed_when_the_next_run_starts(tmp_path, monkeypatch, caplog):
    """Not only by the next publish: a run that then fails before publishing leaves no copy."""
    import dagster as dg

    from pipelines import runner

    settings = get_settings({"CRMLAKE_HOME": str(tmp_path)})
    settings.published_dir.mkdir(parents=True)
    stale = settings.published_dir / ".crmlake.duckdb.killed-run.tmp"
    stale.write_bytes(b"half a database")
    stale.with_name(f"{stale.name}.wal").write_bytes(b"its log")
    monkeypatch.setattr(dg, "materialize", lambda *a, **k: "a run that fails before publishing")
    with caplog.at_level(logging.INFO, logger="crmlake.publish"):
        assert runner.materialize(settings, "key:raw/crm/users") == "a run that fails before publishing"
    assert not list(settings.published_dir.glob(".crmlake.duckdb.*"))
    assert any("stale" in r.getMessage() for r in caplog.records)


def test_a_running_publish_keeps_its_copy_when_another_run_starts(tmp_path):
    import fcntl

    settings = get_settings({"CRMLAKE_HOME": str(tmp_path)})
    settings.published_dir.mkdir(parents=True)
    busy = settings.published_dir / ".crmlake.duckdb.other-run.tmp"
    busy.write_bytes(b"being copied")
    with open(settings.published_dir / ".publish.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other run is inside its publish
        snapshot.remove_stale_publish_temporaries(settings)
    assert busy.exists()
