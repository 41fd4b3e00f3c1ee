"""Loaders of the Finance pages, built on ``data_access.query`` (published snapshot, cached).

``AGING_AS_OF_SQL`` is the on-demand twin of the ``finance.ar_aging`` mart: the same rule
(receipts dated after the as-of date don't count; installments created after it don't exist;
buckets from ``settings.aging_buckets``, i.e. finance.yml) for any date, not only month-ends.

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

AGING_TEMPLATE = """
with
params as (select cast(? as date) as as_of_date),
received as (
    select a.installment_id, sum(a.allocated_amount) as received_amount
    from finance.receipt_allocations a, params
    where a.installment_id is not null and a.receipt_date <= params.as_of_date
    group by 1
),
balances as (
    select i.*, params.as_of_date as aging_date,
           i.amount - coalesce(r.received_amount, 0) as open_as_of,
           datediff('day', i.due_date, params.as_of_date) as days_overdue_as_of
    from finance.installments i
    cross join params
    left join received r using (installment_id)
    where i.created_date <= params.as_of_date and {owners}
)
select b.aging_date as as_of_date, b.installment_id, b.account_id, b.account_name, b.contract_no,
       b.order_no, b.batch_no, b.owner_id, b.owner_name, b.department_name, b.amount,
       cast(b.open_as_of as decimal(18, 2)) as open_amount, b.due_date,
       b.days_overdue_as_of as days_overdue, k.bucket, k.sort_order as bucket_order,
       b.days_overdue_as_of > 0 as is_overdue
from balances b
left join settings.aging_buckets k
  on (k.min_days is null or b.days_overdue_as_of >= k.min_days)
 and (k.max_days is null or b.days_overdue_as_of <= k.max_days)
where b.open_as_of > 0
order by b.days_overdue_as_of desc, b.installment_id
"""

AGING_AS_OF_SQL = AGING_TEMPLATE.replace("{owners}", "true")  # every owner (tests, analysts)

ROLLUP_COLUMNS = {"customer": "account_name", "owner": "owner_name", "department": "department_name"}


def month_ends() -> list[dt.date]:
    frame = query("select distinct as_of_date from finance.ar_aging where is_month_end order by 1")
    return [pd.Timestamp(d).date() for d in frame["as_of_date"]]


def reporting_date() -> dt.date:
    return pd.Timestamp(query("select max(as_of_date) as d from finance.installments")["d"].iloc[0]).date()


def aging_sql(owners: str = "true") -> str:
    """The aging query restricted to the installments matching ``owners`` (SQL on ``i.``)."""
    return AGING_TEMPLATE.replace("{owners}", owners)


def aging_as_of(viewer: Viewer, as_of: dt.date) -> pd.DataFrame:
    """Open installments the viewer sees, with bucket as of any date (month-ends equal the mart)."""
    where, params = row_rules.owners(viewer, "i.owner_id")
    return query(aging_sql(where), (as_of.isoformat(), *params))


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
                  open_amount, due_date, days_overdue, bucket, message
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
                  line_count, credited_amount, commission_amount, adjustment_amount, total_amount
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
