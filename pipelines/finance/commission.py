"""Commission statements: locked periods and adjustments on top of the dbt-computed lines.

dbt (``intermediate.int_commission_lines``) computes every line of every period afresh from
the CRM records. This module turns them into statements:

* a period whose end is on or before ``lock_through`` is closed: the first run that sees it
  closed freezes its lines as Parquet (``<lakehouse>/finance/locked_commission/``); from then
  on its statement is read from the freeze, never recomputed;
* a change to the inputs of a closed period (fresh line differs from the frozen one, appears
  or disappears) becomes an adjustment line in the next open period, naming the original line;
* manual adjustments from ``commission_config.yml`` (person, period, amount, reason, author).

Everything is set-based in DuckDB over the frames; a re-run over the same inputs gives the same
statements.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import yaml

CONFIG_PATH = Path(__file__).with_name("commission_config.yml")

LINE_COLUMNS = [
    "line_key", "line_kind", "user_id", "source_type", "source_id", "source_no", "order_no",
    "plan_code", "plan_version", "basis", "rule_kind", "product_line", "tier_from", "tier_to",
    "rate", "period_start", "period_end", "event_date", "split_pct", "credit_amount",
    "period_credit", "target_amount", "attainment", "basis_amount", "commission_amount",
    "rule_description", "adjustment_reason", "adjustment_author",
]


@dataclass(frozen=True)
class CommissionConfig:
    lock_through: dt.date | None = None
    adjustments: list[dict] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path = CONFIG_PATH) -> CommissionConfig:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        lock = raw.get("lock_through")
        adjustments = raw.get("adjustments") or []
        for i, adj in enumerate(adjustments):
            missing = {"employee_code", "period", "amount", "reason", "author"} - set(adj)
            if missing:
                raise ValueError(f"{path}: adjustments[{i}] lacks {sorted(missing)}")
        return cls(
            lock_through=dt.date.fromisoformat(str(lock)) if lock else None,
            adjustments=adjustments,
        )

    @property
    def next_open_period(self) -> dt.date | None:
        if self.lock_through is None:
            return None
        nxt = self.lock_through + dt.timedelta(days=1)
        return nxt.replace(day=1)


def _freeze_new_closed_periods(con: duckdb.DuckDBPyConnection, lock_dir: Path, lock_through) -> None:
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


def build_statements(
    fresh: pd.DataFrame,
    users: pd.DataFrame,
    config: CommissionConfig,
    lock_dir: Path,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Statement lines and statements from freshly computed lines (``int_commission_lines``).

    ``users`` needs user_id, employee_code, user_name, department_name.
    """
    con = duckdb.connect()
    try:
        con.register("fresh_in", fresh)
        con.register("users", users)
        con.execute("create table fresh as select * from fresh_in")
        lock = config.lock_through or dt.date(1900, 1, 1)
        if config.lock_through is not None:
            _freeze_new_closed_periods(con, lock_dir, lock)
        frozen_files = sorted(lock_dir.glob("period=*.parquet")) if lock_dir.exists() else []
        if frozen_files:
            files = ", ".join(f"'{f}'" for f in frozen_files)
            con.execute(f"create table frozen as select * from read_parquet([{files}], union_by_name = true)")
        else:
            con.execute("create table frozen as select * from fresh where false")
        next_open = config.next_open_period or dt.date(1900, 1, 1)
        next_end = (pd.Timestamp(next_open) + pd.offsets.MonthEnd(0)).date()
        adjustments = pd.DataFrame(
            config.adjustments, columns=["employee_code", "period", "amount", "reason", "author"]
        ).astype({"employee_code": str, "period": str, "reason": str, "author": str})
        con.register("manual", adjustments)
        unknown = con.execute(
            "select employee_code from manual anti join users using (employee_code)"
        ).fetchall()
        if unknown:
            raise ValueError(
                f"commission_config.yml: adjustments name unknown employee_code {[u[0] for u in unknown]}"
            )
        lines = con.execute(
            """
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
                    coalesce(f.rule_description, z.rule_description) as rule_description
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
                    'system' as adjustment_author
                from changes
            ),
            manual_lines as (
                select
                    'MAN|' || manual.employee_code || '|' || manual.period || '|' || row_number()
                        over (partition by manual.employee_code, manual.period order by manual.reason) as line_key,
                    'manual_adjustment' as line_kind,
                    users.user_id, 'adjustment' as source_type, null as source_id, null as source_no,
                    null as order_no, null as plan_code, null as plan_version, null as basis,
                    'manual adjustment' as rule_kind, null as product_line, null as tier_from,
                    null as tier_to, null as rate,
                    strptime(manual.period || '-01', '%Y-%m-%d')::date as period_start,
                    last_day(strptime(manual.period || '-01', '%Y-%m-%d')::date) as period_end,
                    strptime(manual.period || '-01', '%Y-%m-%d')::date as event_date,
                    null as split_pct, null as credit_amount, null as period_credit,
                    null as target_amount, null as attainment, null as basis_amount,
                    round(manual.amount::decimal(18, 2), 2) as commission_amount,
                    manual.reason as rule_description, manual.reason as adjustment_reason,
                    manual.author as adjustment_author
                from manual
                inner join users using (employee_code)
            ),
            all_lines as (
                select {cols} from open_lines
                union all by name select {cols} from locked_lines
                union all by name select {cols} from change_lines
                union all by name select {cols} from manual_lines
            )
            select
                all_lines.*,
                users.employee_code, users.user_name, users.department_name,
                case when all_lines.period_end <= $lock then 'locked' else 'open' end as period_status
            from all_lines
            left join users using (user_id)
            order by user_id, period_start, event_date, line_key
            """.replace("{cols}", ", ".join(LINE_COLUMNS)),
            {"lock": lock, "next_open": next_open, "next_end": next_end},
        ).df()
        con.register("lines", lines)
        statements = con.execute(
            """
            select
                user_id, any_value(employee_code) as employee_code, any_value(user_name) as user_name,
                any_value(department_name) as department_name,
                period_start, period_end,
                count(*) as line_count,
                sum(coalesce(credit_amount, 0)) filter (where line_kind = 'commission' and rule_kind <> 'marginal tier')
                  + coalesce(sum(basis_amount) filter (where rule_kind = 'marginal tier'), 0) as credited_amount,
                sum(commission_amount) filter (where line_kind = 'commission') as commission_amount,
                coalesce(sum(commission_amount) filter (where line_kind <> 'commission'), 0) as adjustment_amount,
                sum(commission_amount) as total_amount,
                case when period_end <= $lock then 'locked' else 'open' end as status
            from lines
            group by user_id, period_start, period_end
            order by user_id, period_start
            """,
            {"lock": lock},
        ).df()
        for frame in (lines, statements):
            for col in ("commission_amount", "total_amount", "adjustment_amount", "credited_amount"):
                if col in frame:
                    frame[col] = frame[col].astype(float).round(2)
        return lines, statements
    finally:
        con.close()
