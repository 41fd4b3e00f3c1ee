"""The 知识库 Knowledge page (AppTest) over a tiny published snapshot holding the three hand-worked
articles of tests/test_knowledge_matching.py, and a fresh store.

Default threshold 0.4 (service.yml knowledge_min_confidence): "忘记网关密码" is answered with KB2
重置密码 (confidence 0.6667), KB1 second (0.3333: only 网关); accepting KB2 stores one verdict. "发票丢了怎么补办" is
handed off (KB3 at 0.3333 < 0.4) but KB3 is still shown. A snapshot without articles says
"not computed: no knowledge articles"."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa
from app_login import as_viewer, viewer
from streamlit.testing.v1 import AppTest

from operational.db import dispose_all, session_scope
from operational.migrate import upgrade

APPS = Path(__file__).resolve().parents[1] / "apps"
PAGE = APPS / "views" / "entry" / "knowledge.py"


def _home(tmp_path: Path, monkeypatch, with_articles: bool) -> str:
    from kernel.settings import get_settings

    (tmp_path / "published").mkdir()
    with duckdb.connect(str(tmp_path / "published" / "crmlake.duckdb")) as con:
        con.execute("create schema service")
        if with_articles:
            con.execute("""create table service.knowledge_articles_published as
                select * from (values
                  ('KB1', '设备离线', '检查网关电源', cast(null as varchar), '工业网关', '故障报修', timestamp '2026-10-01 09:00:00'),
                  ('KB2', '重置密码', '点击忘记密码', null, 'MES', '使用咨询', timestamp '2026-10-01 09:00:00'),
                  ('KB3', '开具发票', '财务中心申请', null, 'MES', '发票问题', timestamp '2026-10-01 09:00:00'))
                as t(article_id, title, body, similar_questions, product, category, updated_at)""")
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    settings = get_settings({"CRMLAKE_HOME": str(tmp_path), "CRMLAKE_OPERATIONAL_URL": url})
    for key, value in settings.as_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.syspath_prepend(str(APPS))
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    upgrade(url)
    return url


@pytest.fixture(autouse=True)
def _dispose():
    yield
    dispose_all()


def _ask(question: str) -> AppTest:
    at = as_viewer(AppTest.from_file(str(PAGE), default_timeout=60), viewer("service_agent", user_id=7))
    at.run()
    at.text_area(key="kb_question").input(question).run()
    assert not at.exception, at.exception
    return at


def test_answer_accept_and_hand_off(tmp_path, monkeypatch):
    url = _home(tmp_path, monkeypatch, with_articles=True)
    at = _ask("忘记网关密码")
    assert [s.value for s in at.success] == ["建议答复 Suggested answer: 重置密码"]
    assert [e.label for e in at.expander][:2] == ["1. 重置密码 — 置信度 confidence 67%", "2. 设备离线 — 置信度 confidence 33%"]
    next(b for b in at.button if b.key == "kb_accept_KB2").click().run()
    assert not at.exception, at.exception
    with session_scope(url, readonly=True) as s:
        rows = s.execute(sa.text("select question, article_id, verdict, suggestion_rank, given_by "
                                 "from knowledge_feedback")).all()
    assert [tuple(r) for r in rows] == [("忘记网关密码", "KB2", "accepted", 1, 7)]

    at = _ask("发票丢了怎么补办")
    assert at.warning and "Hand off to a person" in at.warning[0].value and "0.33 < 0.40" in at.warning[0].value
    assert at.expander[0].label.startswith("1. 开具发票")


def test_no_articles_says_not_computed(tmp_path, monkeypatch):
    _home(tmp_path, monkeypatch, with_articles=False)
    at = as_viewer(AppTest.from_file(str(PAGE), default_timeout=60), viewer("service_agent", user_id=7))
    at.run()
    assert not at.exception, at.exception
    assert "not computed: no knowledge articles" in at.info[0].value


def test_ticket_screen_shows_the_suggestions_and_stores_a_verdict(tmp_path, monkeypatch):
    """A ticket "忘记网关密码" on the 工单 screen: KB2 suggested first (0.6667 >= 0.4), KB1 second;
    rejecting KB1 stores the verdict with the ticket number."""
    from reference_screen_fixtures import open_store, published_reference
    from store_workflow_fixtures import viewer as store_viewer

    from operational.workflows import tickets

    (tmp_path / "home").mkdir()
    home = published_reference(tmp_path / "home")
    with duckdb.connect(str(home / "published" / "crmlake.duckdb")) as con:
        con.execute("create schema if not exists service")
        con.execute("""create table service.knowledge_articles_published as
            select * from (values
              ('KB1', '设备离线', '检查网关电源', cast(null as varchar), '工业网关', '故障报修', timestamp '2026-10-01 09:00:00'),
              ('KB2', '重置密码', '点击忘记密码', null, 'MES', '使用咨询', timestamp '2026-10-01 09:00:00'),
              ('KB3', '开具发票', '财务中心申请', null, 'MES', '发票问题', timestamp '2026-10-01 09:00:00'))
            as t(article_id, title, body, similar_questions, product, category, updated_at)""")
    url = open_store(home, monkeypatch, tmp_path)
    upgrade(url)
    import streamlit as st

    st.cache_resource.clear()
    agent = store_viewer("agent1")
    with session_scope(url) as s:
        ticket_no = tickets.create_ticket(s, agent, account_id=5001, priority="P2", category="使用咨询",
                                          subject="忘记网关密码", conversation_id="CHAT-1").ticket_no
    at = as_viewer(AppTest.from_file(str(APPS / "views" / "entry" / "tickets.py"), default_timeout=60), agent)
    at.run()
    assert not at.exception, at.exception
    assert "建议答复 Suggested answer: 重置密码" in [s.value for s in at.success]
    next(b for b in at.button if b.key == "tk_kb_reject_KB1").click().run()
    assert not at.exception, at.exception
    with session_scope(url, readonly=True) as s:
        rows = s.execute(sa.text("select question, article_id, verdict, ticket_no from knowledge_feedback")).all()
    assert [tuple(r) for r in rows] == [("忘记网关密码", "KB1", "rejected", ticket_no)]
