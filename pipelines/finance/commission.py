"""Commission statements: locked periods and manual adjustments on top of the dbt-computed lines.

dbt (``intermediate.int_commission_lines``) computes every line of every period afresh from
the CRM records. This module turns them into statements:

* a period whose end is on or before ``lock_through`` (business settings, ``finance.yml``
  ``commission.lock_through``) is closed: the first run that sees it closed freezes its lines as
  Parquet (``<lakehouse>/finance/locked_commission/``); from then on its statement is read from
  the freeze, never recomputed;
* a change to the inputs of a closed period (fresh line differs from the frozen one, appears
  or disappears) becomes an adjustment line in the next open period, naming the original line;
* manual adjustments finance entered on the 提成调整 screen (operational store ->
  ``finance.commission_adjustments``, the rows the mart marks ``applied``) become
  ``manual_adjustment`` lines on the person's statement of that month.

Everything is set-based in DuckDB, on the warehouse's own connection in the pipeline (no frame in
Python: at S=100 the step stays inside DuckDB's memory limit), so money stays DECIMAL(18,2) and
periods DATE from the warehouse to the published tables (no float round trip); a re-run over the
same inputs gives the same statements.
"""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from pipelines import duckdb_session
from pipelines.finance.commission_paid import apply_paid, has_relation, load_approvals

# published column types of finance.commission_statement_lines (money DECIMAL(18,2), dates DATE)
LINE_TYPES: dict[str, str] = {
    "line_key": "varchar", "line_kind": "varchar", "user_id": "bigint", "source_type": "varchar",
    "source_id": "bigint", "source_no": "varchar", "order_no": "varchar", "plan_code": "varchar",
    "plan_version": "bigint", "basis": "varchar", "rule_kind": "varchar", "product_line": "varchar",
    "tier_from": "decimal(18, 4)", "tier_to": "decimal(18, 4)", "rate": "decimal(18, 4)",
    "period_start": "date", "period_end": "date", "event_date": "date", "split_pct": "decimal(18, 2)",
    "credit_amount": "decimal(18, 2)", "period_credit": "decimal(18, 2)", "target_amount": "decimal(18, 2)",
    "attainment": "decimal(18, 4)", "basis_amount": "decimal(18, 2)", "commission_amount": "decimal(18, 2)",
    "rule_description": "varchar", "adjustment_reason": "varchar", "adjustment_author": "varchar",
    "credit_scope": "varchar",
}
LINE_COLUMNS = list(LINE_TYPES)
# the applied manual adjustments build_statements takes (finance.commission_adjustments)
ADJUSTMENT_TYPES: dict[str, str] = {
    "commission_adjustment_id": "bigint", "user_id": "bigint", "period": "varchar",
    "amount": "decimal(18, 2)", "reason": "varchar", "author": "varchar",
}
NEVER = dt.date(1900, 1, 1)  # "no period is locked"


def next_open_period(lock_through: dt.date | None) -> dt.date | None:
    """First day of the month after ``lock_through`` (where changes to closed periods land)."""
    if lock_through is None:
        return None
    return (lock_through + dt.timedelta(days=1)).replace(day=1)


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _freeze_new_closed_periods(con: duckdb.DuckDBPyConnection, lock_dir: Path, lock_through: dt.date) -> None:
    """Write the fresh lines of closed periods that have no freeze yet (one file per period)."""
    lock_dir.mkdir(parents=True, exist_ok=True)
    periods = con.execute(
        "select distinct period_start from fresh where period_end <= ? order by 1", [lock_through]
    ).fetchall()
    for (period_start,) in periods:
        target = lock_dir / f"period={period_start:%Y-%m-%d}.parquet"
        if target.exists():
            continue
        tmp = target.with_suffix(".tmp")
        con.execute(
            f"copy (select * from fresh where period_start = ? order by line_key) to '{tmp}' (format parquet)",
            [period_start],
        )
        tmp.replace(target)  # atomic: a killed run never leaves half a freeze


def _typed(columns: dict[str, str], source: str) -> str:
    return ", ".join(f"cast({source}{c} as {t}) as {c}" for c, t in columns.items())


def _load_adjustments(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create or replace temp table manual ({', '.join(f'{c} {t}' for c, t in ADJUSTMENT_TYPES.items())})")
    if has_relation(con, "manual_in"):
        con.execute(f"insert into manual select {_typed(ADJUSTMENT_TYPES, '')} from manual_in")


LINES_SQL = """
with
frozen_periods as (select distinct period_start from frozen),
-- lines of open periods: computed afresh every run
open_lines as (
    select *, 'commission' as line_kind,
           null::varchar as adjustment_reason, null::varchar as adjustment_author
    from fresh
    where period_end > $lock
      and period_start not in (select period_start from frozen_periods)
),
-- closed periods: exactly what was frozen
locked_lines as (
    select *, 'commission' as line_kind,
           null::varchar as adjustment_reason, null::varchar as adjustment_author
    from frozen
),
-- changes to closed periods since they were frozen
fresh_closed as (
    select * from fresh
    where period_start in (select period_start from frozen_periods)
),
changes as (
    select
        coalesce(f.line_key, z.line_key) as orig_key,
        coalesce(f.user_id, z.user_id) as user_id,
        coalesce(f.period_start, z.period_start) as orig_period,
        coalesce(f.source_type, z.source_type) as source_type,
        coalesce(f.source_id, z.source_id) as source_id,
        coalesce(f.source_no, z.source_no) as source_no,
        coalesce(f.order_no, z.order_no) as order_no,
        coalesce(f.plan_code, z.plan_code) as plan_code,
        coalesce(f.plan_version, z.plan_version) as plan_version,
        coalesce(f.basis, z.basis) as basis,
        coalesce(f.rule_kind, z.rule_kind) as rule_kind,
        coalesce(f.product_line, z.product_line) as product_line,
        coalesce(f.tier_from, z.tier_from) as tier_from,
        coalesce(f.tier_to, z.tier_to) as tier_to,
        coalesce(f.rate, z.rate) as rate,
        coalesce(f.event_date, z.event_date) as event_date,
        coalesce(f.split_pct, z.split_pct) as split_pct,
        coalesce(f.credit_amount, 0) - coalesce(z.credit_amount, 0) as credit_amount,
        coalesce(f.basis_amount, 0) - coalesce(z.basis_amount, 0) as basis_amount,
        coalesce(f.commission_amount, 0) - coalesce(z.commission_amount, 0) as commission_amount,
        coalesce(f.rule_description, z.rule_description) as rule_description,
        coalesce(f.credit_scope, z.credit_scope) as credit_scope
    from fresh_closed as f
    full outer join frozen as z
        on f.line_key = z.line_key and f.period_start = z.period_start
    where coalesce(f.commission_amount, 0) <> coalesce(z.commission_amount, 0)
),
change_lines as (
    select
        'ADJ|' || orig_key || '|' || strftime(orig_period, '%Y-%m-%d') as line_key,
        'locked_period_change' as line_kind,
        user_id, source_type, source_id, source_no, order_no, plan_code, plan_version,
        basis, rule_kind, product_line, tier_from, tier_to, rate,
        $next_open::date as period_start, $next_end::date as period_end, event_date,
        split_pct, credit_amount, null as period_credit, null as target_amount,
        null as attainment, basis_amount, commission_amount, rule_description,
        'change to closed period ' || strftime(orig_period, '%Y-%m')
            || ' after it was locked (line ' || orig_key || ')' as adjustment_reason,
        'system' as adjustment_author, credit_scope
    from changes
),
-- manual adjustments from the store: one line each on the person's statement of that month
manual_lines as (
    select
        'MAN|' || manual.commission_adjustment_id as line_key,
        'manual_adjustment' as line_kind,
        manual.user_id, 'adjustment' as source_type, manual.commission_adjustment_id as source_id,
        null as source_no, null as order_no, null as plan_code, null as plan_version, null as basis,
        'manual adjustment' as rule_kind, null as product_line, null as tier_from,
        null as tier_to, null as rate,
        strptime(manual.period || '-01', '%Y-%m-%d')::date as period_start,
        last_day(strptime(manual.period || '-01', '%Y-%m-%d')::date) as period_end,
        strptime(manual.period || '-01', '%Y-%m-%d')::date as event_date,
        null as split_pct, null as credit_amount, null as period_credit,
        null as target_amount, null as attainment, null as basis_amount,
        manual.amount as commission_amount,
        manual.reason as rule_description, manual.reason as adjustment_reason,
        manual.author as adjustment_author, null::varchar as credit_scope
    from manual
    inner join users using (user_id)  -- finance.commission_adjustments already left out unknown people
),
all_lines as (
    select {cols} from open_lines
    union all by name select {cols} from locked_lines
    union all by name select {cols} from change_lines
    union all by name select {cols} from manual_lines
)
select
    {typed},
    users.employee_code, users.user_name, users.department_name,
    case when all_lines.period_end <= $lock then 'locked' else 'open' end as period_status
from all_lines
left join users using (user_id)
order by user_id, period_start, event_date, line_key
"""

# credited: what the period's own commission lines credited the person. A marginal-tier source has
# one line per tier it touches, each repeating the source's whole credit, so those count by the
# slice each tier covers (basis_amount); every other line counts its credit once. Each part is 0,
# never NULL, when the statement has no such lines (a marginal-only or adjustment-only statement).
STATEMENTS_SQL = """
select
    user_id, any_value(employee_code) as employee_code, any_value(user_name) as user_name,
    any_value(department_name) as department_name,
    period_start, period_end,
    count(*) as line_count,
    cast(coalesce(sum(credit_amount) filter (where line_kind = 'commission' and rule_kind <> 'marginal tier'), 0)
         + coalesce(sum(basis_amount) filter (where line_kind = 'commission' and rule_kind = 'marginal tier'), 0)
         as decimal(18, 2)) as credited_amount,
    cast(coalesce(sum(commission_amount) filter (where line_kind = 'commission'), 0) as decimal(18, 2))
        as commission_amount,
    cast(coalesce(sum(commission_amount) filter (where line_kind <> 'commission'), 0) as decimal(18, 2))
        as adjustment_amount,
    cast(coalesce(sum(commission_amount), 0) as decimal(18, 2)) as total_amount,
    case when period_end <= $lock then 'locked' else 'open' end as status
from lines
group by user_id, period_start, period_end
order by user_id, period_start
"""


# each statement with its approval (no store row: draft) and whether its published total still is
# the approved one: an approved statement whose inputs changed must be reopened and approved again
STATEMENTS_WITH_APPROVAL_SQL = """
with statements as ({statements})
select statements.*,
       coalesce(approvals.status, 'draft') as approval_status,
       approvals.approved_total, approvals.approved_by, approvals.approved_at,
       approvals.paid_by, approvals.paid_at, approvals.payment_reference,
       case
           when approvals.status = 'approved' and statements.total_amount <> approvals.approved_total
               then 'changed since approval: reopen and approve again'
           when approvals.status = 'paid' and statements.total_amount <> approvals.approved_total
               then 'frozen lines differ from the paid total'
       end as approval_check
from statements
left join approvals using (user_id, period_start)
order by user_id, period_start
"""


def compute_statements(
    con: duckdb.DuckDBPyConnection,
    lock_dir: Path,
    *,
    lock_through: dt.date | None = None,
    paid_dir: Path | None = None,
) -> None:
    """Temp tables ``lines`` and ``statements`` (published column types) in ``con``, from its
    relations ``fresh_in`` (``int_commission_lines``), ``users``, ``manual_in`` (the applied
    adjustments, ``ADJUSTMENT_TYPES``), ``approvals_in`` (``commission_paid.APPROVAL_TYPES``) and,
    when a run published lines before, ``previous`` (its lines of paid statements).

    Set-based in ``con``: on the warehouse's connection nothing passes through Python frames, and
    DuckDB's memory limit bounds the step (issue 16).
    """
    con.execute("create or replace temp table fresh as select * from fresh_in")
    con.execute("alter table fresh add column if not exists credit_scope varchar")  # lines before team roll-up
    _load_adjustments(con)
    lock = lock_through or NEVER
    if lock_through is not None:
        _freeze_new_closed_periods(con, lock_dir, lock)
    frozen_files = sorted(lock_dir.glob("period=*.parquet")) if lock_dir.exists() else []
    if frozen_files:
        files = ", ".join(f"'{f}'" for f in frozen_files)
        con.execute(f"create or replace temp table frozen as select * from read_parquet([{files}], union_by_name = true)")
    else:
        con.execute("create or replace temp table frozen as select * from fresh where false")
    con.execute("alter table frozen add column if not exists credit_scope varchar")  # frozen before team roll-up
    next_open = next_open_period(lock_through) or NEVER
    sql = LINES_SQL.replace("{cols}", ", ".join(LINE_COLUMNS)).replace("{typed}", _typed(LINE_TYPES, "all_lines."))
    con.execute(f"create or replace temp table lines as {sql}",
                {"lock": lock, "next_open": next_open, "next_end": _month_end(next_open)})
    load_approvals(con)
    apply_paid(con, paid_dir or lock_dir.parent / "paid_commission", lock)
    con.execute("create or replace temp table statements as "
                + STATEMENTS_WITH_APPROVAL_SQL.replace("{statements}", STATEMENTS_SQL), {"lock": lock})


def build_statements(
    fresh: Any,
    users: Any,
    lock_dir: Path,
    *,
    lock_through: dt.date | None = None,
    adjustments: Any = None,
    approvals: Any = None,
    previous_lines: Any = None,
    paid_dir: Path | None = None,
) -> tuple[pa.Table, pa.Table]:
    """Statement lines and statements from frames: :func:`compute_statements` on an in-memory
    connection (the hand-worked cases call this; the asset runs it on the warehouse).

    ``fresh``, ``users`` (user_id, employee_code, user_name, department_name), ``adjustments``,
    ``approvals`` and ``previous_lines`` (the lines the last run published) are Arrow tables or
    data frames; ``adjustments``, ``approvals`` and ``previous_lines`` may be None. Returns Arrow
    tables with the published column types.
    """
    con = duckdb_session.connect()
    try:
        con.register("fresh_in", fresh)
        con.register("users", users)
        for name, frame in (("manual_in", adjustments), ("approvals_in", approvals), ("previous", previous_lines)):
            if frame is not None and len(frame):
                con.register(name, frame)
        compute_statements(con, lock_dir, lock_through=lock_through, paid_dir=paid_dir)
        return con.table("lines").fetch_arrow_table(), con.table("statements").fetch_arrow_table()
    finally:
        con.close()
