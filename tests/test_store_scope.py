"""Permissions in the data layer: screens per role, rows per owner / team / partner."""

from __future__ import annotations

import duckdb
import pytest
import sqlalchemy as sa
import store_fixtures
from store_fixtures import (
    CHAN,
    DIRECTOR,
    FIN,
    MGR_A,
    MGR_B,
    PARTNER_1,
    PARTNER_2,
    PARTNER_3,
    PM,
    REP1,
    REP2,
    REP3,
    make_reference,
    viewer,
)

from operational import records
from operational.db import session_scope
from operational.errors import PermissionDenied
from operational.models import Lead
from operational.scope import (
    can_open,
    filter_query,
    owner_filter_sql,
    partner_filter_sql,
    require_screen,
    visible_owner_ids,
)

store_url = store_fixtures.store_url
REF = make_reference()
ADMIN = viewer("admin", 1)


def _leads(url: str) -> dict[str, int]:
    """One lead per owner (and two partner leads), written by the admin."""
    rows = {
        "rep1": {"owner_id": REP1}, "rep2": {"owner_id": REP2}, "rep3": {"owner_id": REP3},
        "mgr_a": {"owner_id": MGR_A},
        "p1": {"owner_id": REP1, "partner_id": PARTNER_1}, "p2": {"owner_id": REP3, "partner_id": PARTNER_2},
        "pool": {"owner_id": None, "is_in_pool": True},
    }
    ids = {}
    with session_scope(url) as s:
        for key, values in rows.items():
            ids[key] = records.insert(s, ADMIN, Lead, {"lead_name": f"线索 {key}", **values}, reference=REF).id
    return ids


def _visible(url: str, who) -> set[int]:
    with session_scope(url, readonly=True) as s:
        return set(s.scalars(filter_query(sa.select(Lead.id), who, Lead, REF)))


def test_rep_sees_and_changes_only_own_leads(store_url):
    ids = _leads(store_url)
    rep1 = viewer("sales_rep", REP1)
    assert _visible(store_url, rep1) == {ids["rep1"], ids["p1"], ids["pool"]}
    with session_scope(store_url) as s, pytest.raises(PermissionDenied):
        records.get(s, rep1, Lead, ids["rep2"], reference=REF)
    with session_scope(store_url) as s, pytest.raises(PermissionDenied):
        records.update(s, rep1, ids["rep2"], {"city": "北京"}, 1, model=Lead, reference=REF)
    with session_scope(store_url) as s, pytest.raises(PermissionDenied):  # cannot give own lead away
        records.update(s, rep1, ids["rep1"], {"owner_id": REP2}, 1, model=Lead, reference=REF)
    with session_scope(store_url) as s, pytest.raises(PermissionDenied):  # cannot create for another
        records.insert(s, rep1, Lead, {"lead_name": "x", "owner_id": REP2}, reference=REF)
    with session_scope(store_url) as s:
        assert s.get(Lead, ids["rep2"]).version == 1 and s.get(Lead, ids["rep1"]).owner_id == REP1
        records.update(s, rep1, ids["rep1"], {"city": "北京"}, 1, model=Lead, reference=REF)


def test_manager_sees_the_department_subtree(store_url):
    ids = _leads(store_url)
    team_a = {ids["rep1"], ids["rep2"], ids["mgr_a"], ids["p1"], ids["pool"]}
    assert _visible(store_url, viewer("sales_manager", MGR_A)) == team_a
    assert _visible(store_url, viewer("sales_manager", MGR_B)) == {ids["rep3"], ids["p2"], ids["pool"]}
    # the director's department is the parent of both teams
    assert _visible(store_url, viewer("sales_manager", DIRECTOR)) == set(ids.values())
    assert visible_owner_ids(viewer("sales_manager", MGR_A), REF) == {MGR_A, REP1, REP2}
    with session_scope(store_url) as s:
        records.update(s, viewer("sales_manager", MGR_A), ids["rep2"], {"owner_id": REP1}, 1, model=Lead, reference=REF)
    with session_scope(store_url) as s, pytest.raises(PermissionDenied):  # not into another team
        records.update(s, viewer("sales_manager", MGR_A), ids["rep1"], {"owner_id": REP3}, 1, model=Lead, reference=REF)


def test_partner_users_see_their_partner_only_and_nothing_without_one(store_url):
    ids = _leads(store_url)
    assert _visible(store_url, viewer("partner_user", partner_id=PARTNER_1)) == {ids["p1"]}
    assert _visible(store_url, viewer("partner_user", partner_id=PARTNER_2)) == {ids["p2"]}
    assert _visible(store_url, viewer("partner_user", partner_id=None)) == set()
    with session_scope(store_url) as s, pytest.raises(PermissionDenied):
        records.get(s, viewer("partner_user", partner_id=PARTNER_1), Lead, ids["p2"], reference=REF)
    # channel manager: the partners they manage (not PARTNER_3, managed by nobody here)
    assert _visible(store_url, viewer("channel_manager", CHAN)) == {ids["p1"], ids["p2"]}


def test_finance_and_admin_see_all_product_manager_none(store_url):
    ids = _leads(store_url)
    assert _visible(store_url, viewer("finance", FIN)) == set(ids.values())
    assert _visible(store_url, ADMIN) == set(ids.values())
    assert _visible(store_url, viewer("product_manager", PM)) == set()


def test_soft_deleted_rows_are_hidden(store_url):
    ids = _leads(store_url)
    with session_scope(store_url) as s:
        records.soft_delete(s, ADMIN, ids["rep1"], 1, model=Lead)
    assert ids["rep1"] not in _visible(store_url, ADMIN)


def test_models_without_owner_or_partner_are_not_row_scoped():
    from operational.models import AuditLog
    from operational.scope import row_clause, row_visible

    class Unscoped:  # e.g. company-resolution decisions: the screen permission decides
        __owner_column__ = None
        __partner_column__ = None

    for who in (viewer("channel_manager", CHAN), viewer("sales_rep", REP1), viewer("partner_user", partner_id=None)):
        assert row_visible(who, {"id": 1}, Unscoped, REF)
        assert str(row_clause(who, Unscoped, REF)) == str(sa.true())
    assert not row_visible(viewer("sales_rep", REP1), {"owner_id": REP2}, AuditLog, REF)


def test_screens_per_role():
    assert can_open(viewer("sales_rep", REP1), "leads")
    assert not can_open(viewer("sales_rep", REP1), "users")
    assert not can_open(viewer("partner_user", partner_id=PARTNER_1), "opportunities")
    assert can_open(viewer("partner_user", partner_id=PARTNER_1), "deal_registrations")
    with pytest.raises(PermissionDenied, match="users"):
        require_screen(viewer("finance", FIN), "users")
    with pytest.raises(KeyError, match="no_such_screen"):
        can_open(ADMIN, "no_such_screen")


def test_sql_snippets_filter_duckdb_rows_like_the_store():
    con = duckdb.connect()
    con.execute("create table t (owner_id bigint, partner_id bigint)")
    con.execute("insert into t values (?, null), (?, null), (?, null), (?, ?), (?, ?)",
                [REP1, REP2, REP3, REP1, PARTNER_1, REP3, PARTNER_3])

    def owners(who) -> list:
        sql, params = owner_filter_sql(who, "owner_id", REF)
        return sorted(r[0] for r in con.execute(f"select owner_id from t where {sql}", params).fetchall())

    def partners(who) -> list:
        sql, params = partner_filter_sql(who, "partner_id", REF)
        rows = con.execute(f"select partner_id from t where {sql}", params).fetchall()
        return sorted(r[0] for r in rows if r[0] is not None) + [None] * sum(r[0] is None for r in rows)

    assert owners(viewer("sales_rep", REP1)) == [REP1, REP1]
    assert owners(viewer("sales_manager", MGR_A)) == [REP1, REP1, REP2]
    assert owners(viewer("finance", FIN)) == sorted([REP1, REP2, REP3, REP1, REP3])
    assert owners(viewer("partner_user", partner_id=PARTNER_1)) == []
    assert partners(viewer("partner_user", partner_id=PARTNER_1)) == [PARTNER_1]
    assert partners(viewer("partner_user", partner_id=None)) == []
    assert partners(viewer("sales_rep", REP1)) == []
    assert partners(ADMIN) == [PARTNER_1, PARTNER_3, None, None, None]  # every row
