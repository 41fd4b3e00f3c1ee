"""Customer 360 loaders (issue 20 item 7) on a tiny in-memory snapshot: the company scope of a
rep, the section that degrades to "not computed: reason", and the link every company table gets.

The case:
    account 1 "甲公司"  -> company CO-A, owner rep 7
    account 2 "乙公司"  -> company CO-B, owner rep 8; rep 7 has a deal (opportunity 20) on CO-B
    account 3 "丙公司"  -> company CO-C, owner rep 8; no deal of rep 7
Rep 7 may open CO-A (their account) and CO-B (their deal), not CO-C; admin opens all three.
The snapshot has no finance.invoices and no partner.company_resolution: the invoices section
says "not computed: ..." for every viewer, while deals read sales.opportunities.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from app_login import viewer


@pytest.fixture
def snapshot(monkeypatch):
    from apps import customer360_data

    con = duckdb.connect()
    for schema in ("intermediate", "sales", "staging"):
        con.execute(f"create schema {schema}")
    con.execute("create table intermediate.int_account_companies (account_id bigint, company_key varchar,"
                " company_name varchar)")
    con.execute("insert into intermediate.int_account_companies values"
                " (1, 'CO-A', '甲公司'), (2, 'CO-B', '乙公司'), (3, 'CO-C', '丙公司')")
    con.execute("create table intermediate.int_accounts_unioned (account_id bigint, account_name varchar,"
                " owner_id bigint, level varchar, industry varchar, province varchar, city varchar)")
    con.execute("insert into intermediate.int_accounts_unioned values (1, '甲公司', 7, 'A', '制造', '江苏', '苏州'),"
                " (2, '乙公司', 8, 'B', '制造', '江苏', '无锡'), (3, '丙公司', 8, 'C', '能源', '山东', '济南')")
    con.execute("create table staging.stg_crm__users (user_id bigint, user_name varchar)")
    con.execute("insert into staging.stg_crm__users values (7, '张三'), (8, '李四')")
    con.execute("""create table sales.opportunities (opportunity_id bigint, opportunity_name varchar,
        owner_id bigint, owner_name varchar, company_key varchar, account_name varchar, stage varchar,
        status varchar, amount decimal(18, 2), weighted_amount decimal(18, 2), expected_close_date date,
        is_closed boolean)""")
    con.execute("insert into sales.opportunities values"
                " (20, '乙公司扩容', 7, '张三', 'CO-B', '乙公司', 'proposal', 'open', 100000, 50000, '2026-12-31', false)")
    con.execute("""create table sales.account_activity (account_id bigint, company_key varchar,
        last_activity_at timestamp, days_without_activity bigint, is_inactive boolean, activities bigint,
        activities_last_90_days bigint)""")
    con.execute("insert into sales.account_activity values (2, 'CO-B', '2026-11-20 10:00', 16, false, 5, 2)")

    def query(sql: str, params: tuple = ()) -> pd.DataFrame:
        return con.execute(sql, list(params)).df()

    monkeypatch.setattr(customer360_data, "query", query)
    yield customer360_data
    con.close()


REP = viewer("sales_rep", username="rep7", crm_user_id=7)
ADMIN = viewer("admin")


def test_a_rep_opens_only_the_companies_of_their_accounts_and_deals(snapshot):
    assert sorted(snapshot.companies(REP)["company_key"]) == ["CO-A", "CO-B"]
    assert snapshot.may_open(REP, "CO-B") and not snapshot.may_open(REP, "CO-C")
    assert sorted(snapshot.companies(ADMIN)["company_key"]) == ["CO-A", "CO-B", "CO-C"]
    assert snapshot.header(REP, "CO-C", set()).empty
    assert list(snapshot.header(REP, "CO-A", set())["owner_name"]) == ["张三"]
    refused = snapshot.section(REP, "deals", "CO-C", present=lambda: {"sales.opportunities"})
    assert refused.frame is None and refused.reason.startswith("not computed: this company is outside your scope")


def test_a_section_without_its_table_says_not_computed(snapshot):
    present = {"sales.opportunities", "intermediate.int_account_companies"}
    missing = snapshot.section(ADMIN, "invoices", "CO-A", present=lambda: present)
    assert missing.frame is None
    assert missing.reason == ("not computed: finance.invoices, partner.company_resolution not in the published"
                              " snapshot 数据未发布")
    deals = snapshot.section(ADMIN, "deals", "CO-B", present=lambda: present)
    assert deals.source == "sales.opportunities"
    assert list(deals.frame["opportunity_id"]) == [20]


def test_every_company_table_gets_a_link_to_the_page():
    from apps import customer360_data

    frame = pd.DataFrame({"company_key": ["CO-A", "北京 甲&乙", None], "amount": [1, 2, 3]})
    linked = customer360_data.with_links(frame)
    assert "company_key" not in linked.columns
    assert list(linked["customer_360"][:2]) == [
        "customer_360?company=CO-A", "customer_360?company=%E5%8C%97%E4%BA%AC%20%E7%94%B2%26%E4%B9%99"]
    assert pd.isna(linked["customer_360"].iloc[2])  # no company: no link
    from apps import display

    assert display.kind("customer_360", linked["customer_360"]) == display.LINK


def test_the_page_reads_only_the_sections_shown_at_once(snapshot, monkeypatch):
    """The header (with each account's last touch) and the sections a rep looks at first are read
    when the page opens, the others only when opened: every other section's table is published
    here, yet none of them is read."""
    later = [s for s in snapshot.SECTIONS if not s.at_once]
    later_tables = {table for s in later for table, _ in s.sources}
    sent: list[str] = []
    read = snapshot.query
    monkeypatch.setattr(snapshot, "query", lambda sql, params=(): sent.append(sql) or read(sql, params))
    monkeypatch.setattr(snapshot, "published_tables",
                        lambda: {"sales.opportunities", snapshot.LAST_TOUCH, *later_tables})
    assert snapshot.AT_ONCE == ("deals", "contacts") and later
    accounts, shown = snapshot.first_view(REP, "CO-B")
    assert set(shown) == set(snapshot.AT_ONCE) and snapshot.has_last_touch(accounts)
    row = accounts.iloc[0]  # account 2, last touched 2026-11-20 10:00, 16 days ago, 5 activities
    assert (row["account_id"], str(row["last_activity_at"]), row["days_without_activity"], row["activities"]) == (
        2, "2026-11-20 10:00:00", 16, 5)
    assert list(shown["deals"].frame["opportunity_id"]) == [20]  # CO-B: the rep's deal
    assert shown["contacts"].reason.startswith("not computed: intermediate.int_contacts_unioned")
    assert not [sql for sql in sent if any(table in sql for table in later_tables)]
    assert len(sent) == 2  # the header (its scope check and last touch included), then the deals
    sent.clear()
    accounts, shown = snapshot.first_view(REP, "CO-C")  # outside the rep's scope: nothing beyond the header
    assert accounts.empty and shown == {} and len(sent) == 1


def test_without_the_last_touch_mart_the_header_still_shows_the_accounts(snapshot):
    accounts = snapshot.header(ADMIN, "CO-B", {"sales.opportunities"})
    assert list(accounts["account_id"]) == [2] and not snapshot.has_last_touch(accounts)
    assert snapshot.LAST_TOUCH_MISSING.startswith("not computed: ")
