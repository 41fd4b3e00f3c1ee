"""The commission asset computes in the warehouse (set-based, no Python frames: issue 16, S=100
under 8 GiB) and publishes exactly what the frame computation publishes (``build_statements`` over
Arrow tables read from the warehouse, what the asset did before): same column types, same rows.

Four runs over case P's people (test_commission_paid.py): drafts; 小林's March paid and 小陈's
approved; the data change and March is locked (小林's paid March stays frozen, its changes land in
April; 小陈's March is frozen from this run); 小陈's March order changes again after the lock (a
locked_period_change line in April). A manual adjustment is applied, another is not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
from test_commission_paid import AFTER, BEFORE, USERS, _approvals, _fresh

from pipelines.finance.assets import write_statements
from pipelines.finance.commission import ADJUSTMENT_TYPES, build_statements
from pipelines.finance.commission_paid import APPROVAL_TYPES

LATER = [(u, no, day, 25_000 if no == "O-8" else credit) for u, no, day, credit in AFTER]
ADJUSTMENTS = pa.Table.from_pylist([
    {"commission_adjustment_id": 1, "user_id": 7, "period": "2026-04", "amount": Decimal("300.00"),
     "reason": "SPIFF", "author": "finance1", "status": "applied"},
    {"commission_adjustment_id": 2, "user_id": 99, "period": "2026-04", "amount": Decimal("50.00"),
     "reason": "typo", "author": "finance1", "status": "unknown person"},
])


def _load(con: duckdb.DuckDBPyConnection, fresh: pa.Table, approvals: pa.Table | None) -> None:
    """The asset's inputs as dbt leaves them in the warehouse (the frames are registered under
    names of their own: the asset's temp tables shadow Python variables of the same name)."""
    con.register("fresh_frame", fresh)
    con.register("users_frame", USERS.append_column("department_id", pa.array([1, 1])))
    con.register("adjustments_frame", ADJUSTMENTS)
    if approvals is not None:
        con.register("approvals_frame", approvals)
    empty = f"select {', '.join(f'null::{t} as {c}' for c, t in APPROVAL_TYPES.items())} where false"
    for schema in ("intermediate", "staging", "finance"):
        con.execute(f"create schema if not exists {schema}")
    con.execute("create or replace table intermediate.int_commission_lines as select * from fresh_frame")
    con.execute("create or replace table staging.stg_crm__users as "
                "select user_id, employee_code, user_name, department_id from users_frame")
    con.execute("create or replace table staging.stg_crm__departments as "
                "select 1::bigint as department_id, '华东销售部' as department_name")
    con.execute("create or replace table finance.commission_adjustments as select * from adjustments_frame")
    con.execute("create or replace table staging.stg_ops__commission_statement_approvals as "
                + ("select * from approvals_frame" if approvals is not None else empty))


def _frame_path(con: duckdb.DuckDBPyConnection, finance_dir: Path, lock: dt.date | None,
                previous: pa.Table | None) -> tuple[pa.Table, pa.Table]:
    """What the asset did before: every input fetched into Arrow, computed in its own connection."""
    approvals = con.execute(f"select {', '.join(APPROVAL_TYPES)} from staging.stg_ops__commission_statement_approvals"
                            ).fetch_arrow_table()
    if previous is not None:
        con.register("previous_all", previous)
        previous = con.execute("""select lines.* from previous_all as lines
                                  semi join staging.stg_ops__commission_statement_approvals as paid
                                      on paid.user_id = lines.user_id and paid.period_start = lines.period_start
                                     and paid.status = 'paid'""").fetch_arrow_table()
        con.unregister("previous_all")
    return build_statements(
        con.execute("select * from intermediate.int_commission_lines").fetch_arrow_table(),
        con.execute("""select u.user_id, u.employee_code, u.user_name, d.department_name from staging.stg_crm__users u
                       left join staging.stg_crm__departments d using (department_id)""").fetch_arrow_table(),
        finance_dir / "locked_commission", lock_through=lock,
        adjustments=con.execute(f"select {', '.join(ADJUSTMENT_TYPES)} from finance.commission_adjustments "
                                "where status = 'applied' order by commission_adjustment_id").fetch_arrow_table(),
        approvals=approvals, previous_lines=previous, paid_dir=finance_dir / "paid_commission")


def _published(con: duckdb.DuckDBPyConnection, table: str) -> tuple[list, list]:
    return (con.execute(f"describe finance.{table}").fetchall(),
            con.execute(f"select * from finance.{table} order by all").fetchall())


def test_the_warehouse_computation_publishes_the_frame_computation(tmp_path):
    paid = _approvals((7, "2026-03-01", "paid", "8000.00"), (8, "2026-03-01", "approved", "1000.00"))
    runs = [(BEFORE, None, None), (BEFORE, paid, None), (AFTER, paid, dt.date(2026, 3, 31)),
            (LATER, paid, dt.date(2026, 3, 31))]
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    frame_con = duckdb.connect(str(tmp_path / "frames.duckdb"))
    previous = None
    kinds = set()
    for orders, approvals, lock in runs:
        for c in (con, frame_con):
            _load(c, _fresh(orders), approvals)
        summary = write_statements(con, tmp_path / "warehouse" / "finance", lock)
        lines, statements = _frame_path(frame_con, tmp_path / "frames" / "finance", lock, previous)
        for name, frame in (("commission_statement_lines", lines), ("commission_statements", statements)):
            frame_con.register("frame_in", frame)  # as the asset wrote them before
            frame_con.execute(f"create or replace table finance.{name} as select * from frame_in")
            frame_con.unregister("frame_in")
            assert _published(con, name) == _published(frame_con, name)
        assert (summary["lines"], summary["statements"]) == (lines.num_rows, statements.num_rows)
        assert summary["adjustments_applied"] == 1 and len(summary["adjustments_not_applied"]) == 1
        previous = lines
        kinds |= {r[0] for r in con.execute("select distinct line_kind from finance.commission_statement_lines").fetchall()}
    assert kinds == {"commission", "manual_adjustment", "paid_statement_change", "locked_period_change"}
    april = con.execute("""select total_amount from finance.commission_statements
                           where user_id = 7 and period_start = '2026-04-01'""").fetchone()[0]
    assert april == Decimal("5000.00")  # 2,000 + paid March's changes 1,200 + 1,500 + manual 300
    assert summary["approval_checks"] == ["小陈 2026-03: changed since approval: reopen and approve again"]
