"""partner.md R1 and R2 and the names.md 撞单 rule, computed by the real partner dbt models on a
warehouse holding exactly the scenarios (tests/partner_fixtures.py)."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest
from partner_fixtures import build_case_warehouse, run_partner_dbt


@pytest.fixture(scope="module")
def case_db(partner_case_warehouse):
    """The cases' warehouse, built once for this module and test_partner_apps (tests/conftest.py)."""
    con = duckdb.connect(str(partner_case_warehouse), read_only=True)
    yield con
    con.close()


def _rows(con, sql, *params):
    return con.execute(sql, list(params)).fetchall()


# ---------------------------------------------------------------- R1 tiered rebate
@pytest.mark.parametrize(
    ("code", "purchases", "returns", "net", "retro", "marginal"),
    [
        ("G1", "2600000.00", "100000.00", "2500000.00", "50000.00", "30000.00"),
        ("G2", "3000000.00", "0.00", "3000000.00", "105000.00", "40000.00"),
        ("G3", "900000.00", "0.00", "900000.00", "0.00", "0.00"),
    ],
)
def test_r1_tiered_rebate(case_db, code, purchases, returns, net, retro, marginal):
    row = _rows(
        case_db,
        "select purchases, returns, net_purchases, retroactive_rebate, marginal_rebate, rebate "
        "from partner.rebates where partner_code = ? and policy_code = 'Q-2026' and period_start = date '2026-07-01'",
        code,
    )
    assert row == [(Decimal(purchases), Decimal(returns), Decimal(net), Decimal(retro), Decimal(marginal), Decimal(retro))]
    # the same tiers with marginal semantics pay the marginal figure
    (due,) = _rows(
        case_db,
        "select rebate from partner.rebates where partner_code = ? and policy_code = 'Q-2026-M' "
        "and period_start = date '2026-07-01'",
        code,
    )[0]
    assert due == Decimal(marginal)


def test_r1_quarter_boundary(case_db):
    # G1's October order belongs to Q4, not to the Q3 figure above
    assert _rows(case_db, "select net_purchases from partner.rebates where partner_code = 'G1' and policy_code = 'Q-2026' and period_start = date '2026-10-01'") == [(Decimal("777777.00"),)]


# ---------------------------------------------------------------- R2 line-level reconciliation
def _lines(con, partner_id):
    return {
        (r[0] or r[1]): r[2:]
        for r in _rows(
            con,
            "select p.product_code, l.product_code, l.line_class, l.quantity_difference, l.vendor_unit_price, l.report_unit_price "
            "from partner.reconciliation_lines l left join (select null as product_code) p on true "
            "where l.partner_id = ? and l.period = '2026-09'",
            partner_id,
        )
    }


def test_r2_line_classes_without_special_price(case_db):
    lines = _lines(case_db, 1)
    assert {k: v[0] for k, v in lines.items()} == {
        "SKU-A": "matched",
        "SKU-B": "quantity_differs",
        "SKU-C": "price_violation",
        "SKU-D": "missing_in_partner_report",
        "SKU-E": "missing_in_vendor_records",
    }
    assert lines["SKU-B"][1] == Decimal("-1.000")
    assert lines["SKU-C"][2:] == (Decimal("5000.00"), Decimal("4200.00"))


def test_r2_approved_special_price_matches(case_db):
    lines = _lines(case_db, 4)
    assert lines["SKU-C"][0] == "matched_special_price"
    assert lines["SKU-A"][0] == "matched"


def test_r2_statement(case_db):
    row = _rows(
        case_db,
        "select vendor_total, partner_total, difference, lines, status, upload_file, upload_load_id, upload_file_hash "
        "from partner.statements where partner_code = 'P1' and period = '2026-09'",
    )
    # vendor 10x1,000 + 5x2,000 + 2x5,000 + 1x800; partner 10x1,000 + 4x2,000 + 2x4,200 + 3x300
    assert row == [
        (Decimal("30800.00"), Decimal("27300.00"), Decimal("-3500.00"), 5, "open",
         "partners/sales_reports/P1/2026-09.xlsx", "load-2", "hash-corrected")
    ]


def test_r2_statement_records_the_corrected_upload_not_the_first(case_db):
    loads = _rows(case_db, "select load_id, file_hash from intermediate.int_partner_report_uploads where source_file like '%/P1/%' order by load_id")
    assert loads == [("load-1", "hash-first"), ("load-2", "hash-corrected")]
    assert _rows(case_db, "select distinct upload_file_hash from partner.reconciliation_lines where partner_id = 1 and upload_file_hash is not null") == [("hash-corrected",)]


def test_r2_rerun_gives_the_same_statement(case_db, tmp_path):
    first = _rows(case_db, "select * from partner.reconciliation_lines order by line_key")
    warehouse = build_case_warehouse(tmp_path)
    assert run_partner_dbt(tmp_path, warehouse).returncode == 0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert _rows(con, "select * from partner.reconciliation_lines order by line_key") == first


# ---------------------------------------------------------------- names.md: 撞单 and protection
def test_conflict_two_partners_one_company_under_two_spellings(case_db):
    row = _rows(
        case_db,
        "select owner_a_id, owner_b_id, typed_name_a, typed_name_b, protection_status, protected_claim_id, "
        "cast(protected_a_until as date) from partner.conflicts where claim_a_id = 'DR-X' and claim_b_id = 'DR-Y'",
    )
    assert len(row) == 1
    a, b, name_a, name_b, status, holder, until = row[0]
    assert (a, b) == ("21", "22")
    assert (name_a, name_b) == ("北京一二三四科技有限公司", "北京一二三四科技有限责任公司")
    # the earlier approved registration keeps protection for the default 90 days
    assert (status, holder, str(until)) == ("A protected", "DR-X", "2026-11-30")


def test_conflict_partner_and_rep(case_db):
    assert _rows(case_db, "select owner_b_type, owner_b_id from partner.conflicts where claim_a_id = 'DR-X' and claim_b_id = '300'") == [("rep", "9002")]
