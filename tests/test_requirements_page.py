"""需求与回访 page (AppTest): an agent picks a ticket and the requirement form is prefilled; after a
release the agent's customer is listed (1 to tell) and marking it notified empties the list;
the product manager sees the counts (2 tickets, 1 customer) but no ticket details."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from app_login import as_viewer, viewer
from store_workflow_fixtures import build_reference_db
from streamlit.testing.v1 import AppTest

from operational.db import dispose_all, session_scope
from operational.models.requirements import RequirementFollowup
from operational.reference import Reference
from operational.workflows import requirements as rq
from operational.workflows import tickets

PAGE = str(Path(__file__).resolve().parents[1] / "apps" / "views" / "entry" / "requirements.py")
AGENT = viewer("service_agent", username="agent1", crm_user_id=401, user_id=6)
PM = viewer("product_manager", username="pm1", user_id=13)


@pytest.fixture
def store(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    monkeypatch.setenv("CRMLAKE_HOME", str(tmp_path))
    monkeypatch.setenv("CRMLAKE_OPERATIONAL_URL", url)
    (tmp_path / "published").mkdir()
    ref = Reference.from_duckdb(build_reference_db(tmp_path / "published" / "crmlake.duckdb"))
    with session_scope(url) as s:
        ids = [tickets.create_ticket(s, AGENT, account_id=5001, priority="P3", category="功能需求",
                                     subject=subject, call_id=f"C{i}", reference=ref).id
               for i, subject in enumerate(["报表导出PDF", "PDF带水印"])]
    yield url, ids, ref
    dispose_all()


def test_agent_prefill_release_and_follow_up(store):
    url, (t1, t2), ref = store
    at = as_viewer(AppTest.from_file(PAGE, default_timeout=60), AGENT).run()
    assert not at.exception
    at.selectbox(key="req_ticket").set_value(t1).run()
    assert at.text_input(key="req_title").value == "报表导出PDF"
    at.button(key=[b.key for b in at.button if "req_new" in (b.key or "")][0]).click().run()
    assert not at.exception
    with session_scope(url) as s:
        rid = rq.list_requirements(s, AGENT)[0].requirement_id
        rq.link_ticket(s, AGENT, rid, t2, reference=ref)
        rq.set_status(s, PM, rid, "released", release_version="3.2.0", released_on=dt.date(2026, 12, 1))
    at = as_viewer(AppTest.from_file(PAGE, default_timeout=60), AGENT).run()
    assert [m.value for m in at.metric] == ["1"]
    at.button(key=[b.key for b in at.button if "req_notify" in (b.key or "")][0]).click().run()
    assert not at.exception
    with session_scope(url, readonly=True) as s:
        assert [f.status for f in s.query(RequirementFollowup)] == ["notified"]
    pm = as_viewer(AppTest.from_file(PAGE, default_timeout=60), PM).run()
    assert not pm.exception
    assert any("2 张工单，1 个客户" in c.value for c in pm.caption)
    assert not pm.dataframe or all("PDF带水印" not in str(d.value) for d in pm.dataframe[1:])
