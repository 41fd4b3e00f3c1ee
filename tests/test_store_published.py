"""The store against a real published snapshot (the session's S=1 pipeline run): reference data,
demo logins on the demo data's org chart, duplicate checks on the extracted accounts."""

from __future__ import annotations

import duckdb
import pytest

from operational import auth
from operational.db import dispose_all, session_scope
from operational.demo_users import DEMO_PASSWORD, demo_users, seed_demo_users
from operational.reference import Reference
from operational.scope import visible_owner_ids
from operational.workflows import accounts

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def published(pipeline_run) -> Reference:
    return Reference.from_duckdb(pipeline_run.settings.published_database)


def test_reference_reads_the_published_tables(published):
    for name in ("users", "departments", "partners", "accounts", "products", "price_books", "price_book_entries",
                 "registry", "company_resolution"):
        assert published.frame(name).height > 0, f"{name} missing from the published snapshot"


def test_demo_logins_follow_the_demo_org_chart(published, tmp_path):
    logins = {d.username: d for d in demo_users(published)}
    users = published.frame("users")
    by_id = {r["user_id"]: r for r in users.to_dicts()}
    rep1, rep2, manager = (by_id[logins[k].crm_user_id] for k in ("rep1", "rep2", "manager1"))
    assert rep1["position"] == rep2["position"] == "sales_rep"
    assert rep1["department_id"] == rep2["department_id"] == manager["department_id"]
    assert rep1["manager_id"] == rep2["manager_id"] == manager["user_id"]
    for key, position in [("finance1", "finance"), ("agent1", "service_agent"), ("service_mgr1", "service_manager"),
                          ("pm1", "product_manager"), ("channel1", "channel_manager"), ("admin", "admin")]:
        assert by_id[logins[key].crm_user_id]["position"] == position
    partner_ids = set(published.frame("partners")["partner_id"].to_list())
    assert {logins["partner1"].partner_id, logins["partner2"].partner_id} <= partner_ids
    assert logins["partner1"].partner_id != logins["partner2"].partner_id
    url = f"sqlite:///{tmp_path / 'ops.sqlite'}"
    try:
        with session_scope(url) as s:
            seed_demo_users(s, published)
        with session_scope(url) as s:
            viewer = auth.viewer_for(auth.authenticate(s, "manager1", DEMO_PASSWORD))
        assert {rep1["user_id"], rep2["user_id"]} <= visible_owner_ids(viewer, published)
    finally:
        dispose_all()


def test_duplicate_checks_against_extracted_accounts(published, pipeline_run, tmp_path):
    con = duckdb.connect(str(pipeline_run.settings.published_database), read_only=True)
    name, account_id = con.execute(
        "select account_name, account_id from intermediate.int_accounts_unioned order by account_id limit 1"
    ).fetchone()
    registered = con.execute(
        """select r.legal_name, a.account_id
           from staging.stg_partners__business_registry r
           join intermediate.int_accounts_unioned a using (unified_social_credit_code)
           where r.legal_name like '%有限公司' and r.legal_name not like '%有限责任公司'
             and a.account_name = r.legal_name
           order by a.account_id limit 1"""
    ).fetchone()
    con.close()
    url = f"sqlite:///{tmp_path / 'ops.sqlite'}"
    try:
        with session_scope(url, readonly=True) as s:
            exact = accounts.check_duplicate(s, f"  {name} ", reference=published)
            assert (exact["kind"], exact["account_id"]) == ("exact", account_id)
            if registered is not None:  # the legal name with the other legal suffix
                variant = registered[0].removesuffix("有限公司") + "有限责任公司"
                dup = accounts.check_duplicate(s, variant, reference=published)
                assert dup["kind"] in ("registry", "exact") and dup["account_id"] is not None, dup
            assert accounts.check_duplicate(s, "完全不存在的某某某测试公司", reference=published)["kind"] == "none"
    finally:
        dispose_all()
