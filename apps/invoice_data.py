"""Loaders of the invoice page (发票对账): finance.invoice_reconciliation per contract, the
invoice-based aging (finance.invoice_aging) beside the installment-based one, and DSO on invoiced
amounts (finance.invoice_dso_monthly) beside dso_monthly.

Summary first, rows on drill (issue 16: the page under 150 ms at S=10): the tiles and the
per-department table come from one grouped read (``reconciliation_summary``, a few rows), the
contract list is the top ``DETAIL_ROWS`` of the chosen filter (largest gap first); the whole
filtered list only for the CSV (``limit=None``), when asked for.

Row rules as the other finance pages: every loader takes the viewer and filters in SQL on the
owner of the contract (or order, or invoice); company-wide figures (DSO, invoices naming no known
order) are for roles that see every row. A snapshot published before the invoice marts existed
gives ``available() == False``, and the page says so instead of failing.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from apps import display, row_rules
from apps.data_access import published_tables, query
from apps.row_rules import Viewer

LABELS = {  # the page's headers (display.COLUMN_LABELS has the shared ones)
    "contract_no": "合同号", "order_no": "订单号", "document_status": "单据状态", "reconciliation_status": "对账状态",
    "document_amount": "合同金额", "ordered_amount": "下单金额", "delivered_amount": "已交付金额",
    "invoiced_gross": "开票金额", "red_letter_amount": "红冲金额", "invoiced_net": "开票净额",
    "collected_amount": "已回款", "invoiced_not_collected": "开票未回款", "collected_not_invoiced": "回款未开票",
    "not_yet_invoiced": "未开票", "invoice_count": "发票数", "red_letter_count": "红冲张数", "voided_count": "作废张数",
    "receipt_count": "回款笔数", "last_invoice_date": "最近开票日", "last_receipt_date": "最近回款日",
    "invoice_no": "发票号", "invoice_date": "开票日期", "invoice_amount": "发票金额", "open_amount": "未回款",
    "days_since_invoice": "开票天数", "invoiced_net_month": "当月开票净额", "open_invoiced": "月末开票未回款",
    "dso_invoiced": "DSO（按发票）", "dso_installments": "DSO（按分期）", "contract_count": "合同/订单数",
}
MONEY_COLUMNS = ("invoiced_gross", "invoiced_net", "invoiced_not_collected", "collected_not_invoiced",
                 "not_yet_invoiced", "open_invoiced", "invoiced_net_month", "invoice_amount")
KINDS = {name: display.MONEY for name in MONEY_COLUMNS} | {"dso_invoiced": display.NUMBER,
                                                           "dso_installments": display.NUMBER}
STATUS_LABELS = {"invoiced_not_collected": "开票未回款", "collected_not_invoiced": "回款未开票",
                 "balanced": "已平", "not_invoiced": "未开票未回款"}

RECONCILIATION_COLUMNS = """
reconciliation_key, contract_no, order_no, account_name, company_key, owner_name, department_name, document_status,
reconciliation_status, document_amount, ordered_amount, delivered_amount, invoiced_gross, red_letter_amount,
invoiced_net, collected_amount, invoiced_not_collected, collected_not_invoiced, not_yet_invoiced,
invoice_count, red_letter_count, voided_count, receipt_count, last_invoice_date, last_receipt_date"""


def available() -> bool:
    """Whether the invoice marts are in the snapshot (an older snapshot lacks them)."""
    return "finance.invoice_reconciliation" in published_tables()


DETAIL_ROWS = 200  # contracts listed at once: the largest gaps of the filter (the CSV has them all)
SUMMARY_MONEY = ("invoiced_net", "collected_amount", "invoiced_not_collected", "collected_not_invoiced",
                 "red_letter_amount")
DEPARTMENT = "coalesce(department_name, '(未知)')"
ON_PAGE = "reconciliation_status <> 'not_invoiced'"  # contracts with neither invoice nor receipt are not shown


def reconciliation_summary(viewer: Viewer) -> pd.DataFrame:
    """The viewer's contracts on the page per department and reconciliation status: how many and
    their sums (a few rows: the tiles and the per-department table read this, not the rows)."""
    where, params = row_rules.owners(viewer)
    sums = ", ".join(f"sum({c}) as {c}" for c in SUMMARY_MONEY)
    return query(
        f"""select {DEPARTMENT} as department_name, reconciliation_status, count(*) as contract_count, {sums}
            from finance.invoice_reconciliation where {where} and {ON_PAGE}
            group by 1, 2 order by 1, 2""",
        tuple(params),
    )


def summary_totals(summary: pd.DataFrame) -> dict[str, float | int]:
    """The tiles: every group of ``reconciliation_summary`` added up (zeros when it is empty)."""
    return {"contract_count": int(summary["contract_count"].sum()) if not summary.empty else 0} | {
        c: float(summary[c].astype(float).sum()) if not summary.empty else 0.0 for c in SUMMARY_MONEY
    }


def reconciliation(viewer: Viewer, status: str | None = None, department: str | None = None,
                   search: str | None = None, limit: int | None = DETAIL_ROWS,
                   key: str | None = None) -> pd.DataFrame:
    """The viewer's contracts (and contract-less orders) with invoices or receipts, largest gap
    first: the first ``limit`` (``None``: all) of one status, department and/or text in the
    contract number, order number or customer name; ``key``: only that contract (a link to one
    beyond the list)."""
    where, params = row_rules.owners(viewer)
    conditions, values = [where, ON_PAGE], list(params)
    if key:
        conditions.append("reconciliation_key = ?")
        values.append(key)
    if status:
        conditions.append("reconciliation_status = ?")
        values.append(status)
    if department:
        conditions.append(f"{DEPARTMENT} = ?")
        values.append(department)
    if search:
        conditions.append("contains(lower(concat_ws(' ', contract_no, order_no, account_name)), lower(?))")
        values.append(search.strip())
    return query(
        f"""select {RECONCILIATION_COLUMNS} from finance.invoice_reconciliation
            where {' and '.join(conditions)}
            order by greatest(invoiced_not_collected, collected_not_invoiced) desc, reconciliation_key
            {'limit ?' if limit is not None else ''}""",
        tuple(values) + ((limit,) if limit is not None else ()),
    )


def contract_invoices(viewer: Viewer, reconciliation_key: str) -> pd.DataFrame:
    """The invoices of one contract (or order), red letters and voided ones included."""
    where, params = row_rules.owners(viewer)
    return query(
        f"""select invoice_no, invoice_date, status, invoice_type, order_no, amount_incl_tax, net_amount,
                  reverses_invoice_no, reversed_by_invoice_no, customer_name
           from finance.invoices where reconciliation_key = ? and {where}
           order by invoice_date, invoice_no""",
        (reconciliation_key, *params),
    )


def aging_dates() -> list[dt.date]:
    """The dates finance.invoice_aging holds (month-ends and the reporting date), newest first."""
    frame = query("select distinct as_of_date from finance.invoice_aging order by 1 desc")
    return [pd.Timestamp(d).date() for d in frame["as_of_date"]]


def invoice_aging(viewer: Viewer, as_of: dt.date) -> pd.DataFrame:
    where, params = row_rules.owners(viewer)
    return query(
        f"""select invoice_no, invoice_date, contract_no, order_no, account_name, owner_name, department_name,
                  invoice_amount, open_amount, days_since_invoice, bucket, bucket_order
           from finance.invoice_aging where as_of_date = ? and {where}
           order by days_since_invoice desc, invoice_no""",
        (as_of.isoformat(), *params),
    )


def dso_comparison(viewer: Viewer) -> pd.DataFrame:
    """DSO on invoiced amounts beside the installment-based DSO, per month-end."""
    row_rules.require_all(viewer, "the DSO trend")
    return query(
        """select i.month_end, i.invoiced_net as invoiced_net_month, i.red_letter_amount, i.open_invoiced,
                  i.dso_days as dso_invoiced, d.dso_days as dso_installments
           from finance.invoice_dso_monthly as i
           left join finance.dso_monthly as d on d.month_end = i.month_end
           order by i.month_end"""
    )


def unmatched_summary(viewer: Viewer) -> tuple[int, float]:
    """How many invoices name no known CRM order, and their net amount (company-wide)."""
    row_rules.require_all(viewer, "invoices naming no known order")
    row = query("select count(*) as n, coalesce(sum(net_amount), 0) as amount from finance.invoices "
                "where not is_matched").iloc[0]
    return int(row["n"]), float(row["amount"])


def unmatched_invoices(viewer: Viewer) -> pd.DataFrame:
    """Invoices naming no known CRM order: not in any contract's reconciliation (company-wide)."""
    row_rules.require_all(viewer, "invoices naming no known order")
    return query(
        """select invoice_no, invoice_date, status, crm_order_no, customer_name, tax_id, net_amount
           from finance.invoices where not is_matched order by invoice_date desc, invoice_no"""
    )
