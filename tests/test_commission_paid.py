"""Hand-computed case P: a statement approved, then paid, then its data changing (issue 20 item 6).

Rep 7 (小林), March 2026, flat 5 %: O-1 100,000 -> 5,000.00 and O-2 60,000 -> 3,000.00, total
8,000.00; April: O-4 40,000 -> 2,000.00. Rep 8 (小陈), March: O-8 20,000 -> 1,000.00.
Run 0: nothing approved: every statement draft. Finance approves 小林's March at 8,000.00 and
pays it, approves 小陈's March at 1,000.00 (not paid).
Run 1: 小林 March paid, frozen from run 0's lines: 8,000.00 (5,000 + 3,000).
Then the data change: O-2 is corrected to 84,000 (-> 4,200.00, +1,200.00) and a late March order
O-3 30,000 (-> 1,500.00) appears; 小陈's O-8 becomes 22,000 (-> 1,100.00).
Run 2: 小林 March still 8,000.00 with the same two lines (frozen); April gets two
paid_statement_change lines, +1,200.00 (O-2) and +1,500.00 (O-3): April = 2,000.00 + 2,700.00 =
4,700.00. 小陈 March is only approved, so it is recomputed: 1,100.00, flagged "changed since
approval". Had April been paid as well, the changes would land in May.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest

from pipelines.finance.commission import build_statements

D = dt.date.fromisoformat
USERS = pa.table({"user_id": [7, 8], "employee_code": ["E007", "E008"], "user_name": ["小林", "小陈"],
                  "department_name": ["华东销售部", "华东销售部"]})


def _fresh(orders: list[tuple[int, str, str, int]]) -> pa.Table:
    rows = []
    for user, no, day, credit in orders:
        start = D(day).replace(day=1)
        end = D("2026-03-31") if start.month == 3 else D("2026-04-30")
        rows.append({
            "line_key": f"{user}|order|{no}|software|-|P-flat", "user_id": user, "source_type": "order",
            "source_id": int(no.split("-")[1]), "source_no": no, "order_no": no, "plan_code": "P-flat",
            "plan_version": 1, "basis": "booking", "rule_kind": "flat rate", "product_line": "software",
            "tier_from": None, "tier_to": None, "rate": Decimal("0.0500"), "period_start": start, "period_end": end,
            "event_date": D(day), "split_pct": Decimal("100.00"), "credit_amount": Decimal(credit),
            "period_credit": None, "target_amount": None, "attainment": None, "basis_amount": Decimal(credit),
            "commission_amount": (Decimal(credit) * Decimal("0.05")).quantize(Decimal("0.01")),
            "rule_description": "flat rate 5%", "credit_scope": "own",
        })
    return pa.Table.from_pylist(rows)


BEFORE = [(7, "O-1", "2026-03-05", 100_000), (7, "O-2", "2026-03-10", 60_000), (7, "O-4", "2026-04-08", 40_000),
          (8, "O-8", "2026-03-12", 20_000)]
AFTER = [(7, "O-1", "2026-03-05", 100_000), (7, "O-2", "2026-03-10", 84_000), (7, "O-3", "2026-03-28", 30_000),
         (7, "O-4", "2026-04-08", 40_000), (8, "O-8", "2026-03-12", 22_000)]


def _approvals(*rows: tuple[int, str, str, str]) -> pa.Table:
    return pa.Table.from_pylist([
        {"user_id": u, "period_start": D(p), "status": s, "approved_total": Decimal(t), "approved_by": "finance1",
         "approved_at": dt.datetime(2026, 4, 3, 10), "paid_by": "finance1" if s == "paid" else None,
         "paid_at": dt.datetime(2026, 4, 5, 9) if s == "paid" else None, "payment_reference": None}
        for u, p, s, t in rows])


def _statement(statements: pa.Table, user: int, period: str) -> dict:
    (row,) = [r for r in statements.to_pylist() if r["user_id"] == user and r["period_start"] == D(period)]
    return row


@pytest.fixture()
def runs(tmp_path):
    lock_dir = tmp_path / "finance" / "locked_commission"
    lines0, statements0 = build_statements(_fresh(BEFORE), USERS, lock_dir)
    approvals = _approvals((7, "2026-03-01", "paid", "8000.00"), (8, "2026-03-01", "approved", "1000.00"))
    lines1, statements1 = build_statements(_fresh(BEFORE), USERS, lock_dir, approvals=approvals, previous_lines=lines0)
    lines2, statements2 = build_statements(_fresh(AFTER), USERS, lock_dir, approvals=approvals, previous_lines=lines1)
    return statements0, (lines1, statements1), (lines2, statements2), tmp_path


def test_before_approval_every_statement_is_draft(runs):
    statements0 = runs[0]
    assert {r["approval_status"] for r in statements0.to_pylist()} == {"draft"}


def test_paid_statement_keeps_its_figures_after_the_data_changes(runs):
    _, (_, statements1), (lines2, statements2), _ = runs
    for statements in (statements1, statements2):
        march = _statement(statements, 7, "2026-03-01")
        assert (march["approval_status"], march["total_amount"], march["line_count"], march["approval_check"]) == (
            "paid", Decimal("8000.00"), 2, None)
    march_lines = [(r["source_no"], r["commission_amount"]) for r in lines2.to_pylist()
                   if r["user_id"] == 7 and r["period_start"] == D("2026-03-01")]
    assert march_lines == [("O-1", Decimal("5000.00")), ("O-2", Decimal("3000.00"))]


def test_changes_to_a_paid_statement_land_on_the_next_open_one(runs):
    _, _, (lines2, statements2), _ = runs
    april = _statement(statements2, 7, "2026-04-01")
    assert (april["commission_amount"], april["adjustment_amount"], april["total_amount"]) == (
        Decimal("2000.00"), Decimal("2700.00"), Decimal("4700.00"))
    changes = sorted((r["source_no"], r["commission_amount"], r["adjustment_reason"]) for r in lines2.to_pylist()
                     if r["line_kind"] == "paid_statement_change")
    assert changes == [
        ("O-2", Decimal("1200.00"), "change to paid statement 2026-03 after it was paid (line 7|order|O-2|software|-|P-flat)"),
        ("O-3", Decimal("1500.00"), "change to paid statement 2026-03 after it was paid (line 7|order|O-3|software|-|P-flat)"),
    ]


def test_approved_but_unpaid_statement_is_recomputed_and_flagged(runs):
    _, (_, statements1), (_, statements2), _ = runs
    assert _statement(statements1, 8, "2026-03-01")["approval_check"] is None
    chen = _statement(statements2, 8, "2026-03-01")
    assert (chen["approval_status"], chen["total_amount"], chen["approved_total"]) == (
        "approved", Decimal("1100.00"), Decimal("1000.00"))
    assert chen["approval_check"] == "changed since approval: reopen and approve again"


def test_when_the_next_month_is_paid_too_the_change_moves_further(tmp_path):
    lock_dir = tmp_path / "finance" / "locked_commission"
    lines0, _ = build_statements(_fresh(BEFORE), USERS, lock_dir)
    approvals = _approvals((7, "2026-03-01", "paid", "8000.00"), (7, "2026-04-01", "paid", "2000.00"))
    lines1, _ = build_statements(_fresh(BEFORE), USERS, lock_dir, approvals=approvals, previous_lines=lines0)
    lines2, statements2 = build_statements(_fresh(AFTER), USERS, lock_dir, approvals=approvals, previous_lines=lines1)
    assert _statement(statements2, 7, "2026-04-01")["total_amount"] == Decimal("2000.00")
    may = _statement(statements2, 7, "2026-05-01")
    assert (may["total_amount"], may["approval_status"], may["period_end"]) == (
        Decimal("2700.00"), "draft", D("2026-05-31"))
