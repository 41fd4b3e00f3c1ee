"""Hand-computed invoice cases (issue 20 item 4): contract -> order -> invoice -> receipt
reconciliation, the invoice-based aging and DSO on invoiced amounts, on a tiny staging
warehouse built by the real finance dbt models (as of 2026-07-31).

Worked by hand (all amounts incl. VAT; owner 20 王会计; a red-letter 红冲 invoice nets the
invoice of the same order and amount it reverses; a voided 作废 invoice counts nothing):

  HT-INV1 (contract 9001, 100,000; order DD-INV1 100,000):
    INV-1 2026-05-10 正常  60,000   a partial invoice
    INV-2 2026-06-05 正常  40,000
    INV-4 2026-06-25 作废  10,000   voided: 0
    INV-3 2026-07-05 红冲 -40,000   reverses INV-2
    receipt R-INV1 2026-06-10 50,000 (names the order)
    -> invoiced gross 100,000, red-letter 40,000, net 60,000, collected 50,000,
       invoiced-not-collected 60,000 - 50,000 = 10,000, collected-not-invoiced 0,
       not yet invoiced 100,000 - 60,000 = 40,000.
  HT-INV2 (contract 9002, 30,000; order DD-INV2): no invoice, receipt 20,000 on 2026-07-01
    -> collected-not-invoiced 20,000.
  HT-INV3 (contract 9003, 50,000; order DD-INV3): INV-6 2026-07-15 正常 50,000, nothing collected
    -> invoiced-not-collected 50,000.
  INV-9 2026-07-20 正常 7,000 names order DD-GONE, which does not exist: unmatched, in no
    contract's reconciliation, aging or DSO (the figures below do not move).

Invoice aging (collections pay a contract's oldest standing invoice first; age = days since
the invoice date, the finance.yml buckets):
  2026-07-31: INV-1 open 60,000 - 50,000 = 10,000, 82 days (61-90); INV-6 50,000, 16 days (1-30);
              INV-2 is reversed (07-05): gone.
  2026-06-30: INV-1 60,000 takes the 50,000 -> 10,000 (51 days); INV-2 still stands 40,000 (25 days).
  2026-05-31: INV-1 60,000 (21 days).
DSO on invoiced amounts = open invoiced at the month-end / net invoiced in the month x days:
  May:  60,000 / 60,000 x 31                         = 31.0
  June: (10,000 + 40,000) / 40,000 x 30              = 37.5   (the voided INV-4 counts nothing)
  July: (10,000 + 50,000) / (50,000 - 40,000) x 31   = 186.0  (the red letter nets July's invoicing)
"""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest
from invoice_fixtures import build_invoice_cases


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    warehouse = build_invoice_cases(tmp_path_factory.mktemp("invoice_cases"))
    connection = duckdb.connect(str(warehouse), read_only=True)
    yield connection
    connection.close()


def one(con, sql, params=()):
    return con.execute(sql, list(params)).fetchall()


def test_reconciliation_partial_invoice_and_red_letter(con):
    got = one(con, """select invoiced_gross, red_letter_amount, voided_count, invoiced_net, collected_amount,
                             invoiced_not_collected, collected_not_invoiced, not_yet_invoiced, reconciliation_status
                      from finance.invoice_reconciliation where contract_no = 'HT-INV1'""")
    assert got == [(Decimal("100000.00"), Decimal("40000.00"), 1, Decimal("60000.00"), Decimal("50000.00"),
                     Decimal("10000.00"), Decimal("0.00"), Decimal("40000.00"), "invoiced_not_collected")]


def test_reconciliation_collected_without_invoice_and_invoiced_without_collection(con):
    got = dict(
        (r[0], r[1:]) for r in one(con, """select contract_no, invoiced_net, collected_amount, invoiced_not_collected,
                                                 collected_not_invoiced, reconciliation_status
                                          from finance.invoice_reconciliation where contract_no in ('HT-INV2', 'HT-INV3')""")
    )
    assert got == {
        "HT-INV2": (Decimal("0.00"), Decimal("20000.00"), Decimal("0.00"), Decimal("20000.00"), "collected_not_invoiced"),
        "HT-INV3": (Decimal("50000.00"), Decimal("0.00"), Decimal("50000.00"), Decimal("0.00"), "invoiced_not_collected"),
    }


def test_red_letter_is_paired_with_the_invoice_it_reverses(con):
    got = one(con, """select invoice_no, reversed_by_invoice_no, reverses_invoice_no from finance.invoices
                      where invoice_no in ('INV-2', 'INV-3') order by invoice_no""")
    assert got == [("INV-2", "INV-3", None), ("INV-3", None, "INV-2")]


@pytest.mark.parametrize("as_of, expected", [
    ("2026-07-31", {"INV-1": (Decimal("10000.00"), 82, "61-90"), "INV-6": (Decimal("50000.00"), 16, "1-30")}),
    ("2026-06-30", {"INV-1": (Decimal("10000.00"), 51, "31-60"), "INV-2": (Decimal("40000.00"), 25, "1-30")}),
    ("2026-05-31", {"INV-1": (Decimal("60000.00"), 21, "1-30")}),
])
def test_invoice_aging(con, as_of, expected):
    got = one(con, "select invoice_no, open_amount, days_since_invoice, bucket from finance.invoice_aging "
                   "where as_of_date = ?", [as_of])
    assert {r[0]: r[1:] for r in got} == expected


def test_dso_on_invoiced_amounts(con):
    got = one(con, """select month_end, invoiced_net, open_invoiced, dso_days from finance.invoice_dso_monthly
                      where month_end between '2026-05-31' and '2026-07-31' order by month_end""")
    assert [(str(r[0]), r[1], r[2], r[3]) for r in got] == [
        ("2026-05-31", Decimal("60000.00"), Decimal("60000.00"), Decimal("31.0")),
        ("2026-06-30", Decimal("40000.00"), Decimal("50000.00"), Decimal("37.5")),
        ("2026-07-31", Decimal("10000.00"), Decimal("60000.00"), Decimal("186.0")),
    ]


def test_invoice_naming_no_known_order_is_on_no_contract(con):
    got = one(con, "select is_matched, reconciliation_key, net_amount from finance.invoices where invoice_no = 'INV-9'")
    assert got == [(False, None, Decimal("7000.00"))]


def test_reconciliation_counts_are_bigint_not_hugeint(con):
    """DuckDB's sum of ints is a hugeint, slow to decompress on every page read (issue 16)."""
    got = one(con, """select column_name, data_type from duckdb_columns()
                      where table_name = 'invoice_reconciliation' and column_name like '%_count' order by 1""")
    assert {t for _, t in got} == {"BIGINT"} and len(got) == 5
