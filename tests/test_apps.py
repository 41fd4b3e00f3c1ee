"""The Streamlit entry and status page, driven by AppTest against a published snapshot."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from app_login import as_viewer, create_login, login, viewer
from streamlit.testing.v1 import AppTest

from kernel.capabilities import CAPABILITIES

APPS = Path(__file__).resolve().parents[1] / "apps"


def _app(monkeypatch, settings) -> AppTest:
    for key, value in settings.as_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.syspath_prepend(str(APPS))
    return AppTest.from_file(str(APPS / "Home.py"), default_timeout=60)


def test_status_page_says_how_to_start_when_nothing_is_published(tmp_path, monkeypatch):
    from kernel.settings import get_settings

    at = _app(monkeypatch, get_settings({"CRMLAKE_HOME": str(tmp_path)}))
    create_login("admin1", "admin")  # pipeline status is the admin's home (and admins' only)
    at.run()
    assert not at.exception
    assert at.text_input(key="login_username")  # not logged in: the login form, nothing else
    login(at, "admin1")
    assert not at.exception
    assert any("crmlake run" in w.value and "crmlake check" in w.value for w in at.warning)

    # other roles land on their home dashboard, which says that nothing is published yet
    create_login("finance1", "finance")
    at = _app(monkeypatch, get_settings({"CRMLAKE_HOME": str(tmp_path)}))
    at.run()
    login(at, "finance1")
    assert not at.exception
    assert any("crmlake run" in i.value for i in at.info) and not at.dataframe


@pytest.mark.slow
def test_status_page_shows_the_published_row_counts(pipeline_run, monkeypatch):
    settings = pipeline_run.settings
    at = as_viewer(_app(monkeypatch, settings), viewer("admin"))
    at.run()
    assert not at.exception
    with duckdb.connect(str(settings.published_database), read_only=True) as con:
        tables = con.execute(
            "select count(*) from information_schema.tables where table_type = 'BASE TABLE'"
        ).fetchone()[0]
        loaded = con.execute(
            "select sum(rows_loaded) from meta.loads"
        ).fetchone()[0]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Published tables 表"] == str(tables)
    assert metrics["Rows loaded 已入库行"] == f"{loaded:,}"
    frames = [frame.value for frame in at.dataframe]
    capabilities = next(f for f in frames if "reason" in f.columns)
    assert len(capabilities) == len(CAPABILITIES)  # every capability, computed or with its reason
    entities = next(f for f in frames if "needed_by" in f.columns)
    assert (entities["delivered"] == "yes 已交付").sum() >= 40  # the demo delivers (almost) every entity
    shown = next(f for f in frames if "table" in f.columns)
    accounts = shown[shown["table"] == "stg_crm__accounts"]["rows"].iloc[0]
    with duckdb.connect(str(settings.published_database), read_only=True) as con:
        assert accounts == con.execute("select count(*) from staging.stg_crm__accounts").fetchone()[0]
