"""The 发票对账 Invoices and 费用 Expenses pages driven by AppTest over the published S=1 snapshot
(the pipeline_run fixture): their tiles equal the marts, a rep sees only their own rows, and the
demo data gives the pages something to show (partial invoices, red letters, collections without
invoice, expenses on deals, budgets)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from app_login import as_viewer, viewer
from streamlit.testing.v1 import AppTest

APPS = Path(__file__).resolve().parents[1] / "apps"
PAGES = APPS / "views" / "finance"

pytestmark = pytest.mark.slow


def _page(monkeypatch, settings, name: str, who=None, tab: tuple[str, str] | None = None) -> AppTest:
    """The page as ``who`` sees it, on its first tab or on ``tab`` (key, label): only the open tab runs."""
    for key, value in settings.as_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.syspath_prepend(str(APPS))
    at = as_viewer(AppTest.from_file(str(PAGES / name), default_timeout=90), who or viewer("admin"))
    if tab:
        at.session_state[tab[0]] = tab[1]
    at.run()
    assert not at.exception, at.exception
    return at


def _one(settings, sql: str, params=()):
    with duckdb.connect(str(settings.published_database), read_only=True) as con:
        return con.execute(sql, list(params)).fetchone()


def _money(value) -> str:
    return f"¥{float(value or 0):,.2f}"


def test_demo_invoices_cover_every_reconciliation_case(pipeline_run):
    s = pipeline_run.settings
    counts = dict(
        (status, n) for status, n in duckdb.connect(str(s.published_database), read_only=True).execute(
            "select reconciliation_status, count(*) from finance.invoice_reconciliation group by 1").fetchall()
    )
    assert counts.get("invoiced_not_collected", 0) > 0
    assert counts.get("collected_not_invoiced", 0) > 0
    reds, paired = _one(s, "select count(*), count(reverses_invoice_no) from finance.invoices where is_red_letter")
    assert reds > 0 and paired > 0
    assert _one(s, "select count(*) from finance.invoice_dso_monthly where dso_days is not null")[0] > 0
    # every counted expense on a deal reduces that deal's margin by exactly its amount
    assert _one(s, """select count(*) from sales.deal_margin
                      where margin_after_expenses <> (case when is_won then amount else 0 end) - expense_amount""")[0] == 0
    assert _one(s, "select count(*) from sales.expense_budget_vs_actual where budget_amount is not null")[0] > 0


def test_invoices_page_tiles_equal_the_mart(pipeline_run, monkeypatch):
    s = pipeline_run.settings
    at = _page(monkeypatch, s, "invoices.py")
    metrics = {m.label: m.value for m in at.metric}
    net, collected, inc, cni = _one(s, """select sum(invoiced_net), sum(collected_amount), sum(invoiced_not_collected),
        sum(collected_not_invoiced) from finance.invoice_reconciliation where reconciliation_status <> 'not_invoiced'""")
    assert metrics["Invoiced 开票净额"] == _money(net)
    assert metrics["Collected 已回款"] == _money(collected)
    assert metrics["Invoiced not collected 开票未回款"] == _money(inc)
    assert metrics["Collected not invoiced 回款未开票"] == _money(cni)
    assert "Latest DSO on invoices 最新（按发票）" not in metrics  # the DSO tab is not open, so not read
    at = _page(monkeypatch, s, "invoices.py", tab=("invoice_tab", "DSO"))
    latest = _one(s, "select dso_days from finance.invoice_dso_monthly where dso_days is not null "
                     "order by month_end desc limit 1")[0]
    assert {m.label: m.value for m in at.metric}["Latest DSO on invoices 最新（按发票）"] == f"{float(latest):.1f} days"


def test_invoices_page_lists_the_largest_gaps_and_filters_in_sql(pipeline_run, monkeypatch):
    from apps.invoice_data import DETAIL_ROWS

    s = pipeline_run.settings
    at = _page(monkeypatch, s, "invoices.py")
    on_page = "reconciliation_status <> 'not_invoiced'"
    contracts = _one(s, f"select count(*) from finance.invoice_reconciliation where {on_page}")[0]
    by_department, listed = at.dataframe[0].value, at.dataframe[1].value
    assert by_department["contract_count"].sum() == contracts  # the summary covers every contract
    assert len(listed) == min(contracts, DETAIL_ROWS)
    largest = _one(s, f"""select max(greatest(invoiced_not_collected, collected_not_invoiced))
                          from finance.invoice_reconciliation where {on_page}""")[0]
    gaps = listed[["invoiced_not_collected", "collected_not_invoiced"]].astype(float).max(axis=1)
    assert float(gaps.iloc[0]) == float(largest) and gaps.is_monotonic_decreasing
    at.selectbox(key="invoice_status").set_value("collected_not_invoiced").run()
    assert not at.exception
    n = _one(s, "select count(*) from finance.invoice_reconciliation "
                "where reconciliation_status = 'collected_not_invoiced'")[0]
    assert len(at.dataframe[1].value) == min(n, DETAIL_ROWS)
    contract = listed["contract_no"].dropna().iloc[0]
    at.text_input(key="invoice_search").set_value(contract.lower()).run()  # any contract, not only the top ones
    assert not at.exception
    found = at.dataframe[1].value
    assert contract in set(found["contract_no"]) or found.empty  # (empty: it is not collected-not-invoiced)
    at.selectbox(key="invoice_status").set_value("all").run()
    assert contract in set(at.dataframe[1].value["contract_no"])


def test_a_link_to_a_contract_beyond_the_list_still_opens_it(pipeline_run, monkeypatch):
    s = pipeline_run.settings
    key, number = _one(s, """select reconciliation_key, coalesce(contract_no, order_no) from finance.invoice_reconciliation
                             where reconciliation_status <> 'not_invoiced'
                             order by greatest(invoiced_not_collected, collected_not_invoiced), reconciliation_key
                             limit 1""")  # the smallest gap: last in the list, beyond it when there are many
    for name, value in s.as_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.syspath_prepend(str(APPS))
    at = as_viewer(AppTest.from_file(str(PAGES / "invoices.py"), default_timeout=90), viewer("admin"))
    at.query_params["contract"] = key
    at.run()
    assert not at.exception, at.exception
    assert f"{number} · 发票 Invoices" in [h.value for h in at.subheader]


def test_invoices_page_aging_basis_switch(pipeline_run, monkeypatch):
    s = pipeline_run.settings
    at = _page(monkeypatch, s, "invoices.py", tab=("invoice_tab", "账龄 Aging"))
    as_of = _one(s, "select max(as_of_date) from finance.invoice_aging")[0]
    open_invoiced = _one(s, "select sum(open_amount) from finance.invoice_aging where as_of_date = ?", (as_of,))[0]
    assert {m.label: m.value for m in at.metric}["Open 未回款"] == _money(open_invoiced)
    at.radio(key="invoice_aging_basis").set_value("installment").run()
    assert not at.exception
    open_installments = _one(s, """select sum(open_amount) from finance.ar_aging
                                   where as_of_date = (select max(as_of_date) from finance.installments)""")[0]
    assert {m.label: m.value for m in at.metric}["Open 未回款"] == _money(open_installments)


def test_a_rep_sees_only_own_contracts_and_expenses(pipeline_run, monkeypatch):
    s = pipeline_run.settings
    rep_id = _one(s, """select owner_id from finance.invoice_reconciliation
                        where reconciliation_status = 'invoiced_not_collected' and owner_id is not null
                        order by invoiced_not_collected desc limit 1""")[0]
    rep = viewer("sales_rep", crm_user_id=int(rep_id))
    at = _page(monkeypatch, s, "invoices.py", rep)
    inc = _one(s, """select sum(invoiced_not_collected) from finance.invoice_reconciliation
                     where owner_id = ? and reconciliation_status <> 'not_invoiced'""", (rep_id,))[0]
    assert {m.label: m.value for m in at.metric}["Invoiced not collected 开票未回款"] == _money(inc)
    at = _page(monkeypatch, s, "expenses.py", rep)
    counted = _one(s, "select sum(counted_amount) from sales.expenses where owner_id = ?", (rep_id,))[0]
    assert {m.label: m.value for m in at.metric}["Counted 已计费用"] == _money(counted)
    at = _page(monkeypatch, s, "expenses.py", rep, tab=("expense_tab", "商机毛利 Deal margin"))
    spent = _one(s, "select coalesce(sum(expense_amount), 0) from sales.deal_margin "
                    "where owner_id = ? and expense_count > 0", (rep_id,))[0]
    assert {m.label: m.value for m in at.metric}["Deal expenses 商机费用"] == _money(spent)
    names = {r[0] for r in duckdb.connect(str(s.published_database), read_only=True).execute(
        "select opportunity_name from sales.deal_margin where owner_id = ?", [rep_id]).fetchall()}
    assert set(at.dataframe[-1].value["opportunity_name"]) <= names


def test_expenses_page_tiles_and_budget(pipeline_run, monkeypatch):
    s = pipeline_run.settings
    at = _page(monkeypatch, s, "expenses.py")
    counted, pending = _one(s, "select sum(counted_amount), sum(case when is_pending then amount else 0 end) "
                               "from sales.expenses")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Counted 已计费用"] == _money(counted)
    assert metrics["Pending 待审批"] == _money(pending)
    at = _page(monkeypatch, s, "expenses.py", tab=("expense_tab", "预算 Budget vs actual"))
    budget_rows = _one(s, "select count(*) from sales.expense_budget_vs_actual")[0]
    assert len(at.dataframe[-1].value) == budget_rows


def test_expenses_deal_margin_tab_summary_first_then_the_costliest_deals(pipeline_run, monkeypatch):
    from apps.expense_data import DETAIL_ROWS

    s = pipeline_run.settings
    at = _page(monkeypatch, s, "expenses.py", tab=("expense_tab", "商机毛利 Deal margin"))
    deals, won, spent, margin = _one(s, """select count(*), sum(won_amount), sum(expense_amount),
        sum(margin_after_expenses) from sales.deal_margin where expense_count > 0""")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Deals with expenses 有费用商机"] == f"{deals:,}"
    assert metrics["Won 赢单金额"] == _money(won)
    assert metrics["Deal expenses 商机费用"] == _money(spent)
    assert metrics["Margin after expenses 费用后毛利"] == _money(margin)
    per_status, listed = at.dataframe[0].value, at.dataframe[1].value
    assert per_status["deal_count"].sum() == deals
    assert len(listed) == min(deals, DETAIL_ROWS)
    costliest = _one(s, "select max(expense_amount) from sales.deal_margin")[0]
    assert float(listed["expense_amount"].iloc[0]) == float(costliest)
    at.selectbox(key="expense_deal_status").set_value("won").run()
    assert not at.exception
    assert set(at.dataframe[1].value["status"]) <= {"won"}
