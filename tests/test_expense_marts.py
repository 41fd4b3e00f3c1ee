"""Hand-computed expense cases (issue 20 item 5) on the sales fixture (tests/sales_fixtures.py:
opportunity 4 won 80,000 by 李四 (12) from lead L1 of campaign 900 秋季展会 (cost 20,000);
opportunity 5 open, 张三 (11), lead L2 of the same campaign), built by the real dbt models.

Expenses (费用报销), counted when approved or paid; submitted ones are pending; rejected ones
count nowhere:
  E1 opp 4  差旅     2,000  approved  李四
  E2 opp 4  招待     1,500  paid      李四
  E3 opp 4  礼品       800  rejected  李四
  E4 opp 4  交通       300  submitted 李四
  E5 opp 5  市场活动 5,000  approved  张三
  E6 (account 1 only) 其他 400 paid   张三
Deal margin, opportunity 4: 80,000 - (2,000 + 1,500) = 76,500; rate 76,500 / 80,000 = 0.95625
  -> 0.9563 (half up); pending 300.
Campaign 900: expenses on its deals 3,500 + 5,000 = 8,500; cost with expenses 20,000 + 8,500
  = 28,500; ROI after expenses (80,000 - 28,500) / 28,500 = 1.80701... -> 1.8070 (ROI on the
  campaign cost alone stays (80,000 - 20,000) / 20,000 = 3.0).
By rep: 李四 3,500 counted (300 pending, 800 rejected); 张三 5,400 counted.
Department 77 华东销售一组, 2026-07: 8,900 counted against the budget of the case settings
  (finance.yml expense_budgets: 华东销售一组 2026-07 10,000) -> 1,100 left, 89.00 % used.
"""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest
from expense_fixtures import build_expense_cases


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    warehouse = build_expense_cases(tmp_path_factory.mktemp("expense_cases"))
    connection = duckdb.connect(str(warehouse), read_only=True)
    yield connection
    connection.close()


def rows(con, sql):
    return con.execute(sql).fetchall()


def test_expense_tied_to_a_deal_reduces_its_margin(con):
    got = rows(con, """select won_amount, expense_amount, pending_expense_amount, margin_after_expenses, margin_rate
                       from sales.deal_margin where opportunity_id = 4""")
    assert got == [(Decimal("80000.00"), Decimal("3500.00"), Decimal("300.00"), Decimal("76500.00"), Decimal("0.9563"))]


def test_campaign_roi_includes_the_expenses_of_its_deals(con):
    got = rows(con, "select cost, expense_amount, cost_with_expenses, roi, roi_after_expenses from sales.campaign_roi")
    assert got == [(Decimal("20000.00"), Decimal("8500.00"), Decimal("28500.00"), Decimal("3.0000"), Decimal("1.8070"))]


def test_expenses_by_rep(con):
    got = rows(con, """select owner_name, sum(counted_amount), sum(case when is_pending then amount else 0 end),
                              sum(case when status = 'rejected' then amount else 0 end)
                       from sales.expenses group by 1 order by 1""")
    assert got == [("张三", Decimal("5400.00"), Decimal("0.00"), Decimal("0.00")),
                   ("李四", Decimal("3500.00"), Decimal("300.00"), Decimal("800.00"))]


def test_expense_without_deal_keeps_its_customer_and_no_campaign(con):
    got = rows(con, "select account_id, opportunity_id, campaign_id from sales.expenses where expense_no = 'E6'")
    assert got == [(1, None, None)]


def test_budget_vs_actual_per_department(con):
    got = rows(con, """select department_name, budget_amount, actual_amount, remaining_amount, used_share
                       from sales.expense_budget_vs_actual where period_month = '2026-07-01'""")
    assert got == [("华东销售一组", Decimal("10000.00"), Decimal("8900.00"), Decimal("1100.00"), Decimal("0.8900"))]
