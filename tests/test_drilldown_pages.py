"""Dashboards drill down and keep their filters in the address (issue 17), AppTest on the S=1
snapshot: a step, bucket, status, requirement or statement named in the query string opens its
detail with names; a hostile value opens the page's default view; the controls (no AUC for
finance, no default decision in name review, no confirming a statement that differs)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from app_login import as_viewer, viewer
from streamlit.testing.v1 import AppTest

APPS = Path(__file__).resolve().parents[1] / "apps"

pytestmark = pytest.mark.slow


def _page(monkeypatch, settings, page: str, params: dict[str, str] | None = None, who=None) -> AppTest:
    for key, value in settings.as_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.syspath_prepend(str(APPS))
    at = as_viewer(AppTest.from_file(str(APPS / "views" / page), default_timeout=120), who or viewer("admin"))
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def _one(settings, sql: str, params: tuple = ()):
    with duckdb.connect(str(settings.published_database), read_only=True) as con:
        return con.execute(sql, list(params)).fetchone()


def _specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def test_movement_step_from_the_address_lists_its_deals_by_name(pipeline_run, monkeypatch):
    at = _page(monkeypatch, pipeline_run.settings, "sales/movement.py", {"step": "won"})
    assert at.selectbox(key="movement_category").value == "won"
    assert "赢单" in at.subheader[0].value
    detail = at.dataframe[-1].value
    assert len(detail) and set(detail["movement_category"]) == {"won"}
    assert detail["opportunity_name"].notna().all() and detail["account_name"].notna().all()
    [spec] = _specs(at)
    assert spec["params"][0]["name"] == "step_pick" and spec["encoding"]["x"]["scale"]["zero"] is False
    low = spec["encoding"]["x"]["scale"]["domain"][0]
    assert low > 0.5 * float(at.metric[0].value.replace("¥", "").replace(",", ""))  # zoomed, not from 0
    hostile = _page(monkeypatch, pipeline_run.settings, "sales/movement.py", {"step": "won' or 1=1 --"})
    assert hostile.selectbox(key="movement_category").value == "(all 全部)"
    assert "step" not in dict(hostile.query_params)


def test_aging_bucket_and_customer_from_the_address(pipeline_run, monkeypatch):
    s = pipeline_run.settings
    at = _page(monkeypatch, s, "finance/aging.py", {"bucket": "1-30"})
    in_bucket = at.dataframe[0].value
    assert len(in_bucket) and set(in_bucket["bucket"]) == {"1-30"} and in_bucket["account_name"].notna().all()
    assert at.subheader[0].value.startswith("1-30 天 · ¥")
    [spec] = _specs(at)
    assert spec["encoding"]["y"]["axis"]["labelAngle"] == 0 and "未到期" in spec["encoding"]["y"]["sort"]
    customer = at.dataframe[1].value["account_name"].iloc[0]
    drilled = _page(monkeypatch, s, "finance/aging.py", {"who": customer})
    assert f"{customer} · 明细 Installments" in [h.value for h in drilled.subheader]
    assert set(drilled.dataframe[1].value["account_name"]) == {customer}


def test_sla_status_from_the_address_lists_its_tickets_with_names(pipeline_run, monkeypatch):
    s = pipeline_run.settings
    at = _page(monkeypatch, s, "service/sla_board.py", {"status": "breached_open", "metric": "resolution"})
    board = at.dataframe[0].value
    n = _one(s, "select count(*) from service.ticket_sla where is_open and metric = 'resolution'"
                " and sla_status = 'breached_open'")[0]
    assert len(board) == n and set(board["sla_status"]) <= {"breached_open"}
    assert {"account_name", "agent_name"} <= set(board.columns)
    count_axis = _specs(at)[0]["encoding"]["x"]["axis"]
    assert count_axis["tickMinStep"] == 1 and count_axis["format"] == ",d"  # whole tickets only
    refused = _page(monkeypatch, s, "service/sla_board.py", {"status": "<img src=x>", "metric": "drop"})
    assert refused.selectbox(key="sla_metric").value == "resolution"
    assert refused.selectbox(key="sla_status").value == "(all 全部)"


def test_requirement_from_the_address_lists_its_requests(pipeline_run, monkeypatch):
    s = pipeline_run.settings
    requirement, n = _one(s, """select requirement_id, linked_tickets from service.requirement_demand
                                order by demand_rank desc, requirement_id limit 1""")
    at = _page(monkeypatch, s, "service/requirement_ranking.py", {"requirement": requirement})
    assert at.subheader[0].value.startswith(requirement)
    assert len(at.dataframe[1].value) == n
    axis = _specs(at)[0]["encoding"]["x"]["axis"]
    assert axis["format"] == "%Y年%-m月"  # months with the year, in Chinese


def test_statement_from_the_address_named_with_its_partner_and_not_confirmable_with_a_difference(
        pipeline_run, monkeypatch):
    s = pipeline_run.settings
    key, name, diff = _one(s, """select statement_key, partner_name, difference from partner.statements
                                 where abs(difference) >= 0.01 order by statement_key limit 1""")
    at = _page(monkeypatch, s, "partner/reconciliation.py", {"statement": key})
    assert name in at.selectbox(key="statement").value and name in at.subheader[0].value
    assert at.button(key="confirm").disabled
    assert any("差额为零才能确认" in w.value for w in at.warning)
    assert all("|" not in label for label in at.selectbox(key="dispute_line").options)  # names, not keys
    rebates = at.dataframe[-1].value
    assert set(rebates["partner_name"]) <= {name}


def test_finance_sees_no_model_metrics_and_review_has_no_default_decision(pipeline_run, monkeypatch):
    s = pipeline_run.settings
    finance = _page(monkeypatch, s, "finance/payment_risk.py", who=viewer("finance"))
    text = " ".join([c.value for c in finance.caption] + [e.label for e in finance.expander])
    assert "AUC" not in text and "Brier" not in text
    admin = _page(monkeypatch, s, "finance/payment_risk.py")
    assert any("分析人员" in e.label for e in admin.expander)
    review = _page(monkeypatch, s, "partner/resolution_review.py")
    if review.radio:
        assert review.radio(key="review_decision").value is None
        review.button[0].click().run()  # save without a decision
        assert review.error and "请选择" in review.error[0].value


def test_forecast_and_qa_charts_fit_and_tell_series_apart(pipeline_run, monkeypatch):
    s = pipeline_run.settings
    forecast = _page(monkeypatch, s, "sales/forecast.py", {"quarter": "1999-01-01"})
    [spec] = _specs(forecast)
    assert "row" not in spec["encoding"] and spec["encoding"]["y"]["axis"]["labelAngle"] == 0
    assert forecast.selectbox(key="forecast_quarter").value is not None  # an unknown quarter: the default
    qa = _page(monkeypatch, s, "service/qa_agents.py")
    [trend] = _specs(qa)
    scale = trend["encoding"]["color"]["scale"]
    assert len(scale["domain"]) <= 11 and len(set(scale["range"])) == len(scale["domain"])
    assert trend["encoding"]["x"]["axis"]["format"] == "%Y年%-m月"
    commissions = _page(monkeypatch, s, "finance/commissions.py")
    assert any("全部对账单" in b.proto.label for b in commissions.get("download_button"))
