"""Finance assets written in Python after dbt: commission statements (locked periods,
manual adjustments from the store); payment-delay risk lives in payment_risk.py."""


import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb

from kernel.config import load_business_settings
from kernel.outcomes import missing_inputs, record_outcome
from pipelines import duckdb_session
from pipelines.finance.commission import ADJUSTMENT_TYPES, compute_statements
from pipelines.finance.commission_paid import APPROVAL_TYPES
from pipelines.finance.payment_risk import payment_risk
from pipelines.resources import LakehouseResource

CAPABILITY = "finance.commission"
COMMISSION_LINES = dg.AssetKey(["intermediate", "int_commission_lines"])
USERS = dg.AssetKey(["staging", "stg_crm__users"])
DEPARTMENTS = dg.AssetKey(["staging", "stg_crm__departments"])
ADJUSTMENTS = dg.AssetKey(["finance", "commission_adjustments"])  # dbt mart over the store's adjustments
APPROVALS = dg.AssetKey(["staging", "stg_ops__commission_statement_approvals"])  # 提成审批 in the store
DEPS = [COMMISSION_LINES, USERS, DEPARTMENTS, ADJUSTMENTS, APPROVALS]


def _publish(con: duckdb.DuckDBPyConnection, table: str, temp_table: str) -> int:
    """``finance.<table>`` from a temp table :func:`compute_statements` left; its row count."""
    con.execute("create schema if not exists finance")
    con.execute(f"create or replace table finance.{table} as select * from temp.main.{temp_table}")
    return con.execute(f"select count(*) from finance.{table}").fetchone()[0]


def _stage_inputs(con: duckdb.DuckDBPyConnection) -> None:
    """The relations :func:`compute_statements` reads, as temp views over the warehouse (the
    lines the last run published of paid statements as a table: the run replaces them)."""
    con.execute("create or replace temp view fresh_in as select * from intermediate.int_commission_lines")
    con.execute("""create or replace temp view users as
                   select u.user_id, u.employee_code, u.user_name, d.department_name
                   from staging.stg_crm__users u
                   left join staging.stg_crm__departments d using (department_id)""")
    con.execute(f"""create or replace temp view manual_in as
                    select {", ".join(ADJUSTMENT_TYPES)} from finance.commission_adjustments
                    where status = 'applied'""")
    con.execute(f"""create or replace temp view approvals_in as
                    select {', '.join(APPROVAL_TYPES)} from staging.stg_ops__commission_statement_approvals""")
    if con.execute("select count(*) from information_schema.tables "
                   "where table_schema = 'finance' and table_name = 'commission_statement_lines'").fetchone()[0]:
        con.execute("""create or replace temp table previous as
                       select lines.* from finance.commission_statement_lines as lines
                       semi join staging.stg_ops__commission_statement_approvals as paid
                           on paid.user_id = lines.user_id and paid.period_start = lines.period_start
                          and paid.status = 'paid'""")


def write_statements(con: duckdb.DuckDBPyConnection, finance_dir: Path, lock_through: dt.date | None,
                     log: Callable[[str], None] = lambda message: None) -> dict:
    """``finance.commission_statement_lines`` and ``finance.commission_statements`` computed in
    the warehouse ``con`` (freezes under ``finance_dir``); what the run's outcome records."""
    _stage_inputs(con)
    applied = con.execute("select count(*) from manual_in").fetchone()[0]
    not_applied = [
        f"adjustment {i} ({period}, {amount} CNY by {author}): {status} user_id {user_id}"
        for i, user_id, period, amount, author, status in con.execute(
            """select commission_adjustment_id, user_id, period, amount, author, status
               from finance.commission_adjustments where status <> 'applied' order by 1"""
        ).fetchall()
    ]
    log(f"commission: {con.execute('select count(*) from fresh_in').fetchone()[0]} computed lines, "
        f"lock_through {lock_through}, {applied} manual adjustment(s)")
    compute_statements(con, finance_dir / "locked_commission", lock_through=lock_through,
                       paid_dir=finance_dir / "paid_commission")
    checks = [f"{name} {period_start:%Y-%m}: {check}" for name, period_start, check in con.execute(
        "select user_name, period_start, approval_check from statements where approval_check is not null "
        "order by user_id, period_start").fetchall()]
    return {"lines": _publish(con, "commission_statement_lines", "lines"),
            "statements": _publish(con, "commission_statements", "statements"),
            "adjustments_applied": applied, "adjustments_not_applied": not_applied, "approval_checks": checks}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["finance", "commission_statement_lines"], deps=DEPS,
                     description="One line per person x order/receipt x rule, with why; locked periods frozen; "
                                 "manual adjustments from the store.",
                     group_name="finance"),
        dg.AssetSpec(["finance", "commission_statements"], deps=DEPS,
                     description="Totals per person per period with status (locked/open).",
                     group_name="finance"),
    ],
)
def commission_statements(context: dg.AssetExecutionContext, lakehouse: LakehouseResource):
    settings = lakehouse.settings
    lock_through = load_business_settings(settings.config_dir).commission.lock_through
    started = time.perf_counter()
    with duckdb_session.connect(str(settings.warehouse_path)) as con:
        summary = write_statements(con, settings.lakehouse_dir / "finance", lock_through, log=context.log.info)
        reason = "; ".join(missing_inputs(con, CAPABILITY))
        record_outcome(con, CAPABILITY, "not_computed" if reason else "computed", reason, **summary)
    n_lines, n_statements, checks = summary["lines"], summary["statements"], summary["approval_checks"]
    applied, not_applied = summary["adjustments_applied"], summary["adjustments_not_applied"]
    if checks:  # never fatal: shown on the 提成审批 page
        context.log.warning("commission: approved statements to look at: " + "; ".join(checks))
    if not_applied:  # never fatal: listed in finance.commission_review until corrected or voided
        context.log.warning("commission: manual adjustments NOT applied (see finance.commission_review): "
                            + "; ".join(not_applied))
    seconds = round(time.perf_counter() - started, 2)
    context.log.info(f"commission: {n_lines} lines, {n_statements} statements in {seconds}s")
    meta = {
        "lines": n_lines, "statements": n_statements, "seconds": seconds,
        "lock_through": str(lock_through) if lock_through else "none",
        "adjustments_applied": applied, "adjustments_not_applied": len(not_applied),
    }
    if not_applied:
        meta["adjustments_not_applied_detail"] = dg.MetadataValue.md("\n".join(f"- {n}" for n in not_applied))
    yield dg.MaterializeResult(asset_key=["finance", "commission_statement_lines"], metadata=meta)
    yield dg.MaterializeResult(asset_key=["finance", "commission_statements"], metadata=meta)


defs = dg.Definitions(assets=[commission_statements, payment_risk])
