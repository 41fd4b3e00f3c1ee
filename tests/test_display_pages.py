"""Dashboard pages show people-formatted tables (issue 17): Chinese headers, ¥/percent/date formats
in ``column_config`` (the frame keeps raw numbers, so sorting stays numeric), ids hidden, codes as
Chinese labels, quarters as "2026 Q4". AppTest on the S=1 pipeline snapshot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from app_login import as_viewer, viewer
from streamlit.testing.v1 import AppTest

APPS = Path(__file__).resolve().parents[1] / "apps"

pytestmark = pytest.mark.slow


def _page(monkeypatch, settings, page: str) -> AppTest:
    for key, value in settings.as_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.syspath_prepend(str(APPS))
    at = as_viewer(AppTest.from_file(str(APPS / "views" / page), default_timeout=120), viewer("admin"))
    at.run()
    assert not at.exception, at.exception
    return at


def _columns(table) -> dict[str, dict]:
    """Column name -> its column_config as sent to the browser (hidden columns included)."""
    return json.loads(table.proto.columns)


def _shown(table) -> dict[str, dict]:
    return {name: c for name, c in _columns(table).items() if not c.get("hidden")}


def _format(config: dict) -> str | None:
    return (config.get("type_config") or {}).get("format")


def test_forecast_page_quarters_headers_and_money(pipeline_run, monkeypatch):
    at = _page(monkeypatch, pipeline_run.settings, "sales/forecast.py")
    quarter = at.selectbox[0]
    assert quarter.options[quarter.index] == "2026 Q4"  # not "2026-10-01 00:00:00"
    assert all(o.count(" Q") == 1 and len(o) == 7 for o in quarter.options)
    by_rep = at.dataframe[1]
    shown = _shown(by_rep)
    assert shown["owner_name"]["label"] == "负责人"
    assert shown["attainment"]["label"] == "达成率" and _format(shown["attainment"]) == "percent"
    assert _format(shown["closed_won"]) == "yen"
    assert by_rep.value["closed_won"].dtype.kind == "f"  # numbers stay numbers: sorting is numeric
    opps = at.dataframe[-1]
    columns = _columns(opps)
    assert columns["opportunity_id"].get("hidden") is True  # no 13-digit id as the first column
    assert next(iter(_shown(opps))) == "opportunity_name"
    assert _format(columns["stage_probability"]) == "percent"
    assert _format(columns["expected_close_date"]) == "YYYY-MM-DD"
    headers = [c["label"] for t in at.dataframe for c in _shown(t).values()]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in h) for h in headers), headers  # every header in Chinese
    assert opps.proto.placeholder == ""  # an empty cell is blank, not "None"


def test_sla_board_codes_are_chinese_labels(pipeline_run, monkeypatch):
    at = _page(monkeypatch, pipeline_run.settings, "service/sla_board.py")
    board = at.dataframe[0]
    status = _columns(board)["sla_status"]
    assert status["label"] == "SLA 状态"
    labels = {o["value"]: o["label"] for o in status["type_config"]["options"]}
    assert labels["breached_open"] == "已违约（未结）"
    assert set(board.value["sla_status"]) <= set(labels)  # the raw codes are kept beneath the labels
    assert at.selectbox[0].options[at.selectbox[0].index] == "解决"  # metric picker: resolution


def test_movement_and_aging_money_and_dates(pipeline_run, monkeypatch):
    at = _page(monkeypatch, pipeline_run.settings, "sales/movement.py")
    change = next(m.value for m in at.metric if m.label.startswith("Change"))
    assert change.startswith(("-¥", "¥")) and "¥-" not in change
    detail = _columns(at.dataframe[-1])
    assert detail["movement_category"]["label"] == "变动类别"
    assert {o["value"]: o["label"] for o in detail["movement_category"]["type_config"]["options"]}.get(
        "pushed_out", "推迟") == "推迟"

    aging = _page(monkeypatch, pipeline_run.settings, "finance/aging.py")
    rollup = _shown(aging.dataframe[0])
    assert rollup["account_name"]["label"] == "客户" and rollup["total"]["label"] == "合计"
    assert all(_format(c) == "yen" for name, c in rollup.items() if name != "account_name")  # the bucket columns too
    installments = _columns(aging.dataframe[1])
    assert installments["installment_id"].get("hidden") is True
    assert _format(installments["due_date"]) == "YYYY-MM-DD"
    assert _format(installments["open_amount"]) == "yen"
