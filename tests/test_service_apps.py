"""Service and product pages driven by AppTest over the published S=1 snapshot: the figures
shown equal the marts."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from app_login import as_viewer, viewer
from streamlit.testing.v1 import AppTest

APPS = Path(__file__).resolve().parents[1] / "apps"
PAGES = APPS / "views" / "service"

pytestmark = pytest.mark.slow


def _page(monkeypatch, settings, name: str, who=None) -> AppTest:
    for key, value in settings.as_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.syspath_prepend(str(APPS))
    at = as_viewer(AppTest.from_file(str(PAGES / name), default_timeout=60), who or viewer("admin"))
    at.run()
    assert not at.exception, at.exception
    return at


def _one(settings, sql: str):
    with duckdb.connect(str(settings.published_database), read_only=True) as con:
        return con.execute(sql).fetchone()


def test_sla_board_shows_open_clocks_breached_first(pipeline_run, monkeypatch):
    s = pipeline_run.settings
    at = _page(monkeypatch, s, "sla_board.py")
    metrics = {m.label: m.value for m in at.metric}
    open_, breached = _one(s, "select count(*), count(*) filter (sla_status = 'breached_open')"
                              " from service.ticket_sla where is_open and metric = 'resolution'")
    assert metrics["未结计时 Open clocks"] == str(open_)
    assert metrics["已违约 Breached (open)"] == str(breached)
    board = at.dataframe[0].value
    assert len(board) == open_
    if breached:
        assert board["sla_status"].iloc[0] == "breached_open"
    team_rates = at.dataframe[1].value
    met, measured = _one(s, "select sum(met), sum(met) + sum(breached) from service.sla_attainment"
                            " where team = '夜间值班组' and metric = 'first_response'")
    row = team_rates[(team_rates["team"] == "夜间值班组") & (team_rates["metric"] == "first_response")]
    assert row["attainment_rate"].iloc[0] == pytest.approx(round(met / measured, 4))


def test_qa_queue_and_evidence(pipeline_run, monkeypatch):
    s = pipeline_run.settings
    at = _page(monkeypatch, s, "qa_inspection.py")
    queue = at.dataframe[0].value
    top = _one(s, "select conversation_id, qa_score from service.qa_inspection_queue where queue_rank = 1")
    assert (queue["conversation_id"].iloc[0], queue["qa_score"].iloc[0]) == top
    evidence = at.dataframe[1].value
    hits = _one(s, f"select count(*) from service.qa_rule_hits where conversation_id = '{top[0]}'")[0]
    assert len(evidence) == hits > 0


def test_agent_qa_scores(pipeline_run, monkeypatch):
    s = pipeline_run.settings
    at = _page(monkeypatch, s, "qa_agents.py")
    shown = at.dataframe[0].value
    conversations = _one(s, "select sum(conversations) from service.qa_agent_scores")[0]
    assert shown["conversations"].sum() == conversations


def test_requirement_ranking_with_drill_down(pipeline_run, monkeypatch):
    s = pipeline_run.settings
    at = _page(monkeypatch, s, "requirement_ranking.py")
    ranking = at.dataframe[0].value
    top_id, top_score, top_tickets = _one(
        s, "select requirement_id, demand_score, linked_tickets from service.requirement_demand"
           " order by demand_rank, requirement_id limit 1")
    assert (ranking["requirement_id"].iloc[0], float(ranking["demand_score"].iloc[0])) == (top_id, float(top_score))
    assert len(at.dataframe[1].value) == top_tickets  # drill-down: the top requirement's tickets


def test_field_service_kpis(pipeline_run, monkeypatch):
    s = pipeline_run.settings
    at = _page(monkeypatch, s, "field_service.py")
    metrics = {m.label: m.value for m in at.metric}
    grab = _one(s, "select sum(work_orders) from service.field_service_kpis where dispatch_mode = 'grab'")[0]
    assert metrics["抢单 工单数 Work orders"] == f"{grab:,}"  # grab = 抢单, in Chinese (issue 17)
