"""The alert outbox: one alert per rule, record and person, and every message sent about it.

An alert is keyed by ``alert_key`` (rule | subject | recipient), so the evaluation after each
publish finds the alert it opened before instead of opening another: a person is told once per
change of the condition (opened, a reminder step, a new escalation level) and once when it
clears. Deliveries are the outbox proper: one row per message and channel, with its status
(pending, sent, failed and waiting to be retried, gave_up) and the last error, so a failing channel
is visible and never holds back the others. These tables have no change columns on purpose: the
lakehouse does not extract them (they are about the data, not data).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base

ALERT_STATES = ("open", "closed")
DELIVERY_STATUSES = ("pending", "sent", "failed", "gave_up")
DELIVERY_EVENTS = ("open", "reminder", "change", "close")

_AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class Alert(Base):
    """One condition of one record for one person; closed when the condition clears."""

    __tablename__ = "alerts"
    __table_args__ = (
        sa.Index("ix_alerts_recipient_state", "recipient_key", "state"),
        sa.Index("ix_alerts_rule_state", "rule_id", "state"),
        sa.CheckConstraint(f"state in ({', '.join(repr(s) for s in ALERT_STATES)})", name="state"),
    )

    id: Mapped[int] = mapped_column(_AutoId, primary_key=True, autoincrement=True)
    alert_key: Mapped[str] = mapped_column(sa.String(400), unique=True)
    rule_id: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(32))
    subject_type: Mapped[str] = mapped_column(sa.String(32))  # installment, ticket, approval ...
    subject_id: Mapped[str] = mapped_column(sa.String(200))
    recipient_key: Mapped[str] = mapped_column(sa.String(64))  # crm:<CRM user id> | login:<app user id>
    recipient_name: Mapped[str | None]
    email: Mapped[str | None] = mapped_column(sa.String(320))
    state: Mapped[str] = mapped_column(sa.String(16), default="open", server_default="open")
    condition_state: Mapped[str] = mapped_column(sa.String(64))  # what changed = a new message
    title: Mapped[str]
    body: Mapped[str]
    link: Mapped[str | None]
    facts_json: Mapped[str | None]
    opened_at: Mapped[dt.datetime]
    notified_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    acknowledged_at: Mapped[dt.datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(sa.String(64))
    updated_at: Mapped[dt.datetime]


class AlertDelivery(Base):
    """One message about an alert over one channel (the outbox); retried with a growing wait."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        sa.Index("ix_alert_deliveries_due", "status", "not_before"),
        sa.CheckConstraint(f"status in ({', '.join(repr(s) for s in DELIVERY_STATUSES)})", name="status"),
    )

    id: Mapped[int] = mapped_column(_AutoId, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(sa.BigInteger(), sa.ForeignKey("alerts.id"))
    event: Mapped[str] = mapped_column(sa.String(16))
    channel: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(16), default="pending", server_default="pending")
    digest: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    not_before: Mapped[dt.datetime]  # quiet hours / digest time / next retry
    attempts: Mapped[int] = mapped_column(sa.Integer(), default=0, server_default="0")
    last_error: Mapped[str | None]
    created_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]
