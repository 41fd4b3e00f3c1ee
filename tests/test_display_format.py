"""The one display layer (apps/display.py) and the people's exports: hand-worked values, no snapshot."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest

from apps import display, exports


@pytest.mark.parametrize(("value", "shown"), [
    (3516234.25, "¥3,516,234.25"),
    (-2313100.47, "-¥2,313,100.47"),  # the sign before the ¥, never "¥-2,313,100.47"
    (Decimal("27300.00"), "¥27,300.00"),
    (0, "¥0.00"),
    (-0.001, "¥0.00"),  # rounds to zero: no "-¥0.00"
    (None, ""),
    (float("nan"), ""),
])
def test_money(value, shown):
    assert display.money(value) == shown


def test_percent_count_dates_codes_and_blanks():
    assert display.percent(0.22) == "22.0%"
    assert display.percent(4.68) == "468.0%"  # attainment above target
    assert display.percent(22, already_percent=True) == "22.0%"
    assert display.percent(None) == ""
    assert display.count(1234.0) == "1,234"
    assert display.quarter(pd.Timestamp("2026-10-01 00:00:00")) == "2026 Q4"
    assert display.quarter(dt.date(2026, 2, 1)) == "2026 Q1"
    assert display.day(pd.Timestamp("2026-10-01 00:00:00")) == "2026-10-01"
    assert display.month(dt.date(2026, 9, 1)) == "2026-09"
    assert display.wan(15_680_000) == "¥1,568.0万"
    for raw, label in [("in_progress", "处理中"), ("breached_open", "已违约（未结）"), ("amount_up", "金额增加"),
                       ("pushed_out", "推迟"), ("missing_in_partner_report", "伙伴报表缺失"),
                       ("retroactive", "追溯调整")]:
        assert display.code(raw) == label
    assert display.code("some_new_code") == "some_new_code"  # unknown codes stay readable, never blank
    assert display.text(None) == "" and display.text(float("nan")) == ""
    assert display.identifier(1000000001126.0) == "1000000001126"


def test_kinds_follow_the_name_then_the_type():
    frame = pd.DataFrame({
        "owner_id": [1000000001126], "amount": [1.5], "stage_probability": [0.1], "discount_pct": [22.0],
        "leads": [3], "status": ["in_progress"], "close_date": pd.to_datetime(["2026-10-01"]),
        "created_at": pd.to_datetime(["2026-10-01 09:30"]), "model_version": ["v3"], "quantity_difference": [-2.0],
    })
    kinds = {c: display.kind(c, frame[c]) for c in frame.columns}
    assert kinds == {
        "owner_id": "id", "amount": "money", "stage_probability": "ratio", "discount_pct": "percent",
        "leads": "count", "status": "code", "close_date": "date", "created_at": "datetime",
        "model_version": "text",  # a name ending in _version that holds text stays text
        "quantity_difference": "number",
    }


def test_column_config_labels_in_chinese_hides_ids_and_types_the_numbers():
    frame = pd.DataFrame({"owner_id": [1], "owner_name": ["张三"], "amount": [-2313100.47],
                          "discount_rate": [0.22], "sla_status": ["breached_open"]})
    config = display.column_config(frame)
    assert config["owner_id"] is None  # hidden: people read the name, not the 13-digit id
    assert config["owner_name"]["label"] == "负责人"
    assert config["amount"]["label"] == "金额"
    assert config["amount"]["type_config"]["format"] == "yen" and config["amount"]["type_config"]["step"] == 0.01
    assert config["discount_rate"]["type_config"]["format"] == "percent"
    assert config["sla_status"]["type_config"]["options"] == [{"value": "breached_open", "label": "已违约（未结）"}]
    assert display.column_config(frame, show_ids=["owner_id"])["owner_id"]["label"] == "负责人编号"


def test_people_xlsx_has_chinese_headers_typed_formats_ids_as_text_and_no_formulas():
    frame = pd.DataFrame({
        "installment_id": [1000000001126], "account_name": ["=HYPERLINK(\"http://x\")"],
        "open_amount": [Decimal("-2313100.47")], "discount_rate": [0.22], "days_overdue": [12],
        "due_date": pd.to_datetime(["2026-10-01"]), "status": ["in_progress"], "batch_no": [None],
    })
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx({"明细": frame}, for_people=True)))
    sheet = book["明细"]
    header, row = ([c for c in r] for r in sheet.iter_rows(min_row=1, max_row=2))
    assert [c.value for c in header] == ["分期编号", "客户", "未回款", "折扣率", "逾期天数", "到期日", "状态", "批次"]
    ident, name, amount, rate, days, due, status, batch = row
    assert ident.value == "1000000001126" and ident.data_type == "s"  # text: Excel shows no 1E+12
    assert name.value == "'=HYPERLINK(\"http://x\")" and name.data_type != "f"  # formula injection stays off
    assert amount.value == pytest.approx(-2313100.47) and amount.number_format == '"¥"#,##0.00;-"¥"#,##0.00'
    assert rate.value == pytest.approx(0.22) and rate.number_format == "0.0%"
    assert days.value == 12 and days.number_format == "#,##0"
    assert due.value == dt.datetime(2026, 10, 1) and due.number_format == "yyyy-mm-dd"  # no 00:00:00
    assert status.value == "处理中"
    assert batch.value is None  # empty stays empty, never "None"


def test_people_csv_has_chinese_headers_and_labels_and_keeps_the_bom():
    frame = pd.DataFrame({"owner_id": [1000000001126.0], "sla_status": ["breached_open"], "amount": [1.5],
                          "note": ["-1+1"]})
    data = exports.to_csv(frame, for_people=True)
    assert data.startswith("\ufeff".encode())
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "负责人编号,SLA 状态,金额,note"
    assert lines[1] == "1000000001126,已违约（未结）,1.5,'-1+1"
