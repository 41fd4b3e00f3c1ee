"""Paid commission statements stay as they were paid (issue 20 item 6).

Finance approves a published statement and marks it paid on the 提成审批 screen (store table
``commission_statement_approvals``). The first run that sees a statement paid freezes its lines
as Parquet (``<lakehouse>/finance/paid_commission/``), taken from the lines the last run published
(what the payer saw; the pay workflow checked they total the approved figure), or from this run's
lines when there are none. From then on that statement is published from its freeze, never
recomputed; a later change to its inputs (a line that differs, appears or disappears) becomes a
``paid_statement_change`` line on the same person's next statement that is neither paid nor in a
locked period, naming the original line, like a change to a locked period.
"""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

import duckdb

APPROVAL_TYPES: dict[str, str] = {
    "user_id": "bigint", "period_start": "date", "status": "varchar", "approved_total": "decimal(18, 2)",
    "approved_by": "varchar", "approved_at": "timestamp", "paid_by": "varchar", "paid_at": "timestamp",
    "payment_reference": "varchar",
}


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def has_relation(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether ``name`` is a table, view or registered frame visible without a schema."""
    try:
        con.execute(f"select 1 from {name} limit 0")
    except duckdb.CatalogException:
        return False
    return True


def load_approvals(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table ``approvals`` with ``APPROVAL_TYPES`` from relation ``approvals_in`` (empty
    when there is none: the store has no approvals)."""
    con.execute(f"create or replace temp table approvals "
                f"({', '.join(f'{c} {t}' for c, t in APPROVAL_TYPES.items())})")
    if has_relation(con, "approvals_in"):
        con.execute("insert into approvals select "
                    + ", ".join(f"cast({c} as {t})" for c, t in APPROVAL_TYPES.items()) + " from approvals_in")


def _freeze_new(con: duckdb.DuckDBPyConnection, paid: list[tuple[int, dt.date]], paid_dir: Path) -> None:
    paid_dir.mkdir(parents=True, exist_ok=True)
    for user_id, period_start in paid:
        target = paid_dir / f"user={user_id}_period={period_start:%Y-%m-%d}.parquet"
        if target.exists():
            continue
        source = "previous" if con.execute(
            "select count(*) from previous where user_id = ? and period_start = ?",
            [user_id, period_start]).fetchone()[0] else "computed"
        tmp = target.with_suffix(".tmp")
        con.execute(f"copy (select * from {source} where user_id = ? and period_start = ? order by line_key) "
                    f"to '{tmp}' (format parquet)", [user_id, period_start])
        tmp.replace(target)  # atomic: a killed run never leaves half a freeze


def _targets(paid: list[tuple[int, dt.date]], lock: dt.date) -> list[tuple[int, dt.date, dt.date, dt.date]]:
    """(user, paid period, month its changes land in, that month's end): the first later month of
    the person that is neither paid nor locked."""
    paid_set = set(paid)
    out = []
    for user_id, period_start in paid:
        month = _next_month(period_start)
        while (user_id, month) in paid_set or _month_end(month) <= lock:
            month = _next_month(month)
        out.append((user_id, period_start, month, _month_end(month)))
    return out


CHANGES_SQL = """
with
mine as (select c.* from computed c join paid_keys p using (user_id, period_start)),
changes as (
    select coalesce(f.user_id, z.user_id) as user_id,
           coalesce(f.period_start, z.period_start) as orig_period,
           coalesce(f.line_key, z.line_key) as orig_key,
           coalesce(f.source_type, z.source_type) as source_type, coalesce(f.source_id, z.source_id) as source_id,
           coalesce(f.source_no, z.source_no) as source_no, coalesce(f.order_no, z.order_no) as order_no,
           coalesce(f.plan_code, z.plan_code) as plan_code, coalesce(f.plan_version, z.plan_version) as plan_version,
           coalesce(f.basis, z.basis) as basis, coalesce(f.rule_kind, z.rule_kind) as rule_kind,
           coalesce(f.product_line, z.product_line) as product_line, coalesce(f.rate, z.rate) as rate,
           coalesce(f.event_date, z.event_date) as event_date, coalesce(f.credit_scope, z.credit_scope) as credit_scope,
           coalesce(f.credit_amount, 0) - coalesce(z.credit_amount, 0) as credit_amount,
           coalesce(f.basis_amount, 0) - coalesce(z.basis_amount, 0) as basis_amount,
           coalesce(f.commission_amount, 0) - coalesce(z.commission_amount, 0) as commission_amount,
           coalesce(f.rule_description, z.rule_description) as rule_description
    from mine f
    full outer join frozen_paid z on f.user_id = z.user_id and f.period_start = z.period_start and f.line_key = z.line_key
    where coalesce(f.commission_amount, 0) <> coalesce(z.commission_amount, 0)
)
select 'PAID|' || changes.orig_key || '|' || strftime(changes.orig_period, '%Y-%m-%d') as line_key,
       'paid_statement_change' as line_kind, changes.user_id, source_type, source_id, source_no, order_no,
       plan_code, plan_version, basis, rule_kind, product_line, rate,
       t.target_start as period_start, t.target_end as period_end, event_date, credit_scope,
       credit_amount, basis_amount, commission_amount, rule_description,
       'change to paid statement ' || strftime(changes.orig_period, '%Y-%m') || ' after it was paid (line '
           || changes.orig_key || ')' as adjustment_reason,
       'system' as adjustment_author,
       'open' as period_status
from changes
join targets t on t.user_id = changes.user_id and t.period_start = changes.orig_period
"""


def apply_paid(con: duckdb.DuckDBPyConnection, paid_dir: Path, lock: dt.date) -> None:
    """Temp table ``lines`` with every paid statement (table ``approvals``) replaced by its freeze
    and its changes since moved to the person's next open statement; ``previous`` (when there is
    such a relation) holds the lines the last run published of paid statements."""
    paid = [(int(u), p) for u, p in con.execute(
        "select user_id, period_start from approvals where status = 'paid' order by 1, 2").fetchall()]
    if not paid:
        return
    con.execute("create or replace temp table computed as select * from lines")
    if not has_relation(con, "previous"):
        con.execute("create or replace temp table previous as select * from computed where false")
    _freeze_new(con, paid, paid_dir)
    files = ", ".join(f"'{paid_dir / f'user={u}_period={p:%Y-%m-%d}.parquet'}'" for u, p in paid)
    con.execute(f"create or replace temp table frozen_paid as select * from read_parquet([{files}], union_by_name = true)")
    con.execute("alter table frozen_paid add column if not exists credit_scope varchar")
    con.execute("create or replace temp table paid_keys as select distinct user_id, period_start from approvals "
                "where status = 'paid'")
    con.execute("create or replace temp table targets (user_id bigint, period_start date, target_start date, "
                "target_end date)")
    con.executemany("insert into targets values (?, ?, ?, ?)", _targets(paid, lock))
    con.execute(f"create or replace temp table change_lines as {CHANGES_SQL}")
    typed = ", ".join(f"cast({name} as {kind}) as {name}"
                      for name, kind, *_ in con.execute("describe computed").fetchall())
    con.execute(f"""
        create or replace temp table lines as
        with people as (select user_id, any_value(employee_code) as employee_code, any_value(user_name) as user_name,
                               any_value(department_name) as department_name from computed group by 1),
        changed as (select change_lines.*, people.employee_code, people.user_name, people.department_name
                    from change_lines left join people using (user_id)),
        merged as (
            select * from computed
            where not exists (select 1 from paid_keys k
                              where k.user_id = computed.user_id and k.period_start = computed.period_start)
            union all by name select * from frozen_paid
            union all by name select * from changed)
        select {typed} from merged
        order by user_id, period_start, event_date, line_key""")
