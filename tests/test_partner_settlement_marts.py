"""Settlement to payout on the real partner dbt models (issue 21): payout lines (rebate, market
fund, promotion subsidy), an expired special price not applied, and a statement settled after its
disputes were answered. The case warehouse is tests/partner_fixtures.py plus the rows below.

Hand-computed (CNY):

Payout lines of statement 1|2026-09 (partner P1, silver):
    MF-1  market_fund        approved amount                               3,000.00
    PS-1  promotion_subsidy  SKU-A: P1 bought 10 units in 2026-09 x 20.00 =   200.00
    PS-2  promotion_subsidy  SKU-E: P1 bought none from the vendor (only its report has it)
                             0 x 15.00                                   =     0.00
    no rebate line: the rebate policies are for gold partners               -------
                                                                   payout  3,200.00
Rebate lines (R1 of partner.md) land on the statement of the quarter's last month, 2026-09:
    G1 Q-2026 (retroactive) 50,000.00 and Q-2026-M (marginal) 30,000.00 on 11|2026-09;
    G2 105,000.00 and 40,000.00 on 12|2026-09; G3's rebate is 0: no line; G1's Q4 order
    reaches tier 1 (0 %): no line.

Expired special price: P4's approved special price 4,200.00 for SKU-C, valid until 2026-08-31
here; the order is dated 2026-09-10, so it is not applied: the partner's 4,200.00 against the
vendor's 5,000.00 is a price_violation, flagged special_price_expired (P4's statement counts 1).

P1's statement settled (vendor 30,800.00, partner 27,300.00, difference -3,500.00 in the mart):
    SKU-A matched              10,000.00  (no dispute)
    SKU-B quantity differs     10,000.00 -> disputed, accepted at 8,000.00 (4 units received)
    SKU-C price violation      10,000.00 -> disputed, rejected (no special price): 10,000.00
    SKU-D missing in report       800.00 -> disputed, rejected (signed receipt):      800.00
    SKU-E missing in vendor       (none) -> disputed, accepted at 900.00
    goods 10,000 + 8,000 + 10,000 + 800 + 900 = 29,700.00; open difference 0.00
    net = 29,700.00 - 3,200.00 = 26,500.00
"""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest
from partner_fixtures import build_case_warehouse, run_partner_dbt

from operational.statement_settlement import Answer, settle

D = Decimal
FUNDS = [
    ("MF-1", 1, "market_fund", "2026-09", "展会费用 trade fair", None, 3000, None),
    ("PS-1", 1, "promotion_subsidy", "2026-09", "九月促销 SKU-A", "SKU-A", None, 20),
    ("PS-2", 1, "promotion_subsidy", "2026-09", "九月促销 SKU-E", "SKU-E", None, 15),
]


@pytest.fixture(scope="module")
def case_db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("partner_settlement")
    warehouse = build_case_warehouse(tmp)
    with duckdb.connect(str(warehouse)) as con:
        con.executemany("insert into staging.stg_partners__channel_funds (fund_id, partner_id, fund_type, period, "
                        "description, product_code, amount, unit_subsidy) values (?, ?, ?, ?, ?, ?, ?, ?)", FUNDS)
        con.execute("update staging.stg_partners__special_prices set valid_until = date '2026-08-31' "
                    "where request_id = 'SP-P4'")
    # models only (their data tests run in tests/test_partner_cases.py), the ones these figures read
    result = run_partner_dbt(tmp, warehouse, "run", ("path:models/intermediate/partner", "reconciliation_lines",
                                                     "statements", "rebates", "statement_payout_lines"))
    assert result.returncode == 0, result.stdout[-4000:]
    con = duckdb.connect(str(warehouse), read_only=True)
    yield con
    con.close()


def test_payout_lines_of_a_statement(case_db):
    rows = case_db.execute("select source_code, payout_type, basis_quantity, unit_amount, amount "
                           "from partner.statement_payout_lines where statement_key = '1|2026-09' "
                           "order by source_code").fetchall()
    assert rows == [("MF-1", "market_fund", None, None, D("3000.00")),
                    ("PS-1", "promotion_subsidy", D("10.000"), D("20.00"), D("200.00")),
                    ("PS-2", "promotion_subsidy", D("0.000"), D("15.00"), D("0.00"))]


def test_rebates_land_on_the_quarters_last_month(case_db):
    rows = case_db.execute("select statement_key, source_code, amount from partner.statement_payout_lines "
                           "where payout_type = 'rebate' order by statement_key, source_code").fetchall()
    assert rows == [("11|2026-09", "Q-2026", D("50000.00")), ("11|2026-09", "Q-2026-M", D("30000.00")),
                    ("12|2026-09", "Q-2026", D("105000.00")), ("12|2026-09", "Q-2026-M", D("40000.00"))]


def test_expired_special_price_is_not_applied_and_flagged(case_db):
    (line,) = case_db.execute(
        "select line_class, approved_special_price, expired_special_price, special_price_valid_until, "
        "special_price_expired from partner.reconciliation_lines where partner_id = 4 and product_code = 'SKU-C'"
    ).fetchall()
    assert line[:3] == ("price_violation", None, D("4200.00"))
    assert str(line[3]) == "2026-08-31" and line[4] is True
    counts = case_db.execute("select partner_id, lines_special_price_expired from partner.statements "
                             "order by partner_id").fetchall()
    assert counts == [(1, 0), (4, 1)]


def test_statement_settled_after_its_disputes(case_db):
    lines = case_db.execute("select line_key, product_code, vendor_amount, report_amount from partner.reconciliation_lines "
                            "where partner_id = 1 and period = '2026-09'").fetchall()
    by_product = {p: k for k, p, _v, _r in lines}
    answers = {by_product["SKU-B"]: Answer("accept", D("8000.00")), by_product["SKU-C"]: Answer("reject"),
               by_product["SKU-D"]: Answer("reject"), by_product["SKU-E"]: Answer("accept", D("900.00"))}
    payouts = case_db.execute("select payout_type, amount from partner.statement_payout_lines "
                              "where statement_key = '1|2026-09'").fetchall()
    s = settle([{"line_key": k, "vendor_amount": v, "report_amount": r} for k, _p, v, r in lines], answers,
               [{"payout_type": t, "amount": a} for t, a in payouts])
    assert (s.goods_total, s.open_difference, s.payout_total, s.net_amount, s.confirmable) == (
        D("29700.00"), D("0.00"), D("3200.00"), D("26500.00"), True)
    unanswered = settle([{"line_key": k, "vendor_amount": v, "report_amount": r} for k, _p, v, r in lines], {})
    assert (unanswered.goods_total, unanswered.open_difference) == (D("30800.00"), D("-3500.00"))
