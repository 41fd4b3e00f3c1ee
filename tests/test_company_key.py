"""The resolved company key on every mart keyed by customer (issue 6): duplicate accounts of one
company (name variants entered by different reps) roll up to one company in sales and finance.

Checked on the published S=1 demo run; which names are variants of one company comes from the
demo's own truth file (``_truth/name_variants.json``), not from the resolver under test.
"""

from __future__ import annotations

import json

import duckdb
import pytest

# mart -> its account column
CUSTOMER_MARTS = {
    "sales.opportunities": "account_id",
    "sales.pipeline_snapshots": "account_id",
    "sales.pipeline_movement": "account_id",
    "finance.installments": "account_id",
    "finance.ar_aging": "account_id",
    "finance.overdue_warnings": "account_id",
    "finance.customer_payment_behavior": "account_id",
    "finance.order_line_revenue": "account_id",
    "finance.receipt_allocations": "customer_id",
    "finance.customer_credit_balances": "customer_id",
    "service.ticket_sla": "account_id",
}


@pytest.fixture(scope="module")
def con(pipeline_run):
    with duckdb.connect(str(pipeline_run.settings.published_database), read_only=True) as con:
        yield con


@pytest.fixture(scope="module")
def variant_pairs(pipeline_run, con):
    """Pairs of accounts whose different names are, per the demo's truth, typed forms of one
    registered company (duplicate accounts), with each account's key in int_account_companies,
    sales.opportunities and finance.ar_aging (null where the account has no row there)."""
    truth = json.loads((pipeline_run.settings.landing_dir / "_truth" / "name_variants.json").read_text(encoding="utf-8"))
    legal = {v["variant"]: v["legal_name"] for v in truth["variants"]} | {n: n for n in truth["legal_names"]}
    con.execute("create or replace temp table truth (typed_name varchar, legal_name varchar)")
    con.executemany("insert into truth values (?, ?)", list(legal.items()))
    return con.execute(
        """
        with accounts as (
            select c.account_id, c.account_name, c.company_key, t.legal_name,
                   (select max(o.company_key) from sales.opportunities o where o.account_id = c.account_id) as opp_key,
                   (select max(g.company_key) from finance.ar_aging g where g.account_id = c.account_id) as aging_key
            from intermediate.int_account_companies c
            inner join truth t on t.typed_name = c.account_name
        )
        select a.account_id, b.account_id, a.account_name, b.account_name, a.company_key, b.company_key,
               a.opp_key, b.opp_key, a.aging_key, b.aging_key
        from accounts a
        inner join accounts b
            on a.legal_name = b.legal_name and a.account_id < b.account_id and a.account_name <> b.account_name
        """
    ).fetchall()


@pytest.mark.parametrize("mart", sorted(CUSTOMER_MARTS))
def test_every_customer_mart_carries_the_company_key(con, mart):
    account = CUSTOMER_MARTS[mart]
    rows, missing = con.execute(
        f"""select count(*), count(*) filter (where m.company_key is null)
            from {mart} m inner join intermediate.int_accounts_unioned a on a.account_id = m.{account}"""
    ).fetchone()
    assert missing == 0, f"{mart}: {missing} of {rows} rows of known accounts without company_key"


def test_name_variant_accounts_share_one_company_in_opportunities_and_aging(variant_pairs):
    assert len(variant_pairs) >= 10, "the demo should have duplicate accounts (name variants)"
    # the resolver may keep a few variant pairs apart (short names missing from the registry)
    shared = [p for p in variant_pairs if p[4] == p[5]]
    assert len(shared) / len(variant_pairs) >= 0.75, f"only {len(shared)} of {len(variant_pairs)} variant pairs share a key"
    # the marts carry the account's key: where both accounts appear, they appear as one company
    for _, _, _, _, key_a, _key_b, opp_a, opp_b, aging_a, aging_b in shared:
        assert {k for k in (opp_a, opp_b, aging_a, aging_b) if k is not None} <= {key_a}
    # two differently typed accounts with opportunities, one of them with receivables: one company
    # joins the pipeline of both to the receivables in finance.ar_aging
    both = [p for p in shared if p[6] is not None and p[7] is not None and (p[8] is not None or p[9] is not None)]
    assert both, "no pair of name-variant accounts with opportunities on both and receivables on one"
    a, b, name_a, name_b, _, _, opp_a, opp_b, aging_a, aging_b = both[0]
    assert a != b and name_a.strip() != name_b.strip()
    assert opp_a == opp_b == (aging_a or aging_b)


def test_a_company_rolls_up_its_accounts_without_losing_money(con):
    accounts, companies, by_account, by_company = con.execute(
        """select count(distinct account_id), count(distinct company_key),
                  (select sum(s) from (select sum(amount) s from sales.opportunities group by account_id)),
                  (select sum(s) from (select sum(amount) s from sales.opportunities group by company_key))
           from sales.opportunities"""
    ).fetchone()
    assert companies < accounts  # duplicate accounts collapse
    assert by_account == by_company
    # the key in a mart is the key of the account's resolved name
    mismatched = con.execute(
        """select count(*) from sales.opportunities o
           inner join intermediate.int_accounts_unioned a on a.account_id = o.account_id
           inner join partner.company_resolution r on r.typed_name = a.account_name
           where o.company_key <> r.company_key"""
    ).fetchone()[0]
    assert mismatched == 0


def test_companies_resolved_covers_accounts_leads_registrations_and_report_lines(con):
    got = dict(con.execute("select record_type, count(*) from intermediate.int_companies_resolved group by 1").fetchall())
    expected = {
        "account": "intermediate.int_accounts_unioned",
        "lead": "intermediate.int_leads_unioned",
        "deal_registration": "intermediate.int_deal_registrations_unioned",
        "partner_report_line": "staging.stg_partners__sales_reports",
    }
    for record_type, table in expected.items():
        assert got.get(record_type) == con.execute(f"select count(*) from {table}").fetchone()[0], record_type
    unresolved = con.execute(
        "select count(*) from intermediate.int_companies_resolved where typed_name is not null and company_key is null"
    ).fetchone()[0]
    assert unresolved == 0


def test_conflicts_join_opportunities_and_registrations_on_the_company_key(con):
    """撞单 across record types and spellings: an open opportunity of a rep and a deal registration of
    a partner meet on one resolved company even where the two typed the name differently."""
    rows = con.execute(
        """select c.company_key, c.typed_name_a, c.typed_name_b, ra.company_key, rb.company_key
           from partner.conflicts c
           inner join partner.company_resolution ra on ra.typed_name = c.typed_name_a
           inner join partner.company_resolution rb on rb.typed_name = c.typed_name_b
           where c.claim_a_type <> c.claim_b_type"""
    ).fetchall()
    assert rows, "no conflict between an opportunity and a registration"
    assert all(key == ka == kb for key, _, _, ka, kb in rows)
    assert any(a != b for _, a, b, _, _ in rows), "no conflict across two spellings of one company"
