"""Forecast calls in the store (issue 20 item 1): reps submit for themselves, managers for their
department tree (the override), every submission a new audited row; the tree and roles follow
operational.scope. Org chart of store_fixtures: 销售部 110 > 销售一组 111 (甲经理 10, reps 11 and 12)
and 销售二组 112 (乙经理 20, rep 21); 总监 2 heads 销售部."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
import sqlalchemy as sa
from store_fixtures import DIRECTOR, MGR_A, MGR_B, REP1, REP2, SALES, TEAM_A, TEAM_B, viewer
from store_fixtures import reference as reference  # noqa: F401  (fixture)
from store_fixtures import store_url as store_url  # noqa: F401  (fixture)

from operational import records
from operational.db import session_scope
from operational.errors import PermissionDenied, ValidationError
from operational.models import AuditLog
from operational.workflows import forecast_calls as fc

D = Decimal
Q4 = dt.date(2026, 10, 1)


def submit(store_url, reference, who, **values):
    row = {"quarter_start": Q4, "commit_amount": "100000", "best_case_amount": "130000"} | values
    with session_scope(store_url) as s:
        return records.row_dict(fc.submit_call(s, who, reference=reference, **row))


def test_rep_and_manager_calls_are_new_audited_rows(store_url, reference):
    rep1, manager_a = viewer("sales_rep", REP1), viewer("sales_manager", MGR_A)
    first = submit(store_url, reference, rep1, note="大单在谈")
    again = submit(store_url, reference, rep1, commit_amount="110,000.00", best_case_amount="140000")
    assert first["id"] != again["id"]  # a resubmission never overwrites: the history is the rows
    assert (first["call_level"], first["owner_id"], first["department_id"]) == ("rep", REP1, TEAM_A)
    assert (again["commit_amount"], again["best_case_amount"]) == (D("110000.00"), D("140000.00"))
    call = submit(store_url, reference, manager_a, commit_amount="120000", best_case_amount="150000")
    assert (call["call_level"], call["owner_id"], call["department_id"]) == ("manager", MGR_A, TEAM_A)
    with session_scope(store_url, readonly=True) as s:
        entries = list(s.scalars(sa.select(AuditLog).where(AuditLog.table_name == "forecast_submissions")))
        seen_by_rep = [r.id for r in fc.list_calls(s, rep1, quarter_start=Q4, reference=reference)]
        seen_by_manager = {r.id for r in fc.list_calls(s, manager_a, reference=reference)}
    assert sorted(e.action for e in entries) == ["submit"] * 3
    assert json.loads(next(e for e in entries if e.record_id == first["id"]).after_json)["note"] == "大单在谈"
    assert seen_by_rep == [again["id"], first["id"]]  # own calls only, newest first
    assert seen_by_manager == {first["id"], again["id"], call["id"]}


def test_department_tree_decides_who_calls_for_what(store_url, reference):
    director = viewer("sales_manager", DIRECTOR)
    assert fc.call_departments(director, reference) == {SALES, TEAM_A, TEAM_B}
    assert fc.call_departments(viewer("sales_rep", REP2), reference) == {TEAM_A}
    assert submit(store_url, reference, director, department_id=TEAM_B)["department_id"] == TEAM_B
    with pytest.raises(PermissionDenied):  # team B's manager cannot call team A
        submit(store_url, reference, viewer("sales_manager", MGR_B), department_id=TEAM_A)
    with pytest.raises(PermissionDenied):  # a rep calls their own department only
        submit(store_url, reference, viewer("sales_rep", REP1), department_id=SALES)
    for who in (viewer("admin", 1), viewer("finance", 40)):
        with pytest.raises(PermissionDenied):
            submit(store_url, reference, who)
    with session_scope(store_url, readonly=True) as s:  # the director's call is the director's row
        assert fc.list_calls(s, viewer("sales_manager", MGR_B), reference=reference) == []
        assert len(fc.list_calls(s, viewer("admin", 1), reference=reference)) == 1
    with pytest.raises(PermissionDenied), session_scope(store_url, readonly=True) as s:
        fc.list_calls(s, viewer("finance", 40), reference=reference)


def test_bad_calls_are_named_per_field(store_url, reference):
    rep1 = viewer("sales_rep", REP1)
    with pytest.raises(ValidationError) as err:
        submit(store_url, reference, rep1, quarter_start=dt.date(2026, 11, 1), commit_amount="-1",
               best_case_amount="lots")
    assert set(err.value.errors) == {"quarter_start", "commit_amount", "best_case_amount"}
    with pytest.raises(ValidationError) as err:
        submit(store_url, reference, rep1, commit_amount="200000", best_case_amount="150000")
    assert "at least the commit" in err.value.errors["best_case_amount"]
    assert fc.quarter_of(dt.date(2026, 12, 5)) == Q4
