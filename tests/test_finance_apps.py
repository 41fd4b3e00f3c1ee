"""Finance pages driven by AppTest over the published S=1 snapshot (the pipeline_run fixture):
the figures they show equal the marts; and the finance tables of the full pipeline are sane."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from app_login import as_viewer, viewer
from streamlit.testing.v1 import AppTest

APPS = Path(__file__).resolve().parents[1] / "apps"
PAGES = APPS / "views" / "finance"

pytestmark = pytest.mark.slow


def _page(monkeypatch, settings, name: str, who=None) -> AppTest:
    for key, value in settings.as_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.syspath_prepend(str(APPS))
    at = as_viewer(AppTest.from_file(str(PAGES / name), default_timeout=90), who or viewer("admin"))
    at.run()
    assert not at.exception, at.exception
    return at


def _one(settings, sql: str, params=()):
    with duckdb.connect(str(settings.published_database), read_only=True) as con:
        return con.execute(sql, list(params)).fetchone()


def test_pipeline_publishes_finance_tables(pipeline_run):
    s = pipeline_run.settings
    for table in ("installments", "receipt_allocations", "ar_aging", "overdue_warnings", "dso_monthly",
                  "customer_payment_behavior", "payment_risk", "payment_risk_backtest",
                  "commission_statement_lines", "commission_statements", "commission_review"):
        assert _one(s, f"select count(*) from finance.{table}")[0] > 0, table
    # receipts fully accounted for: allocations (incl. credit) sum to the valid receipts
    alloc, receipts = _one(s, """select (select sum(allocated_amount) from finance.receipt_allocations),
        (select sum(amount) from intermediate.int_receipts_validated where problem is null)""")
    assert alloc == receipts
    # the demo's splits that do not total 100% are on the review list
    assert _one(s, "select count(*) from finance.commission_review where problem = 'split_not_100'")[0] > 0
    auc = _one(s, "select auc from finance.payment_risk_backtest")[0]
    assert 0.5 < auc <= 1.0
    # closed periods were frozen under the lakehouse
    assert list((s.lakehouse_dir / "finance" / "locked_commission").glob("period=*.parquet"))


def test_aging_page_matches_the_mart_at_the_reporting_date(pipeline_run, monkeypatch):
    s = pipeline_run.settings
    at = _page(monkeypatch, s, "aging.py")
    metrics = {m.label: m.value for m in at.metric}
    total, overdue, n = _one(s, """select sum(open_amount), sum(open_amount) filter (where is_overdue), count(*)
        from finance.ar_aging where as_of_date = (select max(as_of_date) from finance.installments)""")
    assert metrics["Open 未回款"] == f"¥{float(total):,.2f}"
    assert metrics["Overdue 逾期"] == f"¥{float(overdue):,.2f}"
    assert metrics["Installments 期数"] == f"{n:,}"
    rollup = at.dataframe[0].value
    assert rollup["total"].sum() == pytest.approx(float(total), abs=0.05)


def test_aging_page_at_a_month_end_equals_the_materialized_month_end(pipeline_run, monkeypatch):
    s = pipeline_run.settings
    month_end = _one(s, "select max(as_of_date) from finance.ar_aging where is_month_end "
                        "and as_of_date < (select max(as_of_date) from finance.installments)")[0]
    at = _page(monkeypatch, s, "aging.py")
    at.date_input(key="aging_as_of").set_value(month_end).run()
    assert not at.exception
    total = _one(s, "select sum(open_amount) from finance.ar_aging where as_of_date = ?", (month_end,))[0]
    assert {m.label: m.value for m in at.metric}["Open 未回款"] == f"¥{float(total):,.2f}"
    by_customer = at.dataframe[0].value
    first = by_customer.iloc[0]
    expected = _one(s, "select sum(open_amount) from finance.ar_aging where as_of_date = ? and account_name = ?",
                    (month_end, first["account_name"]))[0]
    assert first["total"] == pytest.approx(float(expected), abs=0.005)


def test_overdue_page_lists_every_warning(pipeline_run, monkeypatch):
    s = pipeline_run.settings
    at = _page(monkeypatch, s, "overdue.py")
    n, amount = _one(s, "select count(*), sum(open_amount) from finance.overdue_warnings")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Warnings 预警数"] == f"{n:,}"
    assert metrics["Overdue open 逾期未回款"] == f"¥{float(amount):,.2f}"
    assert len(at.dataframe[0].value) == n


def test_dso_page_shows_latest_dso(pipeline_run, monkeypatch):
    s = pipeline_run.settings
    at = _page(monkeypatch, s, "dso.py")
    dso = _one(s, "select dso_days from finance.dso_monthly where dso_days is not null order by month_end desc limit 1")[0]
    assert {m.label: m.value for m in at.metric}["Latest DSO 最新"] == f"{float(dso):.1f} days"


def test_payment_risk_page_lists_open_installments(pipeline_run, monkeypatch):
    s = pipeline_run.settings
    at = _page(monkeypatch, s, "payment_risk.py")
    n = _one(s, "select count(*) from finance.payment_risk")[0]
    assert {m.label: m.value for m in at.metric}["Open installments 未结期数"] == f"{n:,}"
    shown = at.dataframe[0].value
    top = _one(s, "select installment_id, late30_probability from finance.payment_risk "
                  "order by late30_probability desc, installment_id limit 1")
    assert shown["installment_id"].iloc[0] == top[0]


def test_commission_page_statement_equals_its_lines(pipeline_run, monkeypatch):
    s = pipeline_run.settings
    at = _page(monkeypatch, s, "commissions.py")
    period = at.selectbox[0].value
    total = _one(s, "select sum(total_amount) from finance.commission_statements where period_start = ?", (period,))[0]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Commission 提成合计"] == f"¥{float(total):,.2f}"
    user_id = at.selectbox[1].value
    lines = at.dataframe[1].value
    line_total = _one(s, "select sum(commission_amount) from finance.commission_statement_lines "
                         "where user_id = ? and period_start = ?", (user_id, period))[0]
    assert lines["commission_amount"].sum() == pytest.approx(float(line_total), abs=0.005)
    assert metrics["Statement total 对账单合计"] == f"¥{float(line_total):,.2f}"
    assert len(at.get("download_button")) >= 2
