"""Service tables of the store: tickets (工单), their events (the SLA clocks' input) and links to
product requirements.

Column names follow ``stg_callcenter__tickets`` / ``__ticket_events`` /
``__ticket_requirement_links``. ``owner_id`` is the CRM user the ticket is assigned to (the
agent who took the call until a service manager assigns it), so agents see their tickets and
managers their team's through the ordinary row rule.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, RecordMixin

TICKET_STATUSES = ("new", "assigned", "in_progress", "waiting_on_customer", "resolved", "closed")
PRIORITIES = ("P1", "P2", "P3", "P4")
CHANNELS = ("phone", "web", "email", "wechat", "chat")
CATEGORIES = ("故障报修", "投诉", "发票问题", "功能需求", "安装调试", "物流查询", "使用咨询")
EVENT_TYPES = ("status_change", "assignment", "agent_reply", "customer_reply", "rating", "requirement_link")


def _one_of(values: dict[str, Any], field: str, allowed: tuple[str, ...]) -> dict[str, str]:
    if values.get(field) not in allowed:
        return {field: f"须为 {'/'.join(allowed)} Must be one of {', '.join(allowed)}"}
    return {}


class Ticket(RecordMixin, Base):
    __tablename__ = "tickets"
    __table_args__ = (sa.Index("ix_tickets_owner", "owner_id"), sa.Index("ix_tickets_account", "account_id"))
    __partner_column__ = None

    owner_id: Mapped[int | None]
    ticket_no: Mapped[str] = mapped_column(sa.String(32), unique=True)
    account_id: Mapped[int]
    product_code: Mapped[str | None]
    assignee_agent_id: Mapped[str | None]
    call_id: Mapped[str | None]
    conversation_id: Mapped[str | None]
    contact_phone: Mapped[str | None]
    channel: Mapped[str]
    priority: Mapped[str]
    category: Mapped[str]
    subject: Mapped[str]
    description: Mapped[str | None]
    status: Mapped[str] = mapped_column(default="new", server_default="new")
    team: Mapped[str | None]
    rating: Mapped[int | None]
    rating_comment: Mapped[str | None]
    resolved_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]

    @classmethod
    def validate(cls, values: dict[str, Any]) -> dict[str, str]:
        errors = {
            **_one_of(values, "status", TICKET_STATUSES),
            **_one_of(values, "priority", PRIORITIES),
            **_one_of(values, "channel", CHANNELS),
            **_one_of(values, "category", CATEGORIES),
        }
        if not values.get("call_id") and not values.get("conversation_id"):
            errors["call_id"] = "须来自一通电话或一次会话 Give the call id or the chat conversation id"
        if not (values.get("subject") or "").strip():
            errors["subject"] = "必填 Required"
        rating = values.get("rating")
        if rating is not None and not 1 <= rating <= 5:
            errors["rating"] = "评分须为 1 到 5 Rating must be 1 to 5"
        return errors


class TicketEvent(RecordMixin, Base):
    """One change of a ticket (status, assignment, rating, link) with its time and actor."""

    __tablename__ = "ticket_events"
    __table_args__ = (sa.Index("ix_ticket_events_ticket", "ticket_id"),)
    __partner_column__ = None

    owner_id: Mapped[int | None]
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"))
    ticket_no: Mapped[str] = mapped_column(sa.String(32))
    event_type: Mapped[str] = mapped_column(sa.String(32))
    from_status: Mapped[str | None]
    to_status: Mapped[str | None]
    actor: Mapped[str | None]
    detail: Mapped[str | None]
    event_time: Mapped[dt.datetime]

    @classmethod
    def validate(cls, values: dict[str, Any]) -> dict[str, str]:
        return _one_of(values, "event_type", EVENT_TYPES)


class TicketRequirementLink(RecordMixin, Base):
    """A ticket linked to the product requirement it asks for; ``from_suggestion`` when an agent
    accepted the matching model's suggestion (its score kept for measuring the model)."""

    __tablename__ = "ticket_requirement_links"
    __table_args__ = (sa.UniqueConstraint("ticket_id", "requirement_id"),)
    __partner_column__ = None

    owner_id: Mapped[int | None]
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"))
    ticket_no: Mapped[str] = mapped_column(sa.String(32))
    requirement_id: Mapped[str] = mapped_column(sa.String(32))
    linked_by: Mapped[str | None]
    linked_at: Mapped[dt.datetime]
    from_suggestion: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    suggestion_score: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 4))
