"""Dispatch pool (issue 21): grab within the timeout, force-assigned by rule at exactly the limit.

Hand-computed cases (grab_timeout_minutes 30, max_open_orders 3):
- An order pooled at 10:00:00 has its deadline at 10:30:00. The check at 10:29:59 assigns nothing;
  the check at 10:30:00 force-assigns it, dispatched_at = 10:30:00 (== the limit, not before);
  an engineer's grab at 10:30:00 is refused.
- The rule for a 维修 order of a 杭州 customer in 现场服务组: E1 杭州 (安装 only, load 0), E2 天津
  (维修, load 0), E3 杭州 (维修, load 2), E4 杭州 (维修, load 3 = full). Skill first (E2, E3; E4 is
  not free), then the same city: E3, though it carries more load. With E3 full too: E2.
- An assign group (大客户现场组) is never force-assigned and cannot be grabbed; its manager assigns.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
import sqlalchemy as sa
from store_workflow_fixtures import build_reference_db, store, store_url, viewer  # noqa: F401

from kernel.config.dispatch import Dispatch
from operational.db import session_scope
from operational.errors import ValidationError
from operational.models.dispatch import DispatchEvent, FieldWorkOrder
from operational.models.users import AuditLog
from operational.reference import Reference
from operational.workflows import dispatch as dp

T0 = dt.datetime(2026, 12, 5, 10, 0, 0)
SETTINGS = Dispatch(grab_timeout_minutes=30, max_open_orders=3, group_modes={"大客户现场组": "assign"})
FIELD = "现场服务组"
PROFILES = [  # engineer, name, team, crm user, home city, service type done
    ("E1", "钱工", FIELD, None, "杭州", "安装"),
    ("E2", "孙工", FIELD, 401, "天津", "维修"),
    ("E3", "李工", FIELD, None, "杭州", "维修"),
    ("E4", "周工", FIELD, None, "杭州", "维修"),
    ("E9", "吴工", "大客户现场组", None, "杭州", "维修"),
]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Reference:
    path = build_reference_db(tmp_path_factory.mktemp("dispatch") / "published.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute("create table intermediate.int_field_engineer_profiles (engineer_id varchar, engineer_name varchar, "
                    "team varchar, crm_user_id bigint, home_city varchar, service_type varchar)")
        con.executemany("insert into intermediate.int_field_engineer_profiles values (?, ?, ?, ?, ?, ?)", PROFILES)
    return Reference.from_duckdb(path)


def _order(url, ref, team=FIELD, at=T0) -> int:
    with session_scope(url) as s:  # account 5001 is 杭州明达 (city 杭州)
        return dp.create_work_order(s, viewer("service_mgr1"), account_id=5001, service_type="维修", team=team,
                                    dispatch=SETTINGS, now=at, reference=ref).id


def test_rule_prefers_skill_then_same_city_then_load(reference):
    engineers = dp.engineers(reference)
    order = {"team": FIELD, "service_type": "维修", "city": "杭州"}
    chosen, why = dp.choose_engineer(order, engineers, {"E3": 2, "E4": 3}, 3)
    assert chosen.engineer_id == "E3" and "同城" in why and "2/3" in why
    chosen, _ = dp.choose_engineer(order, engineers, {"E3": 3, "E4": 3}, 3)
    assert chosen.engineer_id == "E2"
    nobody, why = dp.choose_engineer(order, engineers, {e: 3 for e in ("E1", "E2", "E3", "E4")}, 3)
    assert nobody is None and "no free engineer" in why


def test_grab_timeout_force_assigns_at_exactly_the_limit(store, reference):  # noqa: F811
    oid = _order(store, reference)
    limit = T0 + dt.timedelta(minutes=30)
    with session_scope(store) as s:
        assert s.get(FieldWorkOrder, oid).grab_deadline == limit
        before = dp.force_assign_expired(s, now=limit - dt.timedelta(seconds=1), dispatch=SETTINGS, reference=reference)
        assert before == {"due": 0, "force_assigned": 0, "no_engineer_free": 0}
        assert s.get(FieldWorkOrder, oid).status == "open"
    with session_scope(store) as s, pytest.raises(ValidationError):
        dp.grab(s, viewer("agent1"), oid, dispatch=SETTINGS, now=limit, reference=reference)
    with session_scope(store) as s:
        assert dp.expired_offers(s, now=limit) == 1
        at_limit = dp.force_assign_expired(s, now=limit, dispatch=SETTINGS, reference=reference)
        assert at_limit == {"due": 1, "force_assigned": 1, "no_engineer_free": 0}
        order = s.get(FieldWorkOrder, oid)
        assert (order.status, order.assigned_how, order.engineer_id, order.dispatched_at) == ("dispatched", "forced", "E3", limit)
        steps = [(e.event_type, e.event_time, e.actor) for e in s.scalars(
            sa.select(DispatchEvent).where(DispatchEvent.work_order_id == oid).order_by(DispatchEvent.id))]
        assert steps == [("pooled", T0, "service_mgr1"), ("force_assigned", limit, "dispatch_rule")]
        audited = s.scalars(sa.select(AuditLog.action).where(AuditLog.table_name == "field_work_orders",
                                                             AuditLog.record_id == oid).order_by(AuditLog.id)).all()
        assert audited == ["insert", "force_assign"]


def test_engineer_grabs_before_the_deadline_once(store, reference):  # noqa: F811
    oid = _order(store, reference)
    with session_scope(store) as s:
        order = dp.grab(s, viewer("agent1"), oid, dispatch=SETTINGS, now=T0 + dt.timedelta(minutes=29, seconds=59),
                        reference=reference)
        assert (order.status, order.engineer_id, order.assigned_how) == ("accepted", "E2", "grab")
    with session_scope(store) as s, pytest.raises(ValidationError):
        dp.grab(s, viewer("agent1"), oid, dispatch=SETTINGS, now=T0 + dt.timedelta(minutes=1), reference=reference)
    with session_scope(store) as s:  # nothing left for the timeout check
        assert dp.force_assign_expired(s, now=T0 + dt.timedelta(hours=1), dispatch=SETTINGS, reference=reference)["due"] == 0
        done = dp.advance(s, viewer("agent1"), oid, now=T0 + dt.timedelta(hours=2))
        done = dp.advance(s, viewer("agent1"), oid, first_time_fix=True, now=T0 + dt.timedelta(hours=3))
        assert (done.status, done.is_first_time_fix) == ("completed", True)


def test_assign_group_is_assigned_by_its_manager_never_forced(store, reference):  # noqa: F811
    oid = _order(store, reference, team="大客户现场组")
    with session_scope(store) as s:
        order = s.get(FieldWorkOrder, oid)
        assert (order.dispatch_mode, order.grab_deadline) == ("assign", None)
        assert dp.force_assign_expired(s, now=T0 + dt.timedelta(days=1), dispatch=SETTINGS, reference=reference)["due"] == 0
    with session_scope(store) as s, pytest.raises(ValidationError):
        dp.grab(s, viewer("agent1"), oid, dispatch=SETTINGS, now=T0, reference=reference)
    with session_scope(store) as s:
        order = dp.assign(s, viewer("service_mgr1"), oid, "E9", now=T0 + dt.timedelta(minutes=5), reference=reference)
        assert (order.status, order.engineer_id, order.assigned_how) == ("dispatched", "E9", "assign")


def test_sensor_starts_the_timeout_job_only_when_an_offer_is_due(store, reference, tmp_path):  # noqa: F811
    import dagster as dg

    from kernel.settings import get_settings
    from pipelines.resources import LakehouseResource
    from pipelines.sources.operational.dispatch_timeout import dispatch_timeout_sensor

    settings = get_settings({"CRMLAKE_HOME": str(tmp_path), "CRMLAKE_OPERATIONAL_URL": store})
    lakehouse = LakehouseResource.from_settings(settings)

    def tick():
        return dispatch_timeout_sensor(dg.build_sensor_context(resources={"lakehouse": lakehouse}))

    from operational.db import now_local

    _order(store, reference, at=now_local() + dt.timedelta(hours=1))  # pooled "later": not due now
    assert isinstance(tick(), dg.SkipReason)
    _order(store, reference, at=dt.datetime(2026, 1, 1, 8, 0))  # its deadline long past
    assert isinstance(tick(), dg.RunRequest)
