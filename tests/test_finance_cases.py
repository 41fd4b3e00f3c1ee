"""The hand-computed finance cases (ar_aging A1-A3, commission C1-C5, the delivery revenue rule)
with their exact figures, on a tiny staging warehouse built by the real finance dbt models."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pytest
from finance_fixtures import AGING_AS_OF_SQL, create_case_warehouse, run_finance_dbt

from pipelines.finance.commission import ADJUSTMENT_TYPES, build_statements

D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def case_db(tmp_path_factory):
    work = tmp_path_factory.mktemp("finance_cases")
    warehouse = create_case_warehouse(work / "warehouse.duckdb")
    run_finance_dbt(warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    yield con
    con.close()


def rows(con, sql, params=()):
    return con.execute(sql, list(params)).fetchall()


# ---------------------------------------------------------------- A1 point-in-time aging

A1_AT_0630 = {
    701: (Decimal("70000.00"), 15, "1-30"),
    702: (Decimal("50000.00"), -15, "current"),
    703: (Decimal("80000.00"), 90, "61-90"),  # its receipt is dated 2026-07-02: no leak
    704: (Decimal("20000.00"), 91, "91-180"),
    705: (Decimal("10000.00"), 211, "181+"),
}


def test_a1_aging_as_of_2026_06_30(case_db):
    got = rows(case_db, """select installment_id, open_amount, days_overdue, bucket from finance.ar_aging
                           where as_of_date = '2026-06-30' and account_id = 401""")
    assert {r[0]: r[1:] for r in got} == A1_AT_0630  # I6 (paid on its due date) is closed
    total, overdue = rows(case_db, """select sum(open_amount), sum(open_amount) filter (where days_overdue > 0)
                                      from finance.ar_aging where as_of_date = '2026-06-30' and account_id = 401""")[0]
    assert total == Decimal("230000.00")
    assert overdue == Decimal("180000.00")


def test_a1_aging_as_of_2026_07_31(case_db):
    got = {r[0]: r[1:] for r in rows(case_db, """select installment_id, open_amount, days_overdue, bucket
        from finance.ar_aging where as_of_date = '2026-07-31' and account_id = 401""")}
    assert 703 not in got  # I3 closed
    assert got[702] == (Decimal("50000.00"), 16, "1-30")
    assert got[701] == (Decimal("70000.00"), 46, "31-60")


def test_a1_on_demand_aging_equals_month_end_and_works_any_day(case_db):
    on_demand = case_db.execute(AGING_AS_OF_SQL, ["2026-06-30"]).df()
    got = {r.installment_id: (r.open_amount, r.days_overdue, r.bucket)
           for r in on_demand[on_demand.account_id == 401].itertuples()}
    assert got == A1_AT_0630
    # 2026-07-01: I3 still open (receipt on 07-02), 91 days -> 91-180
    mid = case_db.execute(AGING_AS_OF_SQL, ["2026-07-01"]).df().set_index("installment_id")
    assert (mid.loc[703, "open_amount"], mid.loc[703, "bucket"]) == (Decimal("80000.00"), "91-180")
    assert mid.loc[701, "days_overdue"] == 16


# ---------------------------------------------------------------- A2 FIFO and credit

def test_a2_unallocated_receipt_fifo_and_credit(case_db):
    alloc = rows(case_db, """select installment_id, allocation_type, allocated_amount from finance.receipt_allocations
                             where receipt_no = 'R-K' order by installment_id nulls last""")
    assert alloc == [(711, "fifo", Decimal("40000.00")), (712, "fifo", Decimal("40000.00")),
                     (None, "credit", Decimal("20000.00"))]
    assert rows(case_db, "select status, open_amount from finance.installments where account_id = 404") == [
        ("paid", Decimal("0.00")), ("paid", Decimal("0.00"))]
    assert rows(case_db, "select credit_balance from finance.customer_credit_balances where customer_id = 404") == [
        (Decimal("20000.00"),)]
    assert rows(case_db, "select count(*) from finance.ar_aging where account_id = 404 and as_of_date >= '2026-06-30'") == [(0,)]
    assert rows(case_db, "select min(open_amount) from finance.installments") == [(Decimal("0.00"),)]


# ---------------------------------------------------------------- A3 overdue warnings

def test_a3_one_warning_per_overdue_installment_addressed_to_owner(case_db):
    got = rows(case_db, """select installment_id, owner_name, account_name, contract_no, open_amount, days_overdue, message
                           from finance.overdue_warnings order by installment_id""")
    assert [(r[0], r[4], r[5]) for r in got] == [
        (701, Decimal("70000.00"), 46), (702, Decimal("50000.00"), 16),
        (704, Decimal("20000.00"), 122), (705, Decimal("10000.00"), 242)]
    for r in got:
        assert r[1] == "王会计" and r[2] == "A1客户有限公司" and r[3] == "HT-A1"
        assert "王会计" in r[6] and "A1客户有限公司" in r[6] and "HT-A1" in r[6] and "天" in r[6]
    # I3 was overdue at 2026-06-30 and is paid now: its warning has cleared itself
    assert rows(case_db, "select count(*) from finance.overdue_warnings where installment_id = 703") == [(0,)]


# ---------------------------------------------------------------- bank matching, review

def test_bank_receipts_matched_and_unclaimed_listed(case_db):
    got = dict(rows(case_db, "select bank_txn_no, match_status from finance.bank_receipt_matching"))
    assert got == {"B801": "matched_by_receipt_no", "B803": "matched_by_bank_txn_no", "B999": "unclaimed"}


def test_receipt_for_unknown_contract_is_reviewed_not_applied(case_db):
    (msg,) = rows(case_db, "select message from finance.commission_review where problem = 'unknown_contract'")[0]
    assert "R-BAD" in msg and "contract_id 999" in msg
    assert rows(case_db, "select count(*) from finance.receipt_allocations where receipt_no = 'R-BAD'") == [(0,)]


# ---------------------------------------------------------------- refund signs (RF1, RF2)
# An installment of 10,000.00, a receipt of 10,000.00, then 1,500.00 paid back: the refund
# reopens 1,500.00 whether the file wrote it +1,500.00 (RF1) or -1,500.00 (RF2). A receipt (not a
# refund) with a negative amount is ambiguous: reviewed, never applied (RF2's R-NEG).

@pytest.mark.parametrize(("installment_id", "refund_no"), [(713, "R-RF1-BACK"), (714, "R-RF2-BACK")])
def test_refund_reopens_its_slice_whichever_sign_it_was_written_with(case_db, installment_id, refund_no):
    assert rows(case_db, "select status, open_amount from finance.installments where installment_id = ?",
                [installment_id]) == [("open", Decimal("1500.00"))]
    assert rows(case_db, """select receipt_type, receipt_amount, allocated_amount from finance.receipt_allocations
                            where receipt_no = ?""", [refund_no]) == [
        ("refund", Decimal("-1500.00"), Decimal("-1500.00"))]
    aged = rows(case_db, """select open_amount, bucket from finance.ar_aging
                            where installment_id = ? and as_of_date = '2026-06-30'""", [installment_id])
    assert aged == [(Decimal("1500.00"), "current")]


def test_negative_receipt_is_reviewed_not_applied(case_db):
    ((problem, message),) = rows(case_db, "select problem, problem_message from finance.receipt_review "
                                          "where receipt_no = 'R-NEG'")
    assert problem == "negative_receipt"
    assert "R-NEG" in message and "855" in message and "-2000.00" in message and "refund" in message
    assert rows(case_db, "select count(*) from finance.receipt_allocations where receipt_no = 'R-NEG'") == [(0,)]


# ---------------------------------------------------------------- commission

def commission(con, user: str, period: str | None = None) -> Decimal:
    sql = """select sum(l.commission_amount) from intermediate.int_commission_lines l
             join staging.stg_crm__users u using (user_id) where u.user_name = ?"""
    params = [user]
    if period:
        sql += " and l.period_start = ?"
        params.append(period)
    return con.execute(sql, params).fetchone()[0]


def test_c1_split_credit(case_db):
    got = rows(case_db, """select u.user_name, l.split_pct, l.credit_amount, l.commission_amount, l.plan_code, l.rate, l.basis
                           from intermediate.int_commission_lines l join staging.stg_crm__users u using (user_id)
                           where l.order_no = 'O-1' order by u.user_name""")
    assert got == [
        ("乙", Decimal("20.00"), Decimal("100000.00"), Decimal("5000.00"), "P-flat", Decimal("0.0500"), "booking"),
        ("甲", Decimal("80.00"), Decimal("400000.00"), Decimal("20000.00"), "P-flat", Decimal("0.0500"), "booking"),
    ]


def test_c1_splits_not_100_rejected_with_message(case_db):
    (msg,) = rows(case_db, "select message from finance.commission_review where problem = 'split_not_100'")[0]
    assert "O-1X" in msg and "90.00%" in msg
    assert rows(case_db, "select count(*) from intermediate.int_commission_lines where order_no = 'O-1X'") == [(0,)]


def test_c2_marginal_tiers(case_db):
    assert commission(case_db, "A") == Decimal("24000.00")
    assert commission(case_db, "B") == Decimal("30400.00")
    b = rows(case_db, """select tier_from, basis_amount, rate, commission_amount, attainment from intermediate.int_commission_lines
                         where order_no = 'O-2B' order by tier_from""")
    assert [r[:4] for r in b] == [
        (Decimal("0.0000"), Decimal("600000.00"), Decimal("0.0300"), Decimal("18000.00")),
        (Decimal("1.0000"), Decimal("120000.00"), Decimal("0.0500"), Decimal("6000.00")),
        (Decimal("1.2000"), Decimal("80000.00"), Decimal("0.0800"), Decimal("6400.00")),
    ]
    assert b[0][4] == Decimal("1.3333")


def test_c2_retroactive_tiers(case_db):
    assert commission(case_db, "A2") == Decimal("24000.00")
    assert commission(case_db, "B2") == Decimal("64000.00")


def test_c3_product_line_rates(case_db):
    got = dict(rows(case_db, "select product_line, commission_amount from intermediate.int_commission_lines where order_no = 'O-3'"))
    assert got == {"hardware": Decimal("2000.00"), "software": Decimal("3000.00"), "service": Decimal("1000.00")}
    assert commission(case_db, "C") == Decimal("6000.00")


def test_c4_collection_basis_with_clawback(case_db):
    assert commission(case_db, "D", "2026-02-01") == Decimal("4000.00")
    assert commission(case_db, "D", "2026-03-01") == Decimal("6000.00")
    assert commission(case_db, "D", "2026-04-01") == Decimal("-2500.00")
    assert commission(case_db, "D") == Decimal("7500.00")
    assert rows(case_db, "select count(*) from intermediate.int_commission_lines where order_no = 'O-4' and basis <> 'collection'") == [(0,)]


def test_c4_receipt_without_plan_shows_no_active_plan(case_db):
    got = rows(case_db, """select source_no, commission_amount, rule_description from intermediate.int_commission_lines
                           where order_no = 'O-4N'""")
    assert got == [("R-O4N", Decimal("0.00"), "no active plan")]


def test_c5_effective_dated_plans(case_db):
    assert commission(case_db, "E", "2026-03-01") == Decimal("5000.00")
    assert commission(case_db, "E", "2026-04-01") == Decimal("15200.00")


def test_overlapping_plans_reviewed_not_credited(case_db):
    (msg,) = rows(case_db, """select message from finance.commission_review
                              where problem = 'overlapping_plans' and user_id = 11""")[0]
    assert "O-G" in msg and "P-flat" in msg and "P-prod" in msg
    assert rows(case_db, "select count(*) from intermediate.int_commission_lines where order_no = 'O-G'") == [(0,)]


# ---------------------------------------------------------------- plans by position

def plan_lines(con, user: str):
    return rows(con, """select l.order_no, l.plan_code, l.assignment_source, l.rate, l.commission_amount
                        from intermediate.int_commission_lines l join staging.stg_crm__users u using (user_id)
                        where u.user_name = ? order by l.event_date""", [user])


def test_position_plan_for_rep_without_own_assignment(case_db):
    # H (key_account_rep, no CRM assignment): P-flat 5% through 2026-05-15, P-prod from 05-16
    assert plan_lines(case_db, "H") == [
        ("O-H1", "P-flat", "position", Decimal("0.0500"), Decimal("5000.00")),  # 04-15: 100,000 x 5%
        ("O-H2", "P-flat", "position", Decimal("0.0500"), Decimal("5000.00")),  # 05-15: last day of the rule
        ("O-H3", "P-prod", "position", Decimal("0.0600"), Decimal("6000.00")),  # 05-16: software 6%
    ]
    assert commission(case_db, "H", "2026-04-01") == Decimal("5000.00")
    assert commission(case_db, "H", "2026-05-01") == Decimal("11000.00")  # rule ends mid-month


def test_own_assignment_beats_position_plan_for_its_dates(case_db):
    # J (key_account_rep) has P-flat8 in the CRM for May only; the position rule covers the rest
    assert plan_lines(case_db, "J") == [
        ("O-J1", "P-flat", "position", Decimal("0.0500"), Decimal("5000.00")),
        ("O-J2", "P-flat8", "personal", Decimal("0.0800"), Decimal("8000.00")),  # not overlapping
        ("O-J3", "P-prod", "position", Decimal("0.0600"), Decimal("6000.00")),
    ]
    assert rows(case_db, "select count(*) from finance.commission_review where user_id = 13") == [(0,)]
    # people with their own assignment keep it (C1-C5 unchanged), and say so
    assert rows(case_db, """select distinct assignment_source from intermediate.int_commission_lines
                            where user_id <= 11 and rule_kind <> 'no active plan'""") == [("personal",)]


def test_overlapping_position_rules_reviewed_not_credited(case_db):
    (msg,) = rows(case_db, """select message from finance.commission_review
                              where problem = 'overlapping_plans' and user_id = 14""")[0]
    assert "O-M" in msg and "P-flat" in msg and "P-flat8" in msg
    assert rows(case_db, "select count(*) from intermediate.int_commission_lines where order_no = 'O-M'") == [(0,)]


def test_position_rule_with_unknown_plan_is_reviewed_and_assigns_nobody(case_db):
    (msg,) = rows(case_db, "select message from finance.commission_review where problem = 'unknown_position_plan'")[0]
    assert "sales_rep" in msg and "P-nope" in msg
    # F (sales_rep, no CRM assignment) still has no plan: C4's 'no active plan' line stands
    assert rows(case_db, "select plan_code from intermediate.int_commission_lines where order_no = 'O-4N'") == [(None,)]


def test_every_line_says_why(case_db):
    lines = case_db.execute("select * from intermediate.int_commission_lines where rule_kind <> 'no active plan'").df()
    for column in ("source_no", "split_pct", "plan_code", "rate", "basis", "basis_amount", "rule_description"):
        assert lines[column].notna().all(), column


# ---------------------------------------------------------------- locking and adjustments

def _users(con) -> pd.DataFrame:
    return con.execute("""select user_id, employee_code, user_name, 'x' as department_name
                          from staging.stg_crm__users""").df()


def _applied_adjustments(con):
    """What the asset hands over: the adjustments finance.commission_adjustments marks applied."""
    return con.execute(f"""select {', '.join(ADJUSTMENT_TYPES)} from finance.commission_adjustments
                           where status = 'applied'""").fetch_arrow_table()


def _statements(fresh, con, lock_dir, lock_through=None):
    lines, statements = build_statements(fresh, _users(con), lock_dir, lock_through=lock_through,
                                         adjustments=_applied_adjustments(con))
    return lines.to_pandas(), statements.to_pandas()


def test_rerun_is_identical_and_closed_period_is_locked(case_db, tmp_path):
    fresh = case_db.execute("select * from intermediate.int_commission_lines").df()
    lines1, statements1 = _statements(fresh, case_db, tmp_path, D("2026-03-31"))
    lines2, statements2 = _statements(fresh, case_db, tmp_path, D("2026-03-31"))
    pd.testing.assert_frame_equal(lines1, lines2)
    pd.testing.assert_frame_equal(statements1, statements2)
    e_march = statements1[(statements1.user_name == "E") & (statements1.period_start == D("2026-03-01"))]
    assert e_march[["total_amount", "status"]].values.tolist() == [[5000.0, "locked"]]
    manual = lines1[lines1.line_kind == "manual_adjustment"]
    assert manual[["user_name", "commission_amount", "adjustment_reason", "adjustment_author"]].values.tolist() == [
        ["A", 800.0, "季度激励", "财务 李"]]

    # later the March order O-5a turns out to be 120,000: March stays as paid, April gets +1,000
    changed = fresh.copy()
    mask = changed.source_no == "O-5a"
    changed.loc[mask, ["credit_amount", "basis_amount"]] = 120000.0
    changed.loc[mask, "commission_amount"] = 6000.0
    lines3, statements3 = _statements(changed, case_db, tmp_path, D("2026-03-31"))
    s3 = statements3.set_index(["user_name", "period_start"])
    assert s3.loc[("E", D("2026-03-01")), "total_amount"] == 5000.0
    assert s3.loc[("E", D("2026-04-01")), "total_amount"] == 16200.0
    assert s3.loc[("E", D("2026-04-01")), "adjustment_amount"] == 1000.0
    adj = lines3[lines3.line_kind == "locked_period_change"]
    assert len(adj) == 1 and "2026-03" in adj.iloc[0].adjustment_reason and adj.iloc[0].source_no == "O-5a"


def test_adjustment_for_a_person_the_crm_lacks_is_reviewed_not_applied(case_db, tmp_path):
    got = rows(case_db, """select user_id, user_name, period, period_start, period_end, amount, status
                           from finance.commission_adjustments order by commission_adjustment_id""")
    assert got == [(3, "A", "2026-05", D("2026-05-01"), D("2026-05-31"), Decimal("800.00"), "applied"),
                   (999, None, "2026-05", D("2026-05-01"), D("2026-05-31"), Decimal("300.00"), "unknown_employee")]
    ((record_id, user_id, message),) = rows(case_db, """select record_id, user_id, message from finance.commission_review
                                                        where problem = 'unknown_employee_adjustment'""")
    assert (record_id, user_id) == ("9000000000000002", 999)
    assert "999" in message and "2026-05" in message and "300.00" in message and "not applied" in message
    # the run goes on, and the statements carry only the applied adjustment
    fresh = case_db.execute("select * from intermediate.int_commission_lines").df()
    lines, _ = _statements(fresh, case_db, tmp_path)
    manual = lines[lines.line_kind == "manual_adjustment"]
    assert manual[["user_id", "source_id", "commission_amount"]].values.tolist() == [[3, 9_000_000_000_000_001, 800]]


def test_without_adjustments_statements_are_the_computed_lines(case_db, tmp_path):
    fresh = case_db.execute("select * from intermediate.int_commission_lines").fetch_arrow_table()
    lines, statements = build_statements(fresh, _users(case_db), tmp_path)
    assert "manual_adjustment" not in lines.column("line_kind").to_pylist()
    assert sum(statements.column("total_amount").to_pylist()) == sum(fresh.column("commission_amount").to_pylist())


# ---------------------------------------------------------------- statements: credited amount and types

def test_credited_amount_of_a_statement_with_only_marginal_lines():
    """One credit of 700,000.00 on a marginal plan, target 500,000, tiers 0-100% 3%, 100-120% 5%,
    120%+ 8%: it runs from 0 to 700,000, so the tiers take 500,000 / 100,000 / 100,000 of it and
    earn 15,000 + 5,000 + 8,000 = 28,000.00; credited is the 700,000.00 (was NULL)."""
    tiers = [(0, 1.0, "0.03", 500_000), (1.0, 1.2, "0.05", 100_000), (1.2, None, "0.08", 100_000)]
    fresh = pd.DataFrame([
        dict(line_key=f"1|order|1|-|{low}|P-m", user_id=1, source_type="order", source_id=1, source_no="O-7",
             order_no="O-7", plan_code="P-m", plan_version=1, basis="booking", rule_kind="marginal tier",
             product_line=None, tier_from=low, tier_to=high, rate=Decimal(rate), period_start=D("2026-09-01"),
             period_end=D("2026-09-30"), event_date=D("2026-09-10"), split_pct=Decimal(100),
             credit_amount=Decimal(700_000), period_credit=Decimal(700_000), target_amount=Decimal(500_000),
             attainment=Decimal("1.4"), basis_amount=Decimal(basis), commission_amount=Decimal(basis) * Decimal(rate),
             rule_description="marginal tier")
        for low, high, rate, basis in tiers
    ])
    users = pd.DataFrame([dict(user_id=1, employee_code="E1", user_name="X", department_name="销售")])
    with tempfile.TemporaryDirectory() as lock_dir:
        _, statements = build_statements(fresh, users, Path(lock_dir))
    (row,) = statements.to_pylist()
    assert (row["credited_amount"], row["commission_amount"], row["total_amount"]) == (
        Decimal("700000.00"), Decimal("28000.00"), Decimal("28000.00"))


def test_credited_amount_of_the_marginal_cases(case_db, tmp_path):
    fresh = case_db.execute("select * from intermediate.int_commission_lines").fetch_arrow_table()
    _, statements = build_statements(fresh, _users(case_db), tmp_path)
    got = {(r["user_name"], r["period_start"]): r["credited_amount"] for r in statements.to_pylist()}
    assert got[("A", D("2026-03-01"))] == Decimal("800000.00")  # O-2A, all in the first tier
    assert got[("B", D("2026-03-01"))] == Decimal("800000.00")  # O-2B: 600,000 + 120,000 + 80,000
    assert got[("E", D("2026-04-01"))] == Decimal("400000.00")  # O-5b: 300,000 + 60,000 + 40,000
    assert got[("E", D("2026-03-01"))] == Decimal("100000.00")  # flat plan: the credit itself


def test_statement_money_is_decimal_and_periods_are_dates(case_db, tmp_path):
    fresh = case_db.execute("select * from intermediate.int_commission_lines").fetch_arrow_table()
    lines, statements = build_statements(fresh, _users(case_db), tmp_path, adjustments=_applied_adjustments(case_db))
    money = pa.decimal128(18, 2)
    for name in ("credit_amount", "period_credit", "target_amount", "basis_amount", "commission_amount"):
        assert lines.schema.field(name).type == money, name
    for name in ("credited_amount", "commission_amount", "adjustment_amount", "total_amount"):
        assert statements.schema.field(name).type == money, name
    for name in ("period_start", "period_end", "event_date"):
        assert lines.schema.field(name).type == pa.date32(), name
    for name in ("period_start", "period_end"):
        assert statements.schema.field(name).type == pa.date32(), name


# ---------------------------------------------------------------- delivery / revenue

def test_delivery_tolerance_status_and_revenue(case_db):
    got = rows(case_db, """select order_line_id, delivered_quantity, delivery_status, remaining_to_lower_bound,
                                  beyond_tolerance_quantity, recognised_revenue
                           from finance.order_line_revenue where order_id = 320 order by 1""")
    assert got == [
        (501, Decimal("19990.000"), "settled", 0, 0, Decimal("24987.50")),  # 19,990 x 1.25
        (502, Decimal("19970.000"), "open", 10, 0, Decimal("0.00")),  # 10 kg to the lower bound
        (503, Decimal("20015.000"), "settled", 0, 0, Decimal("25018.75")),  # 20,015 x 1.25
        (504, Decimal("20040.000"), "settled_flagged", 0, 20, Decimal("25050.00")),  # flagged, 20 kg beyond
    ]


def test_aging_table_macro_survives_the_snapshot_copy_read_only(case_db, tmp_path):
    """finance.ar_aging_at is a warehouse table macro: publish copies the file (shutil.copyfile,
    pipelines/publish/snapshot.py) to another name, 0444, and the apps open it read-only."""
    path = case_db.execute(
        "select path from duckdb_databases() where database_name = current_database()").fetchone()[0]
    published = tmp_path / "crmlake.duckdb"
    shutil.copyfile(path, published)
    os.chmod(published, 0o444)
    with duckdb.connect(str(published), read_only=True) as con:
        mart = con.execute("""select installment_id, open_amount, days_overdue, bucket from finance.ar_aging
                              where as_of_date = '2026-06-30' order by installment_id""").fetchall()
        macro = con.execute("""select installment_id, open_amount, days_overdue, bucket
                               from finance.ar_aging_at(?) order by installment_id""", ["2026-06-30"]).fetchall()
        assert macro == mart and len(mart) > 0
        on_demand = con.execute(AGING_AS_OF_SQL, ["2026-06-30"]).df()
        assert {r.installment_id: (r.open_amount, r.days_overdue, r.bucket)
                for r in on_demand[on_demand.account_id == 401].itertuples()} == A1_AT_0630
