"""The apps' chart conventions, address filters and statement controls (issue 17), without a
snapshot: month names with the year, whole-number count axes, a palette with enough colours, a
floating zoomed waterfall with won green and lost red, hostile query strings refused, the
statement's confirmation blocked by a dispute or a difference, the period's statements in one XLSX."""

from __future__ import annotations

import io

import altair as alt
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from apps import charts, exports, url_state


def _spec(chart) -> dict:
    return chart.to_dict()


# -- charts ---------------------------------------------------------------------------------------

def test_month_labels_are_chinese_with_the_year():
    assert charts.month_label("2026-10-01") == "2026年10月"
    assert charts.month_label(pd.Timestamp("2027-01-31 13:00")) == "2027年1月"
    assert charts.month_label(None) == ""
    axis = charts.month_axis().to_dict()
    assert axis["format"] == "%Y年%-m月" and axis["formatType"] == "time" and axis["labelAngle"] == 0


def test_count_axes_tick_whole_numbers_only():
    axis = charts.count_axis("工单数").to_dict()
    assert axis["tickMinStep"] == 1 and axis["format"].endswith("d")
    frame = pd.DataFrame({"status": ["a", "b"], "tickets": [3, 1]})
    x = _spec(charts.bars(frame, "status", "tickets", value_title="工单数"))["encoding"]["x"]
    assert x["axis"]["tickMinStep"] == 1 and x["axis"]["format"] == ",d"


def test_labels_stay_horizontal():
    frame = pd.DataFrame({"figure": ["ML forecast 模型预测", "Target 目标"], "amount": [1.0, 2.0]})
    y = _spec(charts.bars(frame, "figure", "amount", value_kind="money"))["encoding"]["y"]
    assert y["axis"]["labelAngle"] == 0 and y["axis"]["labelLimit"] >= 120


def test_palette_gives_eleven_agents_eleven_colours():
    assert len(set(charts.PALETTE)) == len(charts.PALETTE) >= 20
    agents = [f"坐席{i}" for i in range(11)]
    scale = charts.colour("agent", "坐席", agents).to_dict()["scale"]
    assert scale["domain"] == agents and len(set(scale["range"])) == 11


def test_more_series_than_colours_fold_into_other():
    frame = pd.DataFrame({"agent": [f"a{i}" for i in range(25)], "n": list(range(25))})
    folded = charts.fold_top_n(frame, "agent", "n", 10)
    assert folded["agent"].nunique() == 11 and charts.OTHER in set(folded["agent"])
    assert set(folded.loc[folded["agent"] != charts.OTHER, "agent"]) == {f"a{i}" for i in range(15, 25)}  # the largest
    assert charts.fold_top_n(frame.head(5), "agent", "n", 10).equals(frame.head(5))  # few series: unchanged


def test_waterfall_floats_zoomed_with_won_green_and_lost_red():
    steps = pd.DataFrame({"step": ["期初 start", "new", "won", "lost", "期末 end"],
                          "amount": [58_000_000.0, 500_000.0, -300_000.0, -200_000.0, 58_000_000.0]})
    frame = charts.waterfall_frame(steps)
    assert list(frame["label"]) == ["期初", "新建", "赢单", "输单", "期末"]
    colours = dict(zip(frame["step"], frame["colour"], strict=True))
    assert colours["won"] == charts.GOOD and colours["lost"] == charts.BAD and colours["new"] != charts.BAD
    # each movement floats from the running total before it to the one after it
    assert (frame.loc[1, "start"], frame.loc[1, "end"]) == (58_000_000.0, 58_500_000.0)
    assert (frame.loc[2, "start"], frame.loc[2, "end"]) == (58_200_000.0, 58_500_000.0)
    low, high = charts.waterfall_domain(frame)
    assert 57_000_000 < low < 58_000_000 and 58_500_000 < high < 59_000_000  # zoomed, not from 0
    x = _spec(charts.waterfall(steps, name="pick"))["encoding"]["x"]
    assert x["scale"]["zero"] is False and x["scale"]["domain"] == [low, high]


def test_a_click_is_read_from_the_selection_event():
    assert charts.picked({"selection": {"pick": [{"step": "won"}]}}, "pick", "step") == ["won"]
    assert charts.picked({"selection": {"pick": {"step": ["lost"]}}}, "pick", "step") == ["lost"]
    assert charts.picked({"selection": {}}, "pick", "step") == [] and charts.picked(None, "pick", "step") == []
    assert charts.selected_rows({"selection": {"rows": [2], "columns": []}}) == [2]
    spec = _spec(charts.bars(pd.DataFrame({"b": ["x"], "v": [1]}), "b", "v", name="pick"))
    assert spec["params"][0]["name"] == "pick" and spec["params"][0]["select"]["fields"] == ["b"]


def test_every_dashboard_chart_goes_through_the_one_module():
    """No page draws with st.altair_chart / st.bar_chart itself: the conventions hold everywhere."""
    from pathlib import Path

    pages = Path(__file__).resolve().parents[1] / "apps" / "views"
    for area in ("sales", "finance", "service", "partner"):
        for page in (pages / area).glob("*.py"):
            text = page.read_text(encoding="utf-8")
            assert "st.altair_chart" not in text and "st.bar_chart" not in text and "st.line_chart" not in text, page


# -- the address ----------------------------------------------------------------------------------

def _filters_app():
    import datetime as dt

    import streamlit as st

    from apps import url_state

    quarter = url_state.choice("quarter", [dt.date(2026, 7, 1), dt.date(2026, 10, 1)], dt.date(2026, 10, 1))
    owner = url_state.choice("owner", ["张三", "李四"], "(all)")
    day = url_state.day("as_of", dt.date(2026, 10, 31), dt.date(2025, 1, 1), dt.date(2026, 10, 31))
    picks = url_state.choices("bands", ["high", "low"])
    st.write(f"quarter={quarter}|owner={owner}|day={day}|bands={','.join(picks)}")
    url_state.keep(quarter=quarter, owner=None if owner == "(all)" else owner, bands=picks)


def _run(params: dict[str, str]) -> tuple[str, dict]:
    at = AppTest.from_function(_filters_app)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    return at.markdown[0].value, dict(at.query_params)


def test_filters_from_the_address_are_used_when_offered():
    shown, params = _run({"quarter": "2026-07-01", "owner": "李四", "as_of": "2026-03-31", "bands": "low,high"})
    assert shown == "quarter=2026-07-01|owner=李四|day=2026-03-31|bands=low,high"
    assert params["quarter"] == "2026-07-01" and params["owner"] == "李四"


@pytest.mark.parametrize("hostile", [
    {"owner": "张三' or 1=1 --"}, {"owner": "<script>alert(1)</script>"}, {"quarter": "2026-07-01; drop table x"},
    {"as_of": "2099-01-01"}, {"as_of": "2026-02-30"}, {"as_of": "1 day"}, {"owner": "张三" * 500},
    {"bands": "high,' union select 1 --"},
])
def test_hostile_query_strings_give_the_defaults(hostile):
    shown, params = _run(hostile)
    expected = "quarter=2026-10-01|owner=(all)|day=2026-10-31|bands=" + ("high" if "bands" in hostile else "")
    assert shown == expected
    assert "owner" not in params  # a refused value is not written back either
    assert all("'" not in v and "<" not in v for v in params.values())


def test_values_are_written_as_people_would_type_them():
    import datetime as dt

    assert url_state.as_text(pd.Timestamp("2026-10-01")) == "2026-10-01"
    assert url_state.as_text(dt.datetime(2026, 10, 1, 8, 30)) == "2026-10-01"
    assert url_state.allowed(["b", None, "a", "b", float("nan")]) == ["b", "a"]


# -- controls -------------------------------------------------------------------------------------

def test_a_statement_with_a_dispute_or_a_difference_cannot_be_confirmed():
    from apps import partner_data

    assert partner_data.confirm_blockers(0, 0) == []
    assert partner_data.confirm_blockers(0.004, 0) == []  # below a cent is no difference
    [reason] = partner_data.confirm_blockers(24970.40, 0)
    assert "¥24,970.40" in reason and "差额为零才能确认" in reason
    reasons = partner_data.confirm_blockers(-3500, 2)
    assert len(reasons) == 2 and "2 行异议未解决" in reasons[0]


def test_statements_and_lines_are_named_for_people_not_by_keys():
    from apps import partner_data

    statement = {"partner_code": "P0001", "partner_name": "天津祥捷科技有限公司", "period": "2026-09"}
    assert partner_data.statement_label(statement) == "P0001 天津祥捷科技有限公司 · 2026-09"
    reported = {"line_key": "1000000006876|2026-09|-|1", "report_line_no": 1.0, "report_customer_name": "包头市辰诚导航技术有限公司",
                "product_code": "10.05.0001", "line_class": "missing_in_vendor_records", "amount_difference": 24970.4}
    label = partner_data.line_label(reported)
    assert label == "伙伴报表第 1 行 · 包头市辰诚导航技术有限公司 · 10.05.0001 · 厂商记录缺失 · 差额 ¥24,970.40"
    assert "|" not in label
    unreported = {"report_line_no": float("nan"), "vendor_order_ref": "SO-1", "vendor_customer_name": "甲公司",
                  "product_code": "X", "line_class": "matched", "amount_difference": 0}
    assert partner_data.line_label(unreported) == "厂商订单 SO-1 · 甲公司 · X · 一致"


def test_the_periods_statements_go_out_in_one_workbook():
    from openpyxl import load_workbook

    summary = pd.DataFrame({"user_id": [1, 2], "user_name": ["张三", "=HYPERLINK(\"x\")"], "employee_code": ["E1", "E2"],
                            "total_amount": [100.5, 200.25]})
    lines = pd.DataFrame({"commission_amount": [50.25, 50.25, 200.25], "user_name": ["张三", "张三", "=HYPERLINK(\"x\")"],
                          "employee_code": ["E1", "E1", "E2"], "department_name": ["一部", "一部", "二部"],
                          "source_no": ["SO-1", "SO-2", "+SO-3"]})
    book = load_workbook(io.BytesIO(exports.to_statements_xlsx(summary, lines, ("user_name", "employee_code",
                                                                               "department_name"))))
    assert book.sheetnames == ["汇总 summary", "明细 lines"]
    sheet = book["明细 lines"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["人员", "工号", "部门"] and "提成" in header
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 3 and rows[2][0] == "'=HYPERLINK(\"x\")"  # formula injection neutralised
    assert rows[2][header.index("单号")] == "'+SO-3"
    assert sheet.cell(row=2, column=header.index("提成") + 1).number_format.startswith('"¥"')
    assert [c.value for c in book["汇总 summary"][1]][0] != "user_id"  # ids hidden or labelled, never snake_case


def test_download_names_keep_the_partner_name_but_no_path():
    assert exports.file_stem("对账单_P0001_天津/祥捷 科技_2026-09") == "对账单_P0001_天津_祥捷_科技_2026-09"
    assert exports.file_stem("../..") == "export"


def test_chart_helpers_return_altair_charts():
    steps = pd.DataFrame({"step": ["期初 start", "期末 end"], "amount": [1.0, 1.0]})
    assert isinstance(charts.waterfall(steps), alt.Chart)
