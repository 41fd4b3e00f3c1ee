"""Field work orders in the dispatch pool (派单/抢单, issue 21) and every step taken on them.

Columns follow ``stg_callcenter__work_orders`` so the lakehouse unions the store's orders with the
call center's (``int_work_orders_unioned``) and the field-service KPIs count both. An order enters
the pool of its service group (``team``) as ``open``; in a grab group it carries ``grab_deadline``
(entered + service.yml ``dispatch.grab_timeout_minutes``). ``assigned_how`` says how it left the
pool: grab (抢单), assign (派单 by a manager) or forced (nobody grabbed it in time: the rule chose).
``dispatch_events`` keeps each step with its actor and the rule's reasons, besides the audit log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, RecordMixin

WORK_ORDER_STATUSES = ("open", "dispatched", "accepted", "on_site", "completed", "cancelled")
SERVICE_TYPES = ("安装", "维修", "巡检", "培训")
DISPATCH_MODES = ("grab", "assign")
ASSIGNED_HOW = ("grab", "assign", "forced")
DISPATCH_EVENTS = ("pooled", "grabbed", "assigned", "force_assigned", "no_engineer_free", "accepted", "arrived",
                   "completed", "cancelled")


def _one_of(values: dict[str, Any], field: str, allowed: tuple[str, ...], required: bool = True) -> dict[str, str]:
    value = values.get(field)
    if (value is None and not required) or value in allowed:
        return {}
    return {field: f"须为 {'/'.join(allowed)} Must be one of {', '.join(allowed)}"}


class FieldWorkOrder(RecordMixin, Base):
    __tablename__ = "field_work_orders"
    __table_args__ = (sa.Index("ix_field_work_orders_pool", "team", "status"),)
    __owner_column__ = None  # the pool is the whole service desk's: every service screen user sees it
    __partner_column__ = None

    work_order_no: Mapped[str] = mapped_column(sa.String(32), unique=True)
    ticket_id: Mapped[int | None]
    ticket_no: Mapped[str | None] = mapped_column(sa.String(32))
    account_id: Mapped[int]
    city: Mapped[str | None]
    service_type: Mapped[str]
    dispatch_mode: Mapped[str] = mapped_column(sa.String(8))
    team: Mapped[str]
    status: Mapped[str] = mapped_column(default="open", server_default="open")
    engineer_id: Mapped[str | None] = mapped_column(sa.String(32))
    engineer_user_id: Mapped[int | None]
    assigned_how: Mapped[str | None] = mapped_column(sa.String(8))
    grab_deadline: Mapped[dt.datetime | None]
    dispatched_at: Mapped[dt.datetime | None]
    accepted_at: Mapped[dt.datetime | None]
    arrived_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
    is_first_time_fix: Mapped[bool | None]

    @classmethod
    def validate(cls, values: dict[str, Any]) -> dict[str, str]:
        return {**_one_of(values, "status", WORK_ORDER_STATUSES), **_one_of(values, "service_type", SERVICE_TYPES),
                **_one_of(values, "dispatch_mode", DISPATCH_MODES),
                **_one_of(values, "assigned_how", ASSIGNED_HOW, required=False)}


class DispatchEvent(RecordMixin, Base):
    """One step of a work order in the pool: who, when, which engineer, and why (the rule's reasons)."""

    __tablename__ = "dispatch_events"
    __table_args__ = (sa.Index("ix_dispatch_events_order", "work_order_id"),)
    __owner_column__ = None
    __partner_column__ = None

    work_order_id: Mapped[int] = mapped_column(sa.ForeignKey("field_work_orders.id"))
    work_order_no: Mapped[str] = mapped_column(sa.String(32))
    event_type: Mapped[str] = mapped_column(sa.String(32))
    team: Mapped[str | None]
    engineer_id: Mapped[str | None] = mapped_column(sa.String(32))
    actor: Mapped[str]
    detail: Mapped[str | None]
    event_time: Mapped[dt.datetime]

    @classmethod
    def validate(cls, values: dict[str, Any]) -> dict[str, str]:
        return _one_of(values, "event_type", DISPATCH_EVENTS)
