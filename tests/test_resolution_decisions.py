"""Review decisions on fuzzy company-name matches: stored in the operational store by the name-review
page (channel managers only), read by company resolution on its next run: accept merges, reject
keeps apart.

The case: 杭州明辉精密机械设备制造有限公司 is typed once beside 杭州明辉精密机械制造有限公司 (neither in
the registry); rapidfuzz scores them 92 (without the city), between the review (90) and auto-merge
(95) thresholds, so the second name goes to review with the first as the suggested company.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest
from app_login import as_viewer, create_login, viewer
from streamlit.testing.v1 import AppTest

from kernel.company_names.registry import LocalRegistry
from kernel.company_names.resolution import resolve
from operational.db import session_scope
from operational.errors import PermissionDenied, ValidationError
from operational.workflows.resolution import record_decision
from pipelines.partner.assets import company_resolution
from pipelines.partner.decisions import load_decisions
from pipelines.resources import LakehouseResource

REPO = Path(__file__).resolve().parents[1]
APPS = REPO / "apps"
BASE = "杭州明辉精密机械制造有限公司"
VARIANT = "杭州明辉精密机械设备制造有限公司"
OTHER = "苏州远大环保工程有限公司"
EMPTY_REGISTRY = LocalRegistry(
    pl.DataFrame(schema={"unified_social_credit_code": pl.String, "legal_name": pl.String, "city": pl.String, "short_names": pl.String})
)


def _resolved(decisions: pl.DataFrame | None = None) -> dict[str, dict]:
    names = pl.DataFrame({"typed_name": [BASE, BASE, VARIANT, OTHER]})
    return {r["typed_name"]: r for r in resolve(names, EMPTY_REGISTRY, decisions=decisions).iter_rows(named=True)}


def _decision(name: str, key: str, decision: str) -> pl.DataFrame:
    from kernel.company_names.normalize import normalize

    return pl.DataFrame({"normalized_name": [normalize(name)], "company_key": [key], "decision": [decision]})


# ---------------------------------------------------------------- the resolver

def test_fuzzy_pair_goes_to_review_then_accept_merges_and_reject_keeps_apart():
    before = _resolved()
    base_key = before[BASE]["company_key"]
    assert before[VARIANT]["status"] == "review" and before[VARIANT]["method"] == "fuzzy"
    assert 90 <= before[VARIANT]["score"] < 95
    assert before[VARIANT]["suggested_company_key"] == base_key
    assert before[VARIANT]["company_key"] != base_key

    accepted = _resolved(_decision(VARIANT, base_key, "accept"))
    assert accepted[VARIANT]["company_key"] == base_key
    assert accepted[VARIANT]["company_name"] == before[BASE]["company_name"]
    assert (accepted[VARIANT]["method"], accepted[VARIANT]["status"]) == ("review_accepted", "resolved")
    assert accepted[OTHER]["company_key"] == before[OTHER]["company_key"]  # nobody else moves

    rejected = _resolved(_decision(VARIANT, base_key, "reject"))
    assert rejected[VARIANT]["company_key"] == before[VARIANT]["company_key"] != base_key
    assert (rejected[VARIANT]["method"], rejected[VARIANT]["status"]) == ("review_rejected", "new")


def test_names_merged_into_an_accepted_name_follow_it():
    """杭州明辉精密机械设备制造有限公司一 / …一厂 merge into the variant on their own (97); accepting the
    variant takes them along into the base company."""
    names = pl.DataFrame({"typed_name": [BASE, BASE, BASE, VARIANT, VARIANT, VARIANT + "一", VARIANT + "一厂"]})
    before = {r["typed_name"]: r for r in resolve(names, EMPTY_REGISTRY).iter_rows(named=True)}
    assert before[VARIANT + "一"]["company_key"] == before[VARIANT]["company_key"]
    assert before[VARIANT]["status"] == "review"
    base_key = before[BASE]["company_key"]
    after = resolve(names, EMPTY_REGISTRY, decisions=_decision(VARIANT, base_key, "accept"))
    assert after["company_key"].unique().to_list() == [base_key]


def test_a_reject_of_another_suggestion_does_not_apply():
    after = _resolved(_decision(VARIANT, "N-SOME-OTHER-COMPANY", "reject"))
    assert after[VARIANT]["status"] == "review"


# ---------------------------------------------------------------- the store

@pytest.fixture
def store(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'ops.sqlite'}"
    monkeypatch.setenv("CRMLAKE_OPERATIONAL_URL", url)
    return url


def test_absent_store_means_no_decisions_and_is_not_created(tmp_path):
    path = tmp_path / "nothing.sqlite"
    assert load_decisions(f"sqlite:///{path}").height == 0
    assert not path.exists()


def test_only_channel_managers_and_admins_decide_and_bad_input_names_the_field(store):
    manager = create_login("cm_review", "channel_manager")
    rep = create_login("rep_review", "sales_rep")
    with session_scope(store) as session, pytest.raises(PermissionDenied):
        record_decision(session, rep, typed_name=VARIANT, company_key="K", decision="accept")
    with session_scope(store) as session, pytest.raises(ValidationError) as err:
        record_decision(session, manager, typed_name=" ", company_key="K", decision="maybe")
    assert set(err.value.errors) == {"typed_name", "decision"}
    assert load_decisions(store).height == 0

    with session_scope(store) as session:
        record_decision(session, manager, typed_name=VARIANT, company_key="K1", decision="accept", comment="同一家")
    with session_scope(store) as session:
        record_decision(session, manager, typed_name=f" {VARIANT} ", company_key="K1", decision="reject")
    got = load_decisions(store)
    assert got.rows() == [(VARIANT, "K1", "reject")]  # the latest decision per normalized name


# ---------------------------------------------------------------- pipeline + page

def _write_staging(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema staging")
        con.execute("create schema intermediate")
        con.execute("create table intermediate.int_accounts_unioned as select * from (values (1, ?), (2, ?), (3, ?)) t(account_id, account_name)",
                    [BASE, VARIANT, OTHER])
        con.execute("create table intermediate.int_leads_unioned as select 10 as lead_id, ? as company_name", [BASE])
        con.execute("create table intermediate.int_deal_registrations_unioned (customer_name varchar)")
        for table, col in (("stg_partners__sales_reports", "end_customer_name"),
                           ("stg_erp__shipments", "customer_name"), ("stg_erp__invoices", "customer_name"),
                           ("stg_erp__bank_receipts", "payer_name")):
            con.execute(f"create table staging.{table} ({col} varchar)")
        con.execute("create table staging.stg_partners__business_registry "
                    "(unified_social_credit_code varchar, legal_name varchar, city varchar, short_names varchar)")


def _run_resolution(home: Path) -> dict[str, dict]:
    resource = LakehouseResource(landing_dir=str(home / "landing"), lakehouse_dir=str(home / "lakehouse"),
                                 published_dir=str(home / "published"))
    assert dg.materialize([company_resolution], resources={"lakehouse": resource}).success
    with duckdb.connect(str(home / "lakehouse" / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute("select typed_name, company_key, method, status, suggested_company_key from partner.company_resolution").fetchall()
    return {r[0]: dict(zip(("typed_name", "company_key", "method", "status", "suggested_company_key"), r, strict=True)) for r in rows}


def _publish_review_mart(home: Path) -> None:
    """The real dbt model partner.resolution_review over the resolution, copied as the snapshot."""
    warehouse = home / "lakehouse" / "warehouse.duckdb"
    env = {**os.environ, "CRMLAKE_WAREHOUSE_PATH": str(warehouse), "CRMLAKE_RAW_DIR": str(home / "raw"),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    project = REPO / "dbt_project"
    done = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "run", "--select", "resolution_review", "int_partner_names_resolved",
         "--project-dir", str(project), "--profiles-dir", str(project),
         "--target-path", str(home / "target"), "--log-path", str(home / "logs")],
        env=env, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    (home / "published").mkdir(exist_ok=True)
    shutil.copy(warehouse, home / "published" / "crmlake.duckdb")


@pytest.fixture
def home(tmp_path, store, monkeypatch):
    from kernel.settings import get_settings

    home = tmp_path / "home"
    (home / "lakehouse").mkdir(parents=True)
    _write_staging(home / "lakehouse" / "warehouse.duckdb")
    for key, value in get_settings({"CRMLAKE_HOME": str(home), "CRMLAKE_OPERATIONAL_URL": store}).as_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.syspath_prepend(str(APPS))
    import streamlit as st

    st.cache_data.clear()
    return home


def _page(who) -> AppTest:
    return as_viewer(AppTest.from_file(str(APPS / "views" / "partner" / "resolution_review.py"), default_timeout=60), who)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_page_accept_then_next_run_merges_and_reject_splits_again(home):
    first = _run_resolution(home)
    assert first[VARIANT]["status"] == "review"
    base_key = first[BASE]["company_key"]
    _publish_review_mart(home)

    # a partner user may not open the page; a channel manager sees the one name to review
    refused = _page(viewer("partner_user", partner_id=4))
    refused.run()
    assert refused.error and "may not open" in refused.error[0].value and not refused.dataframe
    manager = create_login("cm_page", "channel_manager")
    at = _page(manager)
    at.run()
    assert not at.exception
    assert _metrics(at) == {"Names to review 待复核名称": "1", "Undecided 未处理": "1"}

    # accept in the form: stored with who decided, shown as decided, applied on the next run
    at.radio(key="review_decision").set_value("accept")
    at.text_input(key="review_comment").input("同一家公司")
    at.button[0].click().run()
    assert not at.exception and not at.error
    assert "Saved" in at.success[0].value
    assert _metrics(at)["Undecided 未处理"] == "0"
    with session_scope(readonly=True) as session:
        from operational.workflows.resolution import decisions

        stored = decisions(session, manager)
    assert [(d["typed_name"], d["company_key"], d["decision"], d["decided_by"], d["comment"]) for d in stored] == [
        (VARIANT, base_key, "accept", manager.user_id, "同一家公司")
    ]
    merged = _run_resolution(home)
    assert merged[VARIANT]["company_key"] == base_key and merged[VARIANT]["method"] == "review_accepted"
    _publish_review_mart(home)
    after = _page(manager)
    after.run()
    assert _metrics(after)["Names to review 待复核名称"] == "0"

    # a later reject keeps the name a company of its own again
    with session_scope() as session:
        record_decision(session, manager, typed_name=VARIANT, company_key=base_key, decision="reject")
    apart = _run_resolution(home)
    assert apart[VARIANT]["company_key"] == first[VARIANT]["company_key"] != base_key
    assert (apart[VARIANT]["method"], apart[VARIANT]["status"]) == ("review_rejected", "new")
