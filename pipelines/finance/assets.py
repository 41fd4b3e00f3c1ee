"""Finance assets written in Python after dbt: commission statements (locked periods,
manual adjustments from the store); payment-delay risk lives in payment_risk.py."""


import time

import dagster as dg
import duckdb

from kernel.config import load_business_settings
from kernel.outcomes import missing_inputs, record_outcome
from pipelines import duckdb_session
from pipelines.finance.commission import ADJUSTMENT_TYPES, build_statements
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


def _write(con: duckdb.DuckDBPyConnection, table: str, frame) -> None:
    con.execute("create schema if not exists finance")
    con.register("frame_in", frame)
    con.execute(f"create or replace table finance.{table} as select * from frame_in")
    con.unregister("frame_in")


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
        fresh = con.execute("select * from intermediate.int_commission_lines").fetch_arrow_table()
        users = con.execute(
            """select u.user_id, u.employee_code, u.user_name, d.department_name
               from staging.stg_crm__users u
               left join staging.stg_crm__departments d using (department_id)"""
        ).fetch_arrow_table()
        adjustments = con.execute(
            f"""select {", ".join(ADJUSTMENT_TYPES)} from finance.commission_adjustments
                where status = 'applied' order by commission_adjustment_id"""
        ).fetch_arrow_table()
        not_applied = [
            f"adjustment {i} ({period}, {amount} CNY by {author}): {status} user_id {user_id}"
            for i, user_id, period, amount, author, status in con.execute(
                """select commission_adjustment_id, user_id, period, amount, author, status
                   from finance.commission_adjustments where status <> 'applied' order by 1"""
            ).fetchall()
        ]
        approvals = con.execute(
            f"select {', '.join(APPROVAL_TYPES)} from staging.stg_ops__commission_statement_approvals"
        ).fetch_arrow_table()
        # what the last run published, of the paid statements: one paid since is frozen as the payer saw it
        previous = con.execute(
            """select lines.* from finance.commission_statement_lines as lines
               semi join staging.stg_ops__commission_statement_approvals as paid
                   on paid.user_id = lines.user_id and paid.period_start = lines.period_start
                  and paid.status = 'paid'"""
        ).fetch_arrow_table() if con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'finance' and table_name = 'commission_statement_lines'"
        ).fetchone()[0] else None
        context.log.info(f"commission: {fresh.num_rows} computed lines, lock_through {lock_through}, "
                         f"{adjustments.num_rows} manual adjustment(s)")
        lines, statements = build_statements(
            fresh, users, settings.lakehouse_dir / "finance" / "locked_commission",
            lock_through=lock_through, adjustments=adjustments, approvals=approvals, previous_lines=previous,
            paid_dir=settings.lakehouse_dir / "finance" / "paid_commission",
        )
        checks = [f"{r['user_name']} {r['period_start']:%Y-%m}: {r['approval_check']}"
                  for r in statements.to_pylist() if r["approval_check"]]
        _write(con, "commission_statement_lines", lines)
        _write(con, "commission_statements", statements)
        reason = "; ".join(missing_inputs(con, CAPABILITY))
        record_outcome(con, CAPABILITY, "not_computed" if reason else "computed", reason,
                       lines=lines.num_rows, statements=statements.num_rows,
                       adjustments_applied=adjustments.num_rows, adjustments_not_applied=not_applied,
                       approval_checks=checks)
    if checks:  # never fatal: shown on the 提成审批 page
        context.log.warning("commission: approved statements to look at: " + "; ".join(checks))
    if not_applied:  # never fatal: listed in finance.commission_review until corrected or voided
        context.log.warning("commission: manual adjustments NOT applied (see finance.commission_review): "
                            + "; ".join(not_applied))
    seconds = round(time.perf_counter() - started, 2)
    context.log.info(f"commission: {lines.num_rows} lines, {statements.num_rows} statements in {seconds}s")
    meta = {
        "lines": lines.num_rows, "statements": statements.num_rows, "seconds": seconds,
        "lock_through": str(lock_through) if lock_through else "none",
        "adjustments_applied": adjustments.num_rows, "adjustments_not_applied": len(not_applied),
    }
    if not_applied:
        meta["adjustments_not_applied_detail"] = dg.MetadataValue.md("\n".join(f"- {n}" for n in not_applied))
    yield dg.MaterializeResult(asset_key=["finance", "commission_statement_lines"], metadata=meta)
    yield dg.MaterializeResult(asset_key=["finance", "commission_statements"], metadata=meta)


defs = dg.Definitions(assets=[commission_statements, payment_risk])
