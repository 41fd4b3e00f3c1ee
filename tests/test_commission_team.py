"""Hand-computed case T: a manager's team roll-up plan with a rep who transfers mid-period.

Departments: 10 华东大区 (top), 11 上海组 and 12 杭州组 under it. Position plans (finance.yml
commission.position_plans): sales_rep -> P-rep5 (flat 5 %, own credit), sales_manager -> P-mgr1
(flat 1 %, credit_scope team), sales_director -> P-dir05 (flat 0.5 %, team). Everyone booking
basis, monthly. 小周 (R) moved from 上海组 to 杭州组 on 2026-03-16; the CRM keeps only his current
department (12), but each order carries the department it was booked in.

March 2026 orders (no splits unless said):
  O-T1  R   2026-03-10  100,000  booked in 11 (before the transfer)
  O-T2  R   2026-03-20   50,000  booked in 12
  O-T3  S   2026-03-12  200,000  booked in 11
  O-T4  MS  2026-03-25   40,000  booked in 11 (the 上海 manager's own order)
  O-T5  S   2026-03-18   80,000  booked in 11, split S 50 % / R 50 % (R is not the owner: his
                                  current department 12 counts, where he was on 03-18 anyway)

Reps, 5 % of own credit:
  R  100,000 + 50,000 + 40,000 = 190,000 -> 9,500.00
  S  200,000 + 40,000          = 240,000 -> 12,000.00
Managers, 1 % of their tree's credit, members by the order's department:
  MS (11)  O-T1 100,000 + O-T3 200,000 + O-T4 40,000 + O-T5 S's 40,000 = 380,000 -> 3,800.00
           (O-T4 counts once, inside the team; no own line)
  MH (12)  O-T2 50,000 + O-T5 R's 40,000                               =  90,000 ->   900.00
  (by R's current department instead, MS would get 2,800.00 and MH 1,900.00: the wrong answer)
Director, 0.5 % of the whole tree (10, 11, 12): 470,000 -> 2,350.00, O-T5 on one line (80,000, 100 %).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pandas as pd
import pytest
from finance_fixtures import STAGING_COLUMNS, run_finance_dbt

from kernel.config import BusinessSettings
from kernel.config.model import Commission, Finance, PositionPlan

D = dt.date.fromisoformat
R, S, MS, MH, DIR = 54, 55, 51, 52, 53

ROWS = {
    "stg_crm__departments": [
        dict(department_id=10, department_name="华东大区", parent_department_id=None),
        dict(department_id=11, department_name="上海组", parent_department_id=10),
        dict(department_id=12, department_name="杭州组", parent_department_id=10),
    ],
    "stg_crm__users": [
        dict(user_id=uid, employee_code=f"E{uid}", user_name=name, department_id=dep, position=pos)
        for uid, name, dep, pos in [
            (MS, "经理沪", 11, "sales_manager"), (MH, "经理杭", 12, "sales_manager"),
            (DIR, "总监", 10, "sales_director"), (R, "小周", 12, "sales_rep"), (S, "小吴", 11, "sales_rep"),
        ]
    ],
    "stg_crm__products": [dict(product_id=201, product_line="software", is_bulk=False)],
    "stg_crm__commission_plans": [
        dict(commission_plan_id=pid, plan_code=code, rate_type="flat", tier_mode="none", basis="booking",
             period_type="month", flat_rate=rate, plan_version=1)
        for pid, code, rate in [(901, "P-rep5", 0.05), (902, "P-mgr1", 0.01), (903, "P-dir05", 0.005)]
    ],
    "int_orders_unioned": [
        dict(order_id=oid, order_no=no, owner_id=owner, account_id=400, total_amount=amt, order_date=D(d),
             department_id=dep, status="confirmed")
        for oid, no, owner, amt, d, dep in [
            (961, "O-T1", R, 100_000, "2026-03-10", 11), (962, "O-T2", R, 50_000, "2026-03-20", 12),
            (963, "O-T3", S, 200_000, "2026-03-12", 11), (964, "O-T4", MS, 40_000, "2026-03-25", 11),
            (965, "O-T5", S, 80_000, "2026-03-18", 11),
        ]
    ],
    "int_order_lines_unioned": [
        dict(order_line_id=oid + 100, order_id=oid, product_id=201, line_amount=amt)
        for oid, amt in [(961, 100_000), (962, 50_000), (963, 200_000), (964, 40_000), (965, 80_000)]
    ],
    "stg_crm__order_splits": [
        dict(order_split_id=9651, order_id=965, user_id=S, split_pct=50),
        dict(order_split_id=9652, order_id=965, user_id=R, split_pct=50),
    ],
}

SETTINGS = BusinessSettings(finance=Finance(commission=Commission(position_plans=[
    PositionPlan(position="sales_rep", plan_code="P-rep5", effective_from=D("2026-01-01")),
    PositionPlan(position="sales_manager", plan_code="P-mgr1", effective_from=D("2026-01-01"), credit_scope="team"),
    PositionPlan(position="sales_director", plan_code="P-dir05", effective_from=D("2026-01-01"), credit_scope="team"),
])))


@pytest.fixture(scope="module")
def team_db(tmp_path_factory):
    work = tmp_path_factory.mktemp("commission_team")
    warehouse = work / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema staging; create schema intermediate")
        for table, columns in STAGING_COLUMNS.items():
            schema = "intermediate" if table.endswith("_unioned") else "staging"
            con.execute(f"create table {schema}.{table} ({columns})")
            if ROWS.get(table):
                frame = pd.DataFrame(ROWS[table])
                con.register("rows_in", frame)
                cols = ", ".join(frame.columns)
                con.execute(f"insert into {schema}.{table} ({cols}) select {cols} from rows_in")
                con.unregister("rows_in")
        from company_fixtures import write_company_resolution
        write_company_resolution(con)
    run_finance_dbt(warehouse, settings=SETTINGS)
    con = duckdb.connect(str(warehouse), read_only=True)
    yield con
    con.close()


def _totals(con) -> dict[int, Decimal]:
    return dict(con.execute(
        "select user_id, sum(commission_amount) from intermediate.int_commission_lines group by 1").fetchall())


def test_team_rollup_counts_each_member_in_the_department_of_the_orders_date(team_db):
    assert _totals(team_db) == {
        R: Decimal("9500.00"), S: Decimal("12000.00"),
        MS: Decimal("3800.00"), MH: Decimal("900.00"), DIR: Decimal("2350.00"),
    }


def test_manager_lines_are_team_lines_and_own_order_counts_once(team_db):
    got = team_db.execute("""select order_no, credit_scope, split_pct, credit_amount, commission_amount
                             from intermediate.int_commission_lines where user_id = ? order by order_no""",
                          [MS]).fetchall()
    assert got == [
        ("O-T1", "team", Decimal("100.00"), Decimal("100000.00"), Decimal("1000.00")),
        ("O-T3", "team", Decimal("100.00"), Decimal("200000.00"), Decimal("2000.00")),
        ("O-T4", "team", Decimal("100.00"), Decimal("40000.00"), Decimal("400.00")),
        ("O-T5", "team", Decimal("50.00"), Decimal("40000.00"), Decimal("400.00")),
    ]
    (desc,) = team_db.execute("""select rule_description from intermediate.int_commission_lines
                                 where user_id = ? and order_no = 'O-T4'""", [MS]).fetchone()
    assert desc.startswith("team roll-up (department tree): flat rate 1")


def test_director_gets_split_order_on_one_line(team_db):
    got = team_db.execute("""select credit_amount, split_pct from intermediate.int_commission_lines
                             where user_id = ? and order_no = 'O-T5'""", [DIR]).fetchall()
    assert got == [(Decimal("80000.00"), Decimal("100.00"))]


def test_reps_lines_stay_own_credit_with_unchanged_keys(team_db):
    keys = [k for (k,) in team_db.execute(
        "select line_key from intermediate.int_commission_lines where user_id = ? order by 1", [R]).fetchall()]
    assert keys == ["54|order|961|software|-|P-rep5", "54|order|962|software|-|P-rep5", "54|order|965|software|-|P-rep5"]
    review = team_db.execute("select problem from finance.commission_review where problem like '%plan%'").fetchall()
    assert review == []
