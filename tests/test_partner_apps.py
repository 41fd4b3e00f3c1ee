"""Partners pages and partner-scoped access, driven by AppTest against a published snapshot that
holds the partner.md R2 scenario (two partners, P1 and P4) built by the real dbt models."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from app_login import as_viewer, viewer
from streamlit.testing.v1 import AppTest

APPS = Path(__file__).resolve().parents[1] / "apps"
PAGES = APPS / "views" / "partner"


@pytest.fixture(scope="module")
def published(partner_case_warehouse, tmp_path_factory):
    """A home whose snapshot is a copy of the cases' warehouse (built once with test_partner_cases)."""
    home = tmp_path_factory.mktemp("partner_apps") / "home"
    (home / "published").mkdir(parents=True)
    shutil.copy(partner_case_warehouse, home / "published" / "crmlake.duckdb")
    return home


@pytest.fixture
def env(published, monkeypatch, tmp_path):
    from kernel.settings import get_settings

    settings = get_settings({"CRMLAKE_HOME": str(published), "CRMLAKE_OPERATIONAL_URL": f"sqlite:///{tmp_path / 'ops.sqlite'}"})
    for key, value in settings.as_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("CRMLAKE_OPERATIONAL_URL", f"sqlite:///{tmp_path / 'ops.sqlite'}")
    monkeypatch.syspath_prepend(str(APPS))
    import streamlit as st

    st.cache_data.clear()
    return settings


def _page(name: str, who) -> AppTest:
    return as_viewer(AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=60), who)


def _viewer(role, partner_id=None):
    """A partner user of ``partner_id``, or (the case has no channel-manager assignments) an admin."""
    if role == "partner":
        return viewer("partner_user", username=f"partner{partner_id}", partner_id=partner_id)
    return viewer("admin")


def test_data_layer_partner_cannot_read_another_partners_rows(env):
    from apps import partner_data as data

    p1 = _viewer("partner", 1)
    own = data.statements(p1)
    assert set(own["partner_id"]) == {1}
    with pytest.raises(PermissionError):
        data.statement_lines(p1, 4, "2026-09")  # P4's statement
    with pytest.raises(PermissionError):
        data.dispute_line(p1, 4, "2026-09", "4|2026-09|40001|-", "x")
    with pytest.raises(PermissionError):
        data.conflicts(p1)
    with pytest.raises(PermissionError):
        data.review_list(p1)
    manager = data.statements(_viewer("channel_manager"))
    assert set(manager["partner_id"]) == {1, 4}


def test_reconciliation_page_as_partner_shows_only_own_statement(env):
    at = _page("reconciliation", _viewer("partner", 1))
    at.run()
    assert not at.exception
    with duckdb.connect(str(env.published_database), read_only=True) as con:
        name = con.execute("select partner_name from partner.statements where partner_id = 1").fetchone()[0]
    assert at.selectbox(key="statement").options == [f"P1 {name} · 2026-09"]  # the partner by name
    metrics = {m.label: m.value for m in at.metric}
    with duckdb.connect(str(env.published_database), read_only=True) as con:
        vendor, partner, diff = con.execute(
            "select vendor_total, partner_total, difference from partner.statements where partner_id = 1"
        ).fetchone()
    assert (vendor, partner, diff) == (Decimal("30800.00"), Decimal("27300.00"), Decimal("-3500.00"))
    assert metrics["Vendor total 厂商金额"] == "¥30,800.00"
    assert metrics["Partner total 伙伴金额"] == "¥27,300.00"
    assert metrics["Difference 差额"] == "-¥3,500.00"
    shown = at.dataframe[0].value
    assert set(shown["line_class"]) == {"matched", "quantity_differs", "price_violation", "missing_in_partner_report", "missing_in_vendor_records"}
    # the rebates table is scoped too: P1 has no rebate rows, nobody else's show
    assert all(code == "P1" for code in at.dataframe[1].value["partner_code"])


def test_partner_disputes_a_line_and_the_statement_turns_disputed(env):
    at = _page("reconciliation", _viewer("partner", 1))
    at.run()
    at.text_input(key="dispute_reason").input("数量不符")
    at.button[0].click().run()  # the form's submit button
    assert not at.exception
    at = _page("reconciliation", _viewer("partner", 1))
    at.run()
    assert {m.label: m.value for m in at.metric}["Status 状态"] == "有异议"  # disputed, as a Chinese label


def test_conflicts_page_for_managers(env):
    at = _page("conflicts", _viewer("channel_manager"))
    at.run()
    assert not at.exception
    with duckdb.connect(str(env.published_database), read_only=True) as con:
        n = con.execute("select count(*) from partner.conflicts").fetchone()[0]
    assert {m.label: m.value for m in at.metric}["Conflicts 撞单数"] == str(n)
    assert len(at.dataframe[0].value) == n


def test_conflicts_and_review_pages_refuse_partner_users(env):
    for page in ("conflicts", "resolution_review"):
        at = _page(page, _viewer("partner", 4))
        at.run()
        assert not at.exception
        assert at.error and "may not open" in at.error[0].value and not at.dataframe


def test_review_page(env):
    at = _page("resolution_review", _viewer("channel_manager"))
    at.run()
    assert not at.exception
    with duckdb.connect(str(env.published_database), read_only=True) as con:
        n = con.execute("select count(*) from partner.resolution_review").fetchone()[0]
    assert {m.label: m.value for m in at.metric}["Names to review 待复核名称"] == str(n)


def test_settlement_page_disputes_answered_confirmed_released(env):
    """Issue 21, P1's statement 2026-09 (vendor 30,800.00, partner 27,300.00): the partner disputes
    SKU-B, C, D and E; the vendor side accepts B at 8,000.00 and E at 900.00 and rejects C and D.
    Agreed goods 10,000 + 8,000 + 10,000 + 800 + 900 = 29,700.00, no payout lines in this case,
    net 29,700.00; both sides confirm (the open difference is 0), finance releases: payable."""
    from apps import partner_data
    from apps import partner_settlement_data as data
    from operational.db import session_scope
    from operational.workflows import partner_settlement as store

    p1, vendor = _viewer("partner", 1), _viewer("admin")
    lines = partner_data.statement_lines(p1, 1, "2026-09")
    key = dict(zip(lines["product_code"], lines["line_key"], strict=True))
    for product in ("SKU-B", "SKU-C", "SKU-D", "SKU-E"):
        partner_data.dispute_line(p1, 1, "2026-09", key[product], f"{product} 不符")
    with pytest.raises(ValueError, match="disputed line"):
        partner_data.confirm_statement(p1, 1, "2026-09")
    with session_scope(env.operational_url, readonly=True) as s:
        ids = {r["line_key"]: r["dispute_id"] for r in store.disputes(s, 1, "2026-09")}
    with pytest.raises(PermissionError):
        data.answer_dispute(p1, 1, ids[key["SKU-B"]], "accept", adjusted_amount="8000")
    data.answer_dispute(vendor, 1, ids[key["SKU-B"]], "accept", adjusted_amount="8000.00")
    data.answer_dispute(vendor, 1, ids[key["SKU-C"]], "reject", note="无特价 no special price")
    data.answer_dispute(vendor, 1, ids[key["SKU-D"]], "reject", note="签收单 signed receipt")
    data.answer_dispute(vendor, 1, ids[key["SKU-E"]], "accept", adjusted_amount="900")
    partner_data.confirm_statement(p1, 1, "2026-09")
    partner_data.confirm_statement(vendor, 1, "2026-09")
    at = _page("settlement", vendor)
    at.run()
    assert not at.exception
    at.selectbox(key="settlement_statement").select(next(o for o in at.selectbox(key="settlement_statement").options
                                                         if o.startswith("P1 "))).run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["货款（确认） Agreed goods"] == "¥29,700.00"
    assert metrics["应付伙伴 Payouts"] == "¥0.00"
    assert metrics["净额 Net (partner pays)"] == "¥29,700.00"
    at.button(key="release").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert list(data.payables(p1)["net_amount"]) == [Decimal("29700.00")]
    assert data.payables(_viewer("partner", 4)).empty  # P4 never sees P1's payable
    assert partner_data.statements(p1)["status"].tolist() == ["payable"]
