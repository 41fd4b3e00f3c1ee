"""Summary first, rows on drill (issue 16): the 发票对账 and 费用 pages read a small per-group
summary for their tiles and tables, and only the top rows of a filter as detail. Checked on the
hand-worked cases of tests/test_invoice_cases.py and tests/test_expense_marts.py, published as a
snapshot and read through the pages' own loaders.

Worked by hand from those cases (owner 20 王会计, department 华东销售部):

  Reconciliation (not_invoiced rows are not on the page):
    invoiced_not_collected: HT-INV1 (net 60,000, collected 50,000, gap 10,000, red letter 40,000)
                            HT-INV3 (net 50,000, collected 0, gap 50,000)
        -> 2 contracts, net 110,000, collected 50,000, invoiced-not-collected 60,000, red 40,000
    collected_not_invoiced: HT-INV2 (net 0, collected 20,000, gap 20,000)
        -> 1 contract, collected 20,000, collected-not-invoiced 20,000
    totals: 3 contracts, net 110,000, collected 70,000, 60,000 / 20,000 both ways, red 40,000.
    Largest gap first: HT-INV3 (50,000), HT-INV2 (20,000), HT-INV1 (10,000).
  Invoices naming no known order: INV-9 (order DD-GONE), 7,000 -> 1 invoice, 7,000.

  Deal margin (deals with expenses; opportunity 4 won by 李四 12, opportunity 5 open, 张三 11):
    won:  1 deal, won 80,000, expenses 3,500, pending 300, margin 76,500
    open: 1 deal, won 0, expenses 5,000, pending 0, margin -5,000
    totals: 2 deals, won 80,000, expenses 8,500, pending 300, margin 71,500.
    Costliest first: opportunity 5 (5,000), opportunity 4 (3,500).
"""

from __future__ import annotations

import shutil

import pytest
from app_login import viewer
from expense_fixtures import build_expense_cases
from invoice_fixtures import build_invoice_cases

ADMIN = viewer("admin")


@pytest.fixture(scope="module")
def invoice_warehouse(tmp_path_factory):
    return build_invoice_cases(tmp_path_factory.mktemp("invoice_summary"))


@pytest.fixture(scope="module")
def expense_warehouse(tmp_path_factory):
    return build_expense_cases(tmp_path_factory.mktemp("expense_summary"))


def _publish(warehouse, tmp_path, monkeypatch) -> None:
    """The case warehouse as the apps' published snapshot."""
    import streamlit as st

    published = tmp_path / "published"
    published.mkdir()
    shutil.copyfile(warehouse, published / "crmlake.duckdb")
    monkeypatch.setenv("CRMLAKE_HOME", str(tmp_path))
    monkeypatch.setenv("CRMLAKE_PUBLISHED_DIR", str(published))
    st.cache_data.clear()


@pytest.fixture
def invoices(invoice_warehouse, tmp_path, monkeypatch):
    from apps import invoice_data

    _publish(invoice_warehouse, tmp_path, monkeypatch)
    return invoice_data


@pytest.fixture
def expenses(expense_warehouse, tmp_path, monkeypatch):
    from apps import expense_data

    _publish(expense_warehouse, tmp_path, monkeypatch)
    return expense_data


def _money(frame, column: str) -> float:
    return float(frame[column].astype(float).sum())


def test_reconciliation_summary_per_status_is_the_hand_worked_one(invoices):
    summary = invoices.reconciliation_summary(ADMIN)
    got = {
        row.reconciliation_status: (row.department_name, int(row.contract_count), float(row.invoiced_net),
                                    float(row.collected_amount), float(row.invoiced_not_collected),
                                    float(row.collected_not_invoiced), float(row.red_letter_amount))
        for row in summary.itertuples()
    }
    assert got == {
        "invoiced_not_collected": ("华东销售部", 2, 110_000.0, 50_000.0, 60_000.0, 0.0, 40_000.0),
        "collected_not_invoiced": ("华东销售部", 1, 0.0, 20_000.0, 0.0, 20_000.0, 0.0),
    }
    assert invoices.summary_totals(summary) == {
        "contract_count": 3, "invoiced_net": 110_000.0, "collected_amount": 70_000.0,
        "invoiced_not_collected": 60_000.0, "collected_not_invoiced": 20_000.0, "red_letter_amount": 40_000.0,
    }


def test_reconciliation_totals_equal_the_sum_of_every_detail_row(invoices):
    totals = invoices.summary_totals(invoices.reconciliation_summary(ADMIN))
    rows = invoices.reconciliation(ADMIN, limit=None)
    assert len(rows) == totals["contract_count"]
    for column in ("invoiced_net", "collected_amount", "invoiced_not_collected", "collected_not_invoiced",
                   "red_letter_amount"):
        assert _money(rows, column) == totals[column], column


def test_reconciliation_detail_is_the_top_of_the_filter(invoices):
    assert invoices.reconciliation(ADMIN)["contract_no"].tolist() == ["HT-INV3", "HT-INV2", "HT-INV1"]
    assert invoices.reconciliation(ADMIN, limit=2)["contract_no"].tolist() == ["HT-INV3", "HT-INV2"]
    assert invoices.reconciliation(ADMIN, status="invoiced_not_collected")["contract_no"].tolist() == [
        "HT-INV3", "HT-INV1"]
    assert invoices.reconciliation(ADMIN, search="inv2")["contract_no"].tolist() == ["HT-INV2"]
    assert invoices.reconciliation(ADMIN, search="发票测试")["contract_no"].tolist() == [  # the customer
        "HT-INV3", "HT-INV2", "HT-INV1"]
    assert invoices.reconciliation(ADMIN, search="no such contract").empty
    assert invoices.reconciliation(ADMIN, department="华东销售部", limit=None)["contract_no"].tolist() == [
        "HT-INV3", "HT-INV2", "HT-INV1"]
    assert invoices.reconciliation(ADMIN, department="华北销售部").empty
    # a link names one contract, wherever it ranks; still within the filter and the row rule
    assert invoices.reconciliation(ADMIN, key="contract:9001", limit=1)["contract_no"].tolist() == ["HT-INV1"]
    assert invoices.reconciliation(ADMIN, status="collected_not_invoiced", key="contract:9001").empty
    assert invoices.reconciliation(viewer("sales_rep", crm_user_id=21), key="contract:9001").empty


def test_a_rep_summary_holds_only_their_contracts(invoices):
    owner = viewer("sales_rep", crm_user_id=20)
    other = viewer("sales_rep", crm_user_id=21)
    assert invoices.summary_totals(invoices.reconciliation_summary(owner))["contract_count"] == 3
    assert invoices.reconciliation_summary(other).empty
    assert invoices.summary_totals(invoices.reconciliation_summary(other)) == {
        "contract_count": 0, "invoiced_net": 0.0, "collected_amount": 0.0, "invoiced_not_collected": 0.0,
        "collected_not_invoiced": 0.0, "red_letter_amount": 0.0,
    }
    assert invoices.reconciliation(other, limit=None).empty


def test_unmatched_invoices_summary_equals_their_rows(invoices):
    count, amount = invoices.unmatched_summary(ADMIN)
    rows = invoices.unmatched_invoices(ADMIN)
    assert (count, amount) == (1, 7_000.0)
    assert (len(rows), _money(rows, "net_amount")) == (count, amount)
    assert rows["invoice_no"].tolist() == ["INV-9"]
    with pytest.raises(PermissionError):
        invoices.unmatched_summary(viewer("sales_rep", crm_user_id=20))


def test_deal_margin_summary_per_status_is_the_hand_worked_one(expenses):
    summary = expenses.deal_margin_summary(ADMIN)
    got = {
        row.status: (int(row.deal_count), float(row.won_amount), float(row.expense_amount),
                     float(row.pending_expense_amount), float(row.margin_after_expenses))
        for row in summary.itertuples()
    }
    assert got == {"won": (1, 80_000.0, 3_500.0, 300.0, 76_500.0), "open": (1, 0.0, 5_000.0, 0.0, -5_000.0)}
    assert expenses.summary_totals(summary) == {
        "deal_count": 2, "won_amount": 80_000.0, "expense_amount": 8_500.0, "pending_expense_amount": 300.0,
        "margin_after_expenses": 71_500.0,
    }


def test_deal_margin_totals_equal_the_sum_of_every_detail_row(expenses):
    totals = expenses.summary_totals(expenses.deal_margin_summary(ADMIN))
    rows = expenses.deal_margins(ADMIN, limit=None)
    assert len(rows) == totals["deal_count"]
    for column in ("won_amount", "expense_amount", "pending_expense_amount", "margin_after_expenses"):
        assert _money(rows, column) == totals[column], column


def test_deal_margin_detail_is_the_top_of_the_filter(expenses):
    assert expenses.deal_margins(ADMIN)["opportunity_id"].tolist() == [5, 4]
    assert expenses.deal_margins(ADMIN, limit=1)["opportunity_id"].tolist() == [5]
    assert expenses.deal_margins(ADMIN, status="won")["opportunity_id"].tolist() == [4]
    assert expenses.deal_margins(ADMIN, status="lost").empty
    assert expenses.deal_margins(ADMIN, search="李四")["opportunity_id"].tolist() == [4]  # deal, owner or customer
    rep = viewer("sales_rep", crm_user_id=12)  # 李四: opportunity 4 only
    assert expenses.deal_margins(rep, limit=None)["opportunity_id"].tolist() == [4]
    assert expenses.summary_totals(expenses.deal_margin_summary(rep))["expense_amount"] == 3_500.0
