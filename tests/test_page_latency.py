"""The page-latency bench (tools/page_latency.py) covers every dashboard page: it runs on the S=1
snapshot, lists every dashboard screen of the registry and every page script outside the entry
section, and records the snapshot reads each page issues. No timing is asserted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from operational.screens import REGISTRY

APPS = Path(__file__).resolve().parents[1] / "apps"

pytestmark = pytest.mark.slow


def test_every_dashboard_page_is_a_registered_dashboard_screen():
    from tools.page_latency import dashboards

    scripts = {
        str(p.relative_to(APPS)) for p in (APPS / "views").rglob("*.py")
        if p.name != "__init__.py" and p.parent.name != "entry"
    }
    assert {s.page for s in dashboards()} == scripts
    assert [s.key for s in dashboards()] == [s.key for s in REGISTRY if s.is_dashboard]


def test_bench_records_and_times_every_dashboard_page(pipeline_run, tmp_path):
    from tools.page_latency import ROW_SCOPED, dashboards, run_and_write

    out, runs = run_and_write(pipeline_run.settings, repeats=1, scale=1, out=tmp_path / "pages.json")
    payload = json.loads(out.read_text(encoding="utf-8"))

    admin = {p["screen"] for p in payload["pages"] if p["viewer"] == "admin"}
    assert admin == {s.key for s in dashboards()}
    scoped = {p["screen"] for p in payload["pages"] if p["viewer"] == ROW_SCOPED}
    assert {"sales_forecast", "sales_movement", "sales_funnel"} <= scoped
    assert all(p["reads"] > 0 and p["p95_ms"] is not None for p in payload["pages"])

    # the reads are the pages' own: the rep's sales SQL carries the owner rule, the admin's does not
    def sql(screen: str, who: str) -> str:
        run = next(r for r in runs if r.screen == screen and r.viewer == who)
        return " ".join(read.sql for read in run.reads)

    assert "owner_id in" in sql("sales_forecast", ROW_SCOPED)
    assert "owner_id in" not in sql("sales_forecast", "admin")
    assert "load_status" in [read.label for r in runs if r.screen == "pipeline_status" for read in r.reads]


def test_a_new_publish_shows_up_although_the_old_snapshot_stays_open(tmp_path, monkeypatch):
    """The apps keep the snapshot attached per publish; after the atomic rename the next read
    sees the new file, even while something in the process still holds the replaced one open
    (DuckDB's per-path instance cache would hand that one back to ``duckdb.connect(path)``)."""
    import os

    import duckdb
    import streamlit as st

    from apps import data_access
    from kernel.settings import get_settings

    settings = get_settings({"CRMLAKE_HOME": str(tmp_path)})
    monkeypatch.setenv("CRMLAKE_HOME", str(tmp_path))
    settings.published_dir.mkdir(parents=True)
    path = settings.published_database

    def publish(value: int, mtime: int) -> None:
        tmp = path.with_name("next.duckdb")
        with duckdb.connect(str(tmp)) as con:
            con.execute(f"create schema s; create table s.t as select {value} as v")
        os.replace(tmp, path)
        os.utime(path, (mtime, mtime))

    st.cache_data.clear()
    publish(1, 1_000_000)
    held = duckdb.connect(str(path), read_only=True)  # e.g. a loader of the old publish
    assert data_access.query("select v from s.t")["v"].tolist() == [1]
    publish(2, 2_000_000)
    assert data_access.query("select v from s.t")["v"].tolist() == [2]
    assert held.execute("select v from s.t").fetchone() == (1,)
    held.close()


def test_forecast_list_filtered_in_sql_equals_the_quarter_of_the_whole_list(pipeline_run, monkeypatch):
    """The forecast page asks for the quarter's opportunities in SQL (faster); the rows and their
    order are the whole list's rows closing in the quarter, as the page filtered them before."""
    import pandas as pd
    import streamlit as st
    from app_login import viewer

    from apps import sales_data

    for key, value in pipeline_run.settings.as_env().items():
        monkeypatch.setenv(key, value)
    st.cache_data.clear()
    admin = viewer("admin")
    checked = 0
    for quarter in sales_data.quarters():
        first, last = sales_data.quarter_bounds(quarter)
        whole = sales_data.opportunities(admin)
        close = pd.to_datetime(whole["expected_close_date"])
        expected = whole[(close >= pd.Timestamp(first)) & (close <= pd.Timestamp(last))].reset_index(drop=True)
        shown = sales_data.opportunities(admin, closing=(first, last))
        pd.testing.assert_frame_equal(shown, expected, check_dtype=not expected.empty)
        checked += len(shown)
    assert checked > 0


def test_aging_read_from_the_mart_equals_the_on_demand_rule_at_every_materialized_date(pipeline_run, monkeypatch):
    """The aging page reads a date the finance.ar_aging mart holds from the mart (faster); the
    rows are those of the on-demand table macro at that date, in the same order."""
    import duckdb
    import pandas as pd
    import streamlit as st
    from app_login import viewer

    from apps import finance_data

    for key, value in pipeline_run.settings.as_env().items():
        monkeypatch.setenv(key, value)
    st.cache_data.clear()
    dates = sorted(finance_data.materialized_dates())
    assert finance_data.reporting_date() in dates and len(dates) > 1
    with duckdb.connect(str(pipeline_run.settings.published_database), read_only=True) as con:
        for day in dates:
            on_demand = con.execute(finance_data.AGING_AS_OF_SQL, [day.isoformat()]).df()
            pd.testing.assert_frame_equal(finance_data.aging_as_of(viewer("admin"), day), on_demand)


def _published_home(tmp_path, monkeypatch):
    """Settings of an empty home the apps read (the environment points at it) and a way to publish
    a snapshot there: ``publish(sql, mtime)`` swaps in a new file as the pipeline does."""
    import os

    import duckdb
    import streamlit as st

    from kernel.settings import get_settings

    settings = get_settings({"CRMLAKE_HOME": str(tmp_path)})
    monkeypatch.setenv("CRMLAKE_HOME", str(tmp_path))
    settings.published_dir.mkdir(parents=True)
    path = settings.published_database
    st.cache_data.clear()

    def publish(sql: str, mtime: int) -> None:
        tmp = path.with_name("next.duckdb")
        with duckdb.connect(str(tmp)) as con:
            con.execute(sql)
        os.replace(tmp, path)
        os.utime(path, (mtime, mtime))

    return settings, publish


def test_the_published_table_list_is_read_once_per_publish(tmp_path, monkeypatch):
    """Pages ask for the table list again and again; the app reads it once per publish."""
    from apps import data_access

    _, publish = _published_home(tmp_path, monkeypatch)
    cursors = []
    real = data_access._cursor
    monkeypatch.setattr(data_access, "_cursor", lambda version: cursors.append(version) or real(version))
    publish("create schema s; create table s.t as select 1 as v", 1_000_000)
    assert data_access.published_tables() == {"s.t"}
    assert data_access.missing_tables(["s.u", "s.t"]) == ["s.u"]
    data_access._query.clear()  # the loaders' frames expire after a minute; the list is kept
    assert data_access.published_tables() == {"s.t"}
    assert cursors == [1_000_000]
    publish("create schema s; create table s.u as select 1 as v", 2_000_000)
    assert data_access.missing_tables(["s.u", "s.t"]) == ["s.t"]
    assert cursors == [1_000_000, 2_000_000]


def test_the_apps_queries_run_on_the_set_threads(tmp_path, monkeypatch):
    """One thread per query unless CRMLAKE_APP_QUERY_THREADS says otherwise (see kernel.settings)."""
    from apps import data_access
    from kernel.settings import app_query_threads

    assert app_query_threads({}) == 1
    assert app_query_threads({"CRMLAKE_APP_QUERY_THREADS": "3"}) == 3
    with pytest.raises(ValueError, match="CRMLAKE_APP_QUERY_THREADS"):
        app_query_threads({"CRMLAKE_APP_QUERY_THREADS": "0"})
    _, publish = _published_home(tmp_path, monkeypatch)
    threads = "select current_setting('threads') as n"
    monkeypatch.delenv("CRMLAKE_APP_QUERY_THREADS", raising=False)
    publish("select 1", 1_000_000)
    assert data_access.query(threads)["n"][0] == 1
    monkeypatch.setenv("CRMLAKE_APP_QUERY_THREADS", "2")
    publish("select 1", 2_000_000)  # a new publish is attached anew, with the setting of then
    assert data_access.query(threads)["n"][0] == 2


def test_a_read_cached_per_publish_is_timed_apart_not_in_every_page_view(tmp_path, monkeypatch):
    """A page that asks for the table list and runs one query twice: each view pays the query
    once (the app's cache serves the repeat); the table list is recorded, listed with the page,
    and timed once apart (per publish)."""
    from apps import data_access
    from tools.page_latency import PageRun, _recording, per_publish_ms, replay, table

    settings, publish = _published_home(tmp_path, monkeypatch)
    publish("create schema s; create table s.t as select range as v from range(10)", 1_000_000)
    reads = []
    with _recording(reads):
        assert "s.t" in data_access.published_tables()
        assert data_access.query("select count(*) as n from s.t")["n"][0] == 10
        assert data_access.query("select count(*) as n from s.t")["n"][0] == 10
    assert [r.kind for r in reads] == ["tables", "query", "query"]

    run = replay(PageRun("page", "admin", reads), repeats=3)
    summary = run.summary()
    assert [len(samples) for samples in run.read_ms] == [0, 3, 0]
    assert summary["reads"] == 1 and summary["reads_once_per_publish"] == ["published_tables"]
    assert summary["reads_repeated_in_view"] == 1
    assert [r["read"] for r in summary["per_read"]] == ["select count(*) as n from s.t"]
    assert "| page | admin | 1 + 1 |" in table([run])
    assert set(per_publish_ms(settings, repeats=1)) == {"snapshot_attach", "published_tables"}
