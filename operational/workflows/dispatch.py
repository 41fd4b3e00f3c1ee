"""Dispatch pool (派单/抢单, issue 21): field work orders enter the pool of their service group; a grab
group's engineers grab them (抢单) within ``dispatch.grab_timeout_minutes``, an assign group's
manager assigns them (派单); an offer nobody grabbed is force-assigned by rule at exactly the
timeout (``force_assign_expired``, run by the store's dispatch sensor every minute).

The rule (``choose_engineer``): among the group's field engineers who are free (fewer than
``max_open_orders`` orders dispatched, accepted or on site), the one who has done this service
type before, then the nearest, then the least loaded, then the lowest id. "Nearest" is what the
data has: an engineer's home city is the city where most of the customers of their work orders
are (``intermediate.int_field_engineer_profiles``; the sources carry no engineer address or GPS),
so the same city as the customer counts as near and any other as far.

Every step is a ``dispatch_events`` row (with the rule's reasons) and an audit entry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kernel.config import current_business_settings
from kernel.config.dispatch import Dispatch
from operational import records
from operational.db import now_local
from operational.errors import PermissionDenied, ValidationError
from operational.ids import OPS_ID_BASE, next_id
from operational.models.dispatch import DispatchEvent, FieldWorkOrder
from operational.reference import Reference
from operational.scope import Viewer, require_screen
from operational.workflows.quotes import reference_or_load
from operational.workflows.tickets import _published as published_rows

SCREEN = "dispatch"
ASSIGNERS = ("service_manager", "admin")
BUSY = ("dispatched", "accepted", "on_site")
PROFILES = "intermediate.int_field_engineer_profiles"
# the store itself, when the timeout check force-assigns (audit rows name it)
DISPATCHER = Viewer(user_id=None, username="dispatch_rule", role="admin", display_name="派单规则 Dispatch rule")
PROGRESS = {"dispatched": ("accepted", "accepted_at"), "accepted": ("on_site", "arrived_at"),
            "on_site": ("completed", "completed_at")}
PROGRESS_EVENTS = {"accepted": "accepted", "on_site": "arrived", "completed": "completed"}


@dataclass(frozen=True)
class Engineer:
    engineer_id: str
    name: str
    team: str
    crm_user_id: int | None
    home_city: str | None
    skills: frozenset[str]


def _settings(dispatch: Dispatch | None) -> Dispatch:
    return dispatch if dispatch is not None else current_business_settings().service.dispatch


def engineers(reference: Reference | None = None) -> list[Engineer]:
    """The field engineers of the published snapshot with their home city and the service types
    they have done (none when the snapshot has no profiles yet)."""
    rows = published_rows(reference_or_load(reference), PROFILES,
                          "select engineer_id, engineer_name, team, crm_user_id, home_city, service_type "
                          "from {table} order by engineer_id", [])
    found: dict[str, dict[str, Any]] = {}
    for eid, name, team, crm, city, service_type in rows:
        e = found.setdefault(eid, {"engineer_id": eid, "name": name, "team": team, "crm_user_id": crm,
                                   "home_city": city, "skills": set()})
        if service_type:
            e["skills"].add(service_type)
    return [Engineer(**{**e, "skills": frozenset(e["skills"])}) for e in found.values()]


def loads(session: Session) -> dict[str, int]:
    """Orders each engineer has dispatched, accepted or on site (the store's own orders)."""
    return dict(session.execute(
        sa.select(FieldWorkOrder.engineer_id, sa.func.count()).where(
            FieldWorkOrder.status.in_(BUSY), FieldWorkOrder.deleted_at.is_(None),
            FieldWorkOrder.engineer_id.is_not(None)).group_by(FieldWorkOrder.engineer_id)).all())


def choose_engineer(order: FieldWorkOrder | dict, candidates: list[Engineer], load: dict[str, int],
                    max_open: int) -> tuple[Engineer | None, str]:
    """The rule's engineer for an order and the reasons, or (None, why nobody)."""
    get = order.get if isinstance(order, dict) else lambda k: getattr(order, k)
    group = [e for e in candidates if e.team == get("team")]
    free = [e for e in group if load.get(e.engineer_id, 0) < max_open]
    if not free:
        return None, (f"{get('team')} 无空闲工程师 no free engineer in {get('team')} "
                      f"({len(group)} engineers, all at {max_open} open orders)" if group else
                      f"{get('team')} 没有现场工程师 no field engineer in {get('team')}")

    def key(e: Engineer) -> tuple:
        return (get("service_type") not in e.skills, e.home_city is None or e.home_city != get("city"),
                load.get(e.engineer_id, 0), e.engineer_id)

    best = min(free, key=key)
    skilled, near, _, _ = key(best)
    reasons = (f"技能{'匹配' if not skilled else '不匹配'} skill {'match' if not skilled else 'none'} ({get('service_type')}); "
               f"{'同城' if not near else '异地'} {'same city' if not near else 'other city'} "
               f"({best.home_city or '?'} / {get('city') or '?'}); 在手 load {load.get(best.engineer_id, 0)}/{max_open}")
    return best, reasons


def _event(session: Session, viewer: Viewer, order: FieldWorkOrder, event_type: str, at: dt.datetime, *,
           engineer_id: str | None = None, detail: str | None = None) -> None:
    row = {"work_order_id": order.id, "work_order_no": order.work_order_no, "event_type": event_type,
           "team": order.team, "engineer_id": engineer_id, "actor": viewer.username, "detail": detail,
           "event_time": at}
    records.check_values(DispatchEvent, row)
    records.add_audited(session, viewer, DispatchEvent, row, now=at)


def create_work_order(session: Session, viewer: Viewer, *, account_id: Any, service_type: str, team: str,
                      ticket_id: int | None = None, ticket_no: str | None = None, city: str | None = None,
                      dispatch: Dispatch | None = None, now: dt.datetime | None = None,
                      reference: Reference | None = None) -> FieldWorkOrder:
    """A work order enters its group's pool; in a grab group it is offered until the deadline."""
    require_screen(viewer, SCREEN)
    ref = reference_or_load(reference)
    settings, now = _settings(dispatch), now or now_local()
    mode = settings.mode_of(team)
    if city is None and account_id is not None:
        accounts = ref.frame("accounts")
        if accounts.height and "city" in accounts.columns:
            hit = accounts.filter(accounts["account_id"] == int(account_id))
            city = hit["city"][0] if hit.height else None
    order = records.insert(session, viewer, FieldWorkOrder, {
        "work_order_no": f"WO-OPS-{next_id(session) - OPS_ID_BASE:06d}", "ticket_id": ticket_id, "ticket_no": ticket_no,
        "account_id": account_id, "city": city, "service_type": service_type, "team": (team or "").strip(),
        "dispatch_mode": mode, "status": "open", "dispatched_at": now,
        "grab_deadline": now + dt.timedelta(minutes=settings.grab_timeout_minutes) if mode == "grab" else None,
    }, reference=ref)
    _event(session, viewer, order, "pooled", now, detail=f"{mode}" + (
        f"，{settings.grab_timeout_minutes} 分钟内可抢 grab within {settings.grab_timeout_minutes} min" if mode == "grab" else ""))
    return order


def pool(session: Session, viewer: Viewer, team: str | None = None) -> list[FieldWorkOrder]:
    """Open orders, oldest first (a group's, or every group's)."""
    require_screen(viewer, SCREEN)
    stmt = sa.select(FieldWorkOrder).where(FieldWorkOrder.status == "open", FieldWorkOrder.deleted_at.is_(None))
    if team:
        stmt = stmt.where(FieldWorkOrder.team == team)
    return list(session.scalars(stmt.order_by(FieldWorkOrder.dispatched_at, FieldWorkOrder.id)))


def work_orders(session: Session, viewer: Viewer, *, limit: int = 500) -> list[FieldWorkOrder]:
    require_screen(viewer, SCREEN)
    return list(session.scalars(sa.select(FieldWorkOrder).where(FieldWorkOrder.deleted_at.is_(None))
                                .order_by(FieldWorkOrder.id.desc()).limit(limit)))


def events(session: Session, viewer: Viewer, work_order_id: int) -> list[DispatchEvent]:
    require_screen(viewer, SCREEN)
    return list(session.scalars(sa.select(DispatchEvent).where(DispatchEvent.work_order_id == int(work_order_id))
                                .order_by(DispatchEvent.event_time, DispatchEvent.id)))


def _open_order(session: Session, work_order_id: int) -> FieldWorkOrder:
    order = records.get(session, DISPATCHER, FieldWorkOrder, int(work_order_id))
    if order.status != "open":
        raise ValidationError({"status": f"{order.work_order_no} 已不在派单池（{order.status}） is no longer in the pool"})
    return order


def _engineer_of(viewer: Viewer, team: str, reference: Reference | None) -> Engineer:
    mine = [e for e in engineers(reference) if e.crm_user_id is not None and e.crm_user_id == viewer.crm_user_id]
    if not mine:
        raise PermissionDenied(f"{viewer.username} 不是现场工程师 is not a field engineer")
    in_group = [e for e in mine if e.team == team]
    if not in_group:
        raise PermissionDenied(f"{viewer.username} 不在 {team} is not in service group {team}")
    return in_group[0]


def grab(session: Session, viewer: Viewer, work_order_id: int, *, dispatch: Dispatch | None = None,
         now: dt.datetime | None = None, reference: Reference | None = None) -> FieldWorkOrder:
    """An engineer of the group grabs an open order before its deadline (first save wins:
    the version check refuses a second grab of the same order)."""
    require_screen(viewer, SCREEN)
    settings, now = _settings(dispatch), now or now_local()
    order = _open_order(session, work_order_id)
    if order.dispatch_mode != "grab":
        raise ValidationError({"status": f"{order.team} 是派单组 assigns its orders: no grabbing"})
    if order.grab_deadline is not None and now >= order.grab_deadline:
        raise ValidationError({"status": "抢单已超时，将按规则派单 The grab time is up: the rule assigns it"})
    engineer = _engineer_of(viewer, order.team, reference)
    if loads(session).get(engineer.engineer_id, 0) >= settings.max_open_orders:
        raise ValidationError({"status": f"在手工单已达 {settings.max_open_orders} You have {settings.max_open_orders} open orders"})
    order = records.update(session, DISPATCHER, order, {
        "status": "accepted", "engineer_id": engineer.engineer_id, "engineer_user_id": engineer.crm_user_id,
        "assigned_how": "grab", "accepted_at": now}, order.version, action="grab", comment=viewer.username)
    _event(session, viewer, order, "grabbed", now, engineer_id=engineer.engineer_id)
    return order


def assign(session: Session, viewer: Viewer, work_order_id: int, engineer_id: str, *,
           now: dt.datetime | None = None, reference: Reference | None = None) -> FieldWorkOrder:
    """A service manager assigns an open order (派单) to an engineer of its group."""
    require_screen(viewer, SCREEN)
    if viewer.role not in ASSIGNERS:
        raise PermissionDenied(f"{viewer.username} ({viewer.role}) may not assign work orders: service managers do")
    now = now or now_local()
    order = _open_order(session, work_order_id)
    engineer = next((e for e in engineers(reference) if e.engineer_id == engineer_id and e.team == order.team), None)
    if engineer is None:
        raise ValidationError({"engineer_id": f"{engineer_id} 不是 {order.team} 的现场工程师 is not a field engineer of {order.team}"})
    order = records.update(session, viewer, order, {
        "status": "dispatched", "engineer_id": engineer.engineer_id, "engineer_user_id": engineer.crm_user_id,
        "assigned_how": "assign", "dispatched_at": now}, order.version, action="assign")
    _event(session, viewer, order, "assigned", now, engineer_id=engineer.engineer_id)
    return order


def force_assign_expired(session: Session, *, now: dt.datetime | None = None, dispatch: Dispatch | None = None,
                         reference: Reference | None = None) -> dict[str, int]:
    """Every grab offer whose deadline has come (``grab_deadline <= now``: at exactly the timeout,
    never before) goes to the rule's engineer; with nobody free it stays in the pool, noted once."""
    settings, now = _settings(dispatch), now or now_local()
    due = list(session.scalars(sa.select(FieldWorkOrder).where(
        FieldWorkOrder.status == "open", FieldWorkOrder.dispatch_mode == "grab", FieldWorkOrder.deleted_at.is_(None),
        FieldWorkOrder.grab_deadline <= now).order_by(FieldWorkOrder.grab_deadline, FieldWorkOrder.id)))
    outcome = {"due": len(due), "force_assigned": 0, "no_engineer_free": 0}
    if not due:
        return outcome
    candidates, load = engineers(reference), loads(session)
    for order in due:
        engineer, reasons = choose_engineer(order, candidates, load, settings.max_open_orders)
        if engineer is None:
            noted = session.scalar(sa.select(sa.func.count()).select_from(DispatchEvent).where(
                DispatchEvent.work_order_id == order.id, DispatchEvent.event_type == "no_engineer_free"))
            if not noted:
                _event(session, DISPATCHER, order, "no_engineer_free", now, detail=reasons)
            outcome["no_engineer_free"] += 1
            continue
        records.update(session, DISPATCHER, order, {
            "status": "dispatched", "engineer_id": engineer.engineer_id, "engineer_user_id": engineer.crm_user_id,
            "assigned_how": "forced", "dispatched_at": now}, order.version, action="force_assign", comment=reasons)
        _event(session, DISPATCHER, order, "force_assigned", now, engineer_id=engineer.engineer_id, detail=reasons)
        load[engineer.engineer_id] = load.get(engineer.engineer_id, 0) + 1
        outcome["force_assigned"] += 1
    return outcome


def expired_offers(session: Session, now: dt.datetime | None = None) -> int:
    """How many grab offers are due (the sensor's cheap question; no rows read)."""
    return session.scalar(sa.select(sa.func.count()).select_from(FieldWorkOrder).where(
        FieldWorkOrder.status == "open", FieldWorkOrder.dispatch_mode == "grab", FieldWorkOrder.deleted_at.is_(None),
        FieldWorkOrder.grab_deadline <= (now or now_local()))) or 0


def advance(session: Session, viewer: Viewer, work_order_id: int, *, first_time_fix: bool | None = None,
            now: dt.datetime | None = None) -> FieldWorkOrder:
    """The order's engineer (or a manager) moves it on: accepted, on site, completed."""
    require_screen(viewer, SCREEN)
    now = now or now_local()
    order = records.get(session, DISPATCHER, FieldWorkOrder, int(work_order_id))
    if order.status not in PROGRESS:
        raise ValidationError({"status": f"{order.work_order_no} 状态 {order.status} 不能推进 cannot move on"})
    if viewer.role not in ASSIGNERS and (viewer.crm_user_id is None or viewer.crm_user_id != order.engineer_user_id):
        raise PermissionDenied(f"{order.work_order_no} 不是 {viewer.username} 的工单 is not {viewer.username}'s order")
    to_status, stamp = PROGRESS[order.status]
    values: dict[str, Any] = {"status": to_status, stamp: now}
    if to_status == "completed":
        values["is_first_time_fix"] = bool(first_time_fix)
    order = records.update(session, DISPATCHER, order, values, order.version, action=to_status, comment=viewer.username)
    _event(session, viewer, order, PROGRESS_EVENTS[to_status], now, engineer_id=order.engineer_id)
    return order
