"""Finance assets written in Python after dbt: commission statements (locked periods,
adjustments) and payment-delay risk scores with their backtest."""


import time

import dagster as dg
import duckdb

from pipelines.finance.commission import CommissionConfig, build_statements
from pipelines.finance.payment_risk import payment_risk
from pipelines.resources import LakehouseResource

COMMISSION_LINES = dg.AssetKey(["intermediate", "int_commission_lines"])
USERS = dg.AssetKey(["staging", "stg_crm__users"])
DEPARTMENTS = dg.AssetKey(["staging", "stg_crm__departments"])


def _write(con: duckdb.DuckDBPyConnection, table: str, frame) -> None:
    con.execute("create schema if not exists finance")
    con.register("frame_in", frame)
    con.execute(f"create or replace table finance.{table} as select * from frame_in")
    con.unregister("frame_in")


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["finance", "commission_statement_lines"], deps=[COMMISSION_LINES, USERS, DEPARTMENTS],
                     description="One line per person x order/receipt x rule, with why; locked periods frozen.",
                     group_name="finance"),
        dg.AssetSpec(["finance", "commission_statements"], deps=[COMMISSION_LINES, USERS, DEPARTMENTS],
                     description="Totals per person per period with status (locked/open).",
                     group_name="finance"),
    ],
)
def commission_statements(context: dg.AssetExecutionContext, lakehouse: LakehouseResource):
    settings = lakehouse.settings
    config = CommissionConfig.load()
    started = time.perf_counter()
    with duckdb.connect(str(settings.warehouse_path)) as con:
        fresh = con.execute("select * from intermediate.int_commission_lines").df()
        users = con.execute(
            """select u.user_id, u.employee_code, u.user_name, d.department_name
               from staging.stg_crm__users u
               left join staging.stg_crm__departments d using (department_id)"""
        ).df()
        context.log.info(f"commission: {len(fresh)} computed lines, lock_through {config.lock_through}")
        lines, statements = build_statements(
            fresh, users, config, settings.lakehouse_dir / "finance" / "locked_commission"
        )
        _write(con, "commission_statement_lines", lines)
        _write(con, "commission_statements", statements)
    seconds = round(time.perf_counter() - started, 2)
    context.log.info(f"commission: {len(lines)} lines, {len(statements)} statements in {seconds}s")
    meta = {"lines": len(lines), "statements": len(statements), "seconds": seconds}
    yield dg.MaterializeResult(asset_key=["finance", "commission_statement_lines"], metadata=meta)
    yield dg.MaterializeResult(asset_key=["finance", "commission_statements"], metadata=meta)


defs = dg.Definitions(assets=[commission_statements, payment_risk])
