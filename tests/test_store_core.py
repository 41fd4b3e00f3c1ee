"""Operational store core: migrations, ids, audited saves, validation, optimistic concurrency.

Runs on SQLite (a file per test) and, when ``CRMLAKE_TEST_POSTGRES_URL`` is set, on PostgreSQL.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
import time
import types
from decimal import Decimal

import pytest
import sqlalchemy as sa
import store_fixtures
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from store_fixtures import REP1, REP2, make_reference, viewer

from operational import records
from operational.db import engine_for, session_scope
from operational.errors import NotFound, StaleRecordError, ValidationError
from operational.ids import OPS_ID_BASE, next_id
from operational.migrate import current_revision, upgrade
from operational.models import AuditLog, Base, Lead, Opportunity

store_url = store_fixtures.store_url  # fixture: SQLite, and PostgreSQL when configured
ADMIN = viewer("admin", 1)


def _lead(url: str, **values) -> tuple[int, int]:
    with session_scope(url) as s:
        lead = records.insert(s, ADMIN, Lead, {"lead_name": "王五", "owner_id": REP1, **values})
        return lead.id, lead.version


# -- migrations
def test_upgrade_from_empty_creates_exactly_the_models(store_url):
    upgrade(store_url)
    upgrade(store_url)  # idempotent
    with engine_for(store_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        tables = set(sa.inspect(conn).get_table_names())
    assert diff == [], f"migrations and models differ: {diff}"
    assert {"app_users", "audit_log", "id_counter", "leads", "accounts", "contacts", "opportunities",
            "opportunity_stage_history"} <= tables
    assert current_revision(store_url) is not None


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    url = f"sqlite:///{tmp_path / 'ops.sqlite'}"
    with session_scope(url) as s:
        assert s.execute(sa.text("pragma journal_mode")).scalar() == "wal"
        assert s.execute(sa.text("pragma foreign_keys")).scalar() == 1
        assert s.execute(sa.text("pragma busy_timeout")).scalar() >= 1000


def test_ids_are_above_the_extracts_range_and_never_repeat(store_url):
    with session_scope(store_url) as s:
        first = next_id(s)
        block = next_id(s, 5)
        after = next_id(s)
    assert first >= OPS_ID_BASE
    assert block == first + 1 and after == block + 5
    lead_id, _ = _lead(store_url)
    assert lead_id > after
    assert lead_id > 9_999_999_999_999  # a 13-digit extract id is always smaller


# -- audited writes
def test_insert_update_delete_are_audited_with_before_and_after(store_url):
    lead_id, version = _lead(store_url, mobile="13800000000")
    with session_scope(store_url) as s:
        lead = records.update(s, ADMIN, lead_id, {"status": "contacted", "city": "杭州"}, version, model=Lead)
        assert lead.version == version + 1
    with session_scope(store_url) as s:
        records.soft_delete(s, ADMIN, lead_id, version + 1, model=Lead, comment="重复线索")
    with session_scope(store_url) as s:
        trail = records.history(s, "leads", lead_id)
        with pytest.raises(NotFound):
            records.get(s, ADMIN, Lead, lead_id)
    assert [t["action"] for t in trail] == ["insert", "update", "delete"]
    assert trail[0]["before"] is None and trail[0]["after"]["lead_name"] == "王五"
    update = {c["field"]: (c["before"], c["after"]) for c in trail[1]["changes"]}
    assert update == {"status": ("new", "contacted"), "city": (None, "杭州")}
    assert trail[1]["changed_by"] == ADMIN.user_id and trail[1]["changed_by_name"] == ADMIN.username
    assert trail[2]["comment"] == "重复线索" and trail[2]["after"]["deleted_at"] is not None


def test_validation_names_every_bad_field(store_url):
    with session_scope(store_url) as s, pytest.raises(ValidationError) as err:
        records.insert(s, ADMIN, Opportunity, {"opportunity_name": " ", "account_id": "abc", "amount": "12.345",
                                               "stage": "初步接洽", "close_date": "2026-13-01"})
    errors = err.value.errors
    assert set(errors) == {"opportunity_name", "account_id", "amount", "close_date"}
    assert "Required" in errors["opportunity_name"]
    assert "whole number" in errors["account_id"]
    assert "decimal places" in errors["amount"]
    assert "YYYY-MM-DD" in errors["close_date"]
    with session_scope(store_url) as s:  # nothing was written
        assert s.scalar(sa.select(sa.func.count()).select_from(Opportunity)) == 0
        assert s.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == 0


def test_money_is_exact_decimal(store_url):
    with session_scope(store_url) as s:
        opp = records.insert(s, ADMIN, Opportunity, {"opportunity_name": "MES 二期", "account_id": 1,
                                                     "stage": "初步接洽", "owner_id": REP1, "amount": "1,234,567.89"})
        opp_id = opp.id
    with session_scope(store_url) as s:
        assert s.get(Opportunity, opp_id).amount == Decimal("1234567.89")


def test_system_fields_cannot_be_set(store_url):
    lead_id, version = _lead(store_url)
    with session_scope(store_url) as s, pytest.raises(ValueError, match="version"):
        records.update(s, ADMIN, lead_id, {"version": 99}, version, model=Lead)


# -- optimistic concurrency
def test_two_sessions_saving_the_same_version_second_sees_the_newer_values(store_url):
    lead_id, version = _lead(store_url)
    with session_scope(store_url, readonly=True) as s:  # Alice opens the form
        alice = records.get(s, ADMIN, Lead, lead_id)
    with session_scope(store_url, readonly=True) as s:  # Bob opens the form
        bob = records.get(s, ADMIN, Lead, lead_id)
    assert alice.version == bob.version == version
    with session_scope(store_url) as s:  # Alice saves first
        records.update(s, ADMIN, alice, {"city": "苏州"}, alice.version)
    with pytest.raises(StaleRecordError) as err, session_scope(store_url) as s:  # Bob saves over v1
        records.update(s, ADMIN, bob, {"city": "无锡"}, bob.version)
    assert err.value.current["city"] == "苏州" and err.value.current["version"] == version + 1
    assert "reload" in str(err.value)
    with session_scope(store_url) as s:
        assert s.get(Lead, lead_id).city == "苏州"
        assert [t["action"] for t in records.history(s, "leads", lead_id)] == ["insert", "update"]


def test_two_open_sessions_interleaved(store_url):
    """Both sessions are open at once; the version check, not a lock, decides."""
    lead_id, version = _lead(store_url)
    engine = engine_for(store_url)
    from sqlalchemy.orm import Session

    first = Session(engine.execution_options(sqlite_begin="DEFERRED"))
    second = Session(engine.execution_options(sqlite_begin="DEFERRED"))
    try:
        a = first.get(Lead, lead_id)
        b = second.get(Lead, lead_id)
        first.rollback()
        second.rollback()
        records.update(first, ADMIN, a, {"status": "contacted"}, version)
        first.commit()
        with pytest.raises(StaleRecordError) as err:
            records.update(second, ADMIN, b, {"status": "disqualified"}, version)
        second.rollback()
        assert err.value.current["status"] == "contacted"
    finally:
        first.close()
        second.close()


@pytest.fixture
def plain_main(monkeypatch):
    """A blank ``__main__`` for spawned children: after an AppTest in the same session,
    ``__main__`` is the last Streamlit page, which a spawned child would re-run on start."""
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))


def _call_into(results, index: int, target, args) -> None:  # runs in a child process
    try:
        results[index] = ("ok", target(*args))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which asserts
        results[index] = ("error", f"{type(exc).__name__}: {exc}")


def _in_processes(ctx, manager, target, arg_lists: list[tuple], timeout: float = 300) -> list:
    """``target(*args)`` in one spawned process each; their results, in order.

    Not a Pool: a Pool whose worker dies or raises mid-task can hang the test for good; here a
    child that fails, dies or hangs becomes an assertion naming it, within ``timeout``.
    """
    results = manager.dict()
    children = [ctx.Process(target=_call_into, args=(results, i, target, args)) for i, args in enumerate(arg_lists)]
    for child in children:
        child.start()
    deadline = time.monotonic() + timeout
    for child in children:
        child.join(max(0.0, deadline - time.monotonic()))
    for child in children:
        if child.is_alive():
            child.kill()
            child.join()
    got = [results.get(i, ("died", f"exit code {c.exitcode}")) for i, c in enumerate(children)]
    problems = [f"child {i}: {kind}: {detail}" for i, (kind, detail) in enumerate(got) if kind != "ok"]
    assert not problems, problems
    return [value for _, value in got]


def _race(url: str, lead_id: int, version: int, name: str, barrier) -> str:  # runs in a child process
    from operational import records
    from operational.db import session_scope
    from operational.errors import StaleRecordError
    from operational.models import Lead
    from operational.scope import Viewer

    who = Viewer(user_id=1, username=f"proc-{name}", role="admin", crm_user_id=1)
    barrier.wait(timeout=120)
    try:
        with session_scope(url) as s:
            records.update(s, who, lead_id, {"lead_name": name}, version, model=Lead)
        return "saved"
    except StaleRecordError:
        return "stale"


def test_processes_racing_one_update_exactly_one_wins(store_url, plain_main):
    lead_id, version = _lead(store_url)
    ctx = mp.get_context("spawn")
    n = 4
    with ctx.Manager() as manager:
        barrier = manager.Barrier(n)
        outcomes = _in_processes(ctx, manager, _race,
                                 [(store_url, lead_id, version, f"p{i}", barrier) for i in range(n)])
    assert sorted(outcomes) == ["saved"] + ["stale"] * (n - 1)
    with session_scope(store_url) as s:
        lead = s.get(Lead, lead_id)
        winner = outcomes.index("saved")
        assert lead.version == version + 1 and lead.lead_name == f"p{winner}"
        assert [t["action"] for t in records.history(s, "leads", lead_id)] == ["insert", "update"]


def test_stale_save_of_a_row_now_outside_scope_shows_only_its_version(store_url):
    ref = make_reference()
    rep1 = viewer("sales_rep", REP1)
    lead_id, version = _lead(store_url)
    with session_scope(store_url) as s:  # the manager hands it to rep2 meanwhile
        records.update(s, ADMIN, lead_id, {"owner_id": REP2}, version, model=Lead)
    with pytest.raises(Exception) as err, session_scope(store_url) as s:
        records.update(s, rep1, lead_id, {"city": "宁波"}, version, model=Lead, reference=ref)
    assert isinstance(err.value, PermissionError)  # no longer theirs: not even stale details


def _first_use(url: str, barrier) -> int:  # runs in a child process
    from operational.db import session_scope
    from operational.ids import next_id

    barrier.wait(timeout=120)
    with session_scope(url) as s:
        return next_id(s)


def test_processes_starting_on_an_empty_store_migrate_it_once(store_url, plain_main):
    ctx = mp.get_context("spawn")
    n = 3
    with ctx.Manager() as manager:
        barrier = manager.Barrier(n)
        ids = _in_processes(ctx, manager, _first_use, [(store_url, barrier)] * n)
    assert sorted(ids) == list(range(OPS_ID_BASE, OPS_ID_BASE + n))
    assert current_revision(store_url) is not None
