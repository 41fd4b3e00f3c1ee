"""Incremental runs publish exactly what a full rebuild publishes (issue 16).

One small demo company, delivered day by day as a real one is: the first `crmlake run` builds
everything; then two next-day deliveries (new records, updates, late corrections, a re-delivered
file: `crmlake demo --next-day`) with entry-screen saves in the operational store between them
(an insert, an update, a soft delete), each followed by `crmlake run`, which runs only what the
changes feed; then a run with nothing new, which does nothing. A second lakehouse rebuilds
everything once from the same landing zone, store and settings, and every mart table of the
two published snapshots must hold the same rows (the comparator of the Spark equivalence test;
run stamps such as model versions left out).
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
import sqlalchemy as sa
from crmlake_cli import crmlake_ok, user_env
from spark_fixtures import assert_same_marts

from kernel.settings import get_settings
from operational.models import Account, Lead

SCALE = os.environ.get("CRMLAKE_INCREMENTAL_SCALE", "0.2")
STORE_ID = 9_000_000_000_000_001  # store ids start at 9e15


def _account(i: int, at: dt.datetime) -> dict:
    return {"id": STORE_ID + i, "source_system": "ops", "version": 1, "created_at": at, "created_by": 1,
            "updated_at": at, "updated_by": 1, "owner_id": 11, "account_name": f"杭州增量{i}号机械有限公司",
            "is_in_pool": False}


def _store(url: str, statement) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(statement)
    engine.dispose()


@pytest.fixture(scope="module")
def lakehouses(tmp_path_factory):
    """(settings of the day-by-day lakehouse, settings of the full rebuild), and what each run said."""
    home = tmp_path_factory.mktemp("incremental")
    env = user_env(home)
    said = {}
    crmlake_ok(env, "demo", "--scale", SCALE, "--seed", "7")
    said["first"] = crmlake_ok(env, "run")
    settings = get_settings(env)
    accounts = Account.__table__

    crmlake_ok(env, "demo", "--next-day")
    _store(settings.operational_url, accounts.insert().values([
        _account(1, dt.datetime(2026, 12, 5, 9, 0)), _account(2, dt.datetime(2026, 12, 5, 9, 1))]))
    said["day 1"] = crmlake_ok(env, "run")

    crmlake_ok(env, "demo", "--next-day")
    _store(settings.operational_url, accounts.update().where(accounts.c.id == STORE_ID + 1).values(
        account_name="杭州增量一号机械股份有限公司", version=2, updated_at=dt.datetime(2026, 12, 6, 10, 0)))
    _store(settings.operational_url, accounts.update().where(accounts.c.id == STORE_ID + 2).values(
        deleted_at=dt.datetime(2026, 12, 6, 10, 5), version=2, updated_at=dt.datetime(2026, 12, 6, 10, 5)))
    said["day 2"] = crmlake_ok(env, "run")
    fits = settings.lakehouse_dir / "models" / "win_probability"
    said["fits after day 2"] = sorted(p.name for p in fits.iterdir())

    # day 3: only a lead saved on an entry screen; it reaches the models through the graph, but
    # not their input rows, so they keep their fit (pipelines/reuse.py) and the result stays exact
    _store(settings.operational_url, Lead.__table__.insert().values(
        id=STORE_ID + 10, source_system="ops", version=1, created_at=dt.datetime(2026, 12, 7, 9, 0), created_by=1,
        updated_at=dt.datetime(2026, 12, 7, 9, 0), updated_by=1, owner_id=11, lead_name="周增量",
        company_name="宁波增量三号科技有限公司", mobile="13900000003", status="new", is_in_pool=False))
    said["day 3"] = crmlake_ok(env, "run")
    said["fits after day 3"] = sorted(p.name for p in fits.iterdir())
    said["nothing new"] = crmlake_ok(env, "run")

    full_env = user_env(tmp_path_factory.mktemp("full_rebuild"), CRMLAKE_LANDING_DIR=str(settings.landing_dir),
                    CRMLAKE_CONFIG_DIR=str(settings.config_dir), CRMLAKE_OPERATIONAL_URL=settings.operational_url)
    said["full rebuild"] = crmlake_ok(full_env, "run", "--full-refresh")
    return settings, get_settings(full_env), said


def test_each_run_did_only_what_changed(lakehouses):
    _, _, said = lakehouses
    assert "crmlake run: everything (the last run did not succeed)" in said["first"]
    for day in ("day 1", "day 2"):
        assert "crmlake run: what changed and everything it feeds (landing files of" in said[day], said[day]
    assert "store rows saved since the last extraction: accounts" in said["day 1"]
    assert "store rows saved since the last extraction: leads" in said["day 3"]
    assert said["nothing new"].startswith("Nothing changed since run")
    assert "crmlake run: everything (--full-refresh)" in said["full rebuild"]


def test_a_model_whose_input_rows_did_not_change_keeps_its_fit(lakehouses):
    _, _, said = lakehouses
    # the first run's fit and at least one more: day 2's deliveries start a new training week
    # (wp.training_cutoff; a day within the week keeps the fit and only scores)
    assert len(said["fits after day 2"]) >= 2
    assert said["fits after day 3"] == said["fits after day 2"]  # no new fit for a lead


def test_incremental_runs_publish_what_a_full_rebuild_publishes(lakehouses, dbt_manifest):
    incremental, full, _ = lakehouses
    assert_same_marts(incremental.published_database, full.published_database, dbt_manifest)


def test_the_large_sources_staging_was_updated_in_place_and_equals_a_rebuild(lakehouses):
    """The incremental staging models (macros/staging_incremental.sql) took their incremental path
    on the day runs, and every staging table equals the full rebuild's (`loaded_at` is when each
    lakehouse loaded the file: a run stamp)."""
    import duckdb

    from pipelines.spark.equivalence import compare_snapshots

    incremental, full, _ = lakehouses
    # the day runs' deliveries hold call records, ticket events and activities (not transcripts)
    assert {"stg_callcenter__call_records", "stg_callcenter__ticket_events", "stg_crm__activities"} <= (
        _models_run_incrementally(incremental.lakehouse_dir / "dbt_target"))

    with duckdb.connect(str(incremental.warehouse_path), read_only=True) as con:
        tables = [f"staging.{t}" for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'staging'").fetchall()]
    # the store's extraction files are named by when each lakehouse extracted: run stamps too
    stamps = {t: ["loaded_at", "source_file"] if t.startswith("staging.stg_ops__") else ["loaded_at"] for t in tables}
    compared, differences = compare_snapshots(incremental.warehouse_path, full.warehouse_path, ["staging"], stamps)
    assert not differences, "\n".join(str(d) for d in differences)
    assert len(tables) >= 70 and sorted(compared) == sorted(tables)  # every staging table, in both


def _models_run_incrementally(dbt_target) -> set[str]:
    """Models whose SQL in dbt's log files (dbt.log and its rotated files, dbt's debug text format:
    pipelines/dbt/dbt_main.py) took the incremental path.

    An event starts a line with its time and level and may run over several lines (the SQL); a
    statement names its model's connection first ("On model.crmlake.<model>: ...")."""
    import re
    from itertools import pairwise

    event_start = re.compile(r"^(?:\x1b\[0m)?\d\d:\d\d:\d\d\.\d+ \[", re.MULTILINE)
    statement_of_model = re.compile(r"\]: On model\.\w+\.(\w+): ")
    models = set()
    for log in dbt_target.glob("dbt.log*"):
        text = log.read_text(encoding="utf-8")
        starts = [m.start() for m in event_start.finditer(text)] + [len(text)]
        for start, end in pairwise(starts):
            event = text[start:end]
            model = statement_of_model.search(event.split("\n", 1)[0])
            if model and "touched_keys" in event:
                models.add(model.group(1))
    return models


def test_the_store_changes_reached_the_snapshot(lakehouses):
    import duckdb

    incremental, _, _ = lakehouses
    with duckdb.connect(str(incremental.published_database), read_only=True) as con:
        names = dict(con.execute(
            "select account_id, account_name from intermediate.int_accounts_unioned where account_id >= ?",
            [STORE_ID]).fetchall())
    assert names == {STORE_ID + 1: "杭州增量一号机械股份有限公司"}  # updated; the other one deleted
