"""Loaders of the Finance pages, built on ``data_access.query`` (published snapshot, cached).

``AGING_AS_OF_SQL`` is AR aging for any date, not only the month-ends of the ``finance.ar_aging``
mart: it selects from the snapshot's table macro ``finance.ar_aging_at(date)``, which dbt renders
from the same macro as the mart (receipts dated after the as-of date don't count; installments
created after it don't exist; buckets from ``settings.aging_buckets``, i.e. finance.yml).

Row rules: every loader takes the logged-in viewer and filters in SQL on the owner of the
receivable (``installments.owner_id``) or the person of a commission statement (``user_id``);
company-wide figures (DSO, the commission review list) are for roles that see every row.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from apps import row_rules
from apps.data_access import query
from apps.row_rules import Viewer

# The aging rule lives once, in dbt (macros/finance/ar_aging.sql): the finance.ar_aging mart runs
# it at month-ends, and the table macro finance.ar_aging_at(date) it renders into the warehouse
# (published with the snapshot) runs it for any date.
AGING_COLUMNS = """
select as_of_date, installment_id, account_id, account_name, contract_no, order_no, batch_no,
       owner_id, owner_name, department_name, amount, open_amount, due_date, days_overdue,
       bucket, bucket_order, is_overdue, company_key"""
AGING_TEMPLATE = AGING_COLUMNS + """
from finance.ar_aging_at(?)
where {owners}
order by days_overdue desc, installment_id
"""
# the same rows for a date the mart holds (month-ends, the reporting date: the page's default),
# read instead of recomputed (~15 ms instead of ~60 ms at S=10)
AGING_MART_TEMPLATE = AGING_COLUMNS + """
from finance.ar_aging
where as_of_date = ? and {owners}
order by days_overdue desc, installment_id
"""

AGING_AS_OF_SQL = AGING_TEMPLATE.replace("{owners}", "true")  # every owner (tests, analysts)

ROLLUP_COLUMNS = {"customer": "account_name", "owner": "owner_name", "department": "department_name"}


def month_ends() -> list[dt.date]:
    frame = query("select distinct as_of_date from finance.ar_aging where is_month_end order by 1")
    return [pd.Timestamp(d).date() for d in frame["as_of_date"]]


def reporting_date() -> dt.date:
    return pd.Timestamp(query("select max(as_of_date) as d from finance.installments")["d"].iloc[0]).date()


def aging_sql(owners: str = "true", materialized: bool = False) -> str:
    """The aging query restricted to the installments matching ``owners`` (SQL on ``owner_id``);
    ``materialized``: read from the mart (only for a date it holds)."""
    return (AGING_MART_TEMPLATE if materialized else AGING_TEMPLATE).replace("{owners}", owners)


def materialized_dates() -> set[dt.date]:
    """The dates the finance.ar_aging mart holds: every month-end and the reporting date."""
    frame = query("select distinct as_of_date from finance.ar_aging")
    return {pd.Timestamp(d).date() for d in frame["as_of_date"]}


def aging_as_of(viewer: Viewer, as_of: dt.date) -> pd.DataFrame:
    """Open installments the viewer sees, with bucket as of any date (month-ends equal the mart)."""
    where, params = row_rules.owners(viewer)
    sql = aging_sql(where, materialized=as_of in materialized_dates())
    return query(sql, (as_of.isoformat(), *params))


def bucket_order() -> list[str]:
    return query("select bucket from settings.aging_buckets order by sort_order")["bucket"].tolist()


def aging_rollup(aging: pd.DataFrame, by: str) -> pd.DataFrame:
    """Open amount per customer/owner/department (rows) and bucket (columns), with a total."""
    column = ROLLUP_COLUMNS[by]
    if aging.empty:
        return pd.DataFrame(columns=[column, "total"])
    frame = aging.assign(open_amount=aging["open_amount"].astype(float))
    pivot = frame.pivot_table(index=column, columns="bucket", values="open_amount", aggfunc="sum", fill_value=0.0)
    pivot = pivot.reindex(columns=[b for b in bucket_order() if b in pivot.columns])
    pivot["total"] = pivot.sum(axis=1)
    return pivot.sort_values("total", ascending=False).round(2).reset_index()


def overdue_warnings(viewer: Viewer) -> pd.DataFrame:
    where, params = row_rules.owners(viewer)
    return query(
        f"""select warning_id, owner_name, department_name, account_name, contract_no, order_no, batch_no,
                  open_amount, due_date, days_overdue, bucket, message, company_key
           from finance.overdue_warnings where {where} order by days_overdue desc, warning_id""",
        tuple(params),
    )


def dso_trend(viewer: Viewer) -> pd.DataFrame:
    row_rules.require_all(viewer, "the DSO trend")
    return query("select * from finance.dso_monthly order by month_end")


def _own_installments(viewer: Viewer) -> tuple[str, list]:
    where, params = row_rules.owners(viewer)
    return f"installment_id in (select installment_id from finance.installments where {where})", params


def payment_risk(viewer: Viewer) -> pd.DataFrame:
    where, params = _own_installments(viewer)
    return query(
        f"select * from finance.payment_risk where {where} order by late30_probability desc, installment_id",
        tuple(params),
    )


def payment_risk_backtest() -> pd.DataFrame:
    """Model quality figures (no customer or owner rows)."""
    return query("select * from finance.payment_risk_backtest")


def customer_behavior(viewer: Viewer) -> pd.DataFrame:
    where, params = row_rules.owners(viewer)
    return query(
        f"""select * from finance.customer_payment_behavior
            where account_id in (select account_id from finance.installments where {where})
            order by avg_days_late desc, account_id""",
        tuple(params),
    )


def commission_statements(viewer: Viewer) -> pd.DataFrame:
    where, params = row_rules.owners(viewer, "user_id")
    return query(
        f"""select user_id, employee_code, user_name, department_name, period_start, period_end, status,
                  approval_status, line_count, credited_amount, commission_amount, adjustment_amount, total_amount,
                  approved_total, approval_check
           from finance.commission_statements where {where} order by period_start desc, user_name""",
        tuple(params),
    )


def commission_lines(viewer: Viewer, user_id: int, period_start: dt.date) -> pd.DataFrame:
    where, params = row_rules.owners(viewer, "user_id")
    return query(
        f"""select line_kind, event_date, source_type, source_no, order_no, plan_code, plan_version, basis,
                  rule_kind, product_line, split_pct, credit_amount, attainment, tier_from, tier_to, rate,
                  basis_amount, commission_amount, rule_description, adjustment_reason, adjustment_author
           from finance.commission_statement_lines
           where user_id = ? and period_start = ? and {where}
           order by event_date, line_key""",
        (int(user_id), period_start.isoformat(), *params),
    )


def commission_review(viewer: Viewer) -> pd.DataFrame:
    row_rules.require_all(viewer, "the commission review list")
    return query("select * from finance.commission_review order by problem, record_id")


PERSON_COLUMNS = ("user_name", "employee_code", "department_name")


def commission_period_lines(viewer: Viewer, period_start: dt.date) -> pd.DataFrame:
    """Every statement line of a period the viewer sees, with the person's name, code and
    department first (the bulk export: one workbook for the whole period)."""
    where, params = row_rules.owners(viewer, "l.user_id")
    return query(
        f"""select s.user_name, s.employee_code, s.department_name, l.line_kind, l.event_date, l.source_type,
                  l.source_no, l.order_no, l.plan_code, l.plan_version, l.basis, l.rule_kind, l.product_line,
                  l.split_pct, l.credit_amount, l.attainment, l.tier_from, l.tier_to, l.rate, l.basis_amount,
                  l.commission_amount, l.rule_description, l.adjustment_reason, l.adjustment_author
           from finance.commission_statement_lines as l
           join finance.commission_statements as s on s.user_id = l.user_id and s.period_start = l.period_start
           where l.period_start = ? and {where}
           order by s.user_name, s.employee_code, l.event_date, l.line_key""",
        (period_start.isoformat(), *params),
    )
