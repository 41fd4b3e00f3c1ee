"""Commission ranking and approval pages (issue 20 item 6) by AppTest over the published S=1
snapshot (the pipeline_run fixture): the published statements carry their approval state, the
ranking page's figures equal the mart and a rep ranks only among what they may see."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from app_login import as_viewer, viewer
from streamlit.testing.v1 import AppTest

APPS = Path(__file__).resolve().parents[1] / "apps"

pytestmark = pytest.mark.slow


def _page(monkeypatch, settings, path: str, who) -> AppTest:
    for key, value in settings.as_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.syspath_prepend(str(APPS))
    at = as_viewer(AppTest.from_file(str(APPS / "views" / path), default_timeout=90), who)
    at.run()
    assert not at.exception, at.exception
    return at


def _rows(settings, sql: str, params=()):
    with duckdb.connect(str(settings.published_database), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_published_statements_carry_their_approval_state(pipeline_run):
    s = pipeline_run.settings
    states = dict(_rows(s, "select approval_status, count(*) from finance.commission_statements group by 1"))
    assert set(states) == {"draft"} and states["draft"] > 0  # the demo store approved nothing
    (teams,) = _rows(s, "select count(*) from finance.commission_statement_lines where credit_scope = 'team'")[0:1]
    assert teams == (0,)  # the demo's position rules have no team scope


def test_ranking_page_equals_the_mart_for_finance(pipeline_run, monkeypatch):
    s = pipeline_run.settings
    at = _page(monkeypatch, s, "finance/commission_ranking.py", viewer("finance"))
    ((period, total, people),) = _rows(s, """select period_start, sum(total_amount), count(*) from finance.commission_statements
        where period_start = (select max(period_start) from finance.commission_statements) group by 1""")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Commission 提成合计"] == f"¥{float(total):,.2f}"
    assert len(at.dataframe[0].value) == people


def test_a_rep_ranks_only_among_what_they_may_see(pipeline_run, monkeypatch):
    s = pipeline_run.settings
    ((user_id,),) = _rows(s, """select user_id from finance.commission_statements
        where period_start = (select max(period_start) from finance.commission_statements)
        order by total_amount desc limit 1""")
    at = _page(monkeypatch, s, "finance/commission_ranking.py", viewer("sales_rep", crm_user_id=user_id))
    table = at.dataframe[0].value
    assert len(table) == 1 and list(table.iloc[0][:2]) == [1, 1]


def test_approval_page_lists_the_period_as_drafts(pipeline_run, monkeypatch):
    s = pipeline_run.settings
    at = _page(monkeypatch, s, "entry/commission_approvals.py", viewer("finance"))
    ((people,),) = _rows(s, """select count(*) from finance.commission_statements
        where period_start = (select max(period_start) from finance.commission_statements)""")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["草稿 draft"] == f"{people:,}"
    assert metrics["已发放 paid"] == "0"
