"""Settlement tables of the channel area (issue 21): how a disputed statement line was resolved,
a statement released as payable, and each step of a special price's approval chain.

All three are append-only decisions (no change columns, not extracted into the lakehouse; who
decided is also in ``audit_log``), like ``partner_statement_events``: a decision is never edited,
a later one (a new dispute after a rejection) is a new row.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base

RESOLUTION_DECISIONS = ("accept", "reject")
APPROVAL_DECISIONS = ("approve", "reject")
_AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class PartnerDisputeResolution(Base):
    """The vendor side's answer to one dispute: ``accept`` with the line's agreed amount, or
    ``reject`` with a note (the vendor's figure stands). One answer per dispute (unique)."""

    __tablename__ = "partner_dispute_resolutions"
    __table_args__ = (
        sa.CheckConstraint("decision in ('accept', 'reject')", name="decision"),
        sa.CheckConstraint("decision <> 'accept' or adjusted_amount is not null", name="accept_amount"),
        sa.Index("ix_partner_dispute_resolutions_statement", "statement_key"),
        sa.UniqueConstraint("dispute_event_id", name="uq_partner_dispute_resolutions_dispute_event_id"),
    )
    __owner_column__ = None
    __partner_column__ = "partner_id"

    id: Mapped[int] = mapped_column(_AutoId, primary_key=True, autoincrement=True)
    dispute_event_id: Mapped[int] = mapped_column(sa.BigInteger(), sa.ForeignKey("partner_statement_events.id"))
    statement_key: Mapped[str] = mapped_column(sa.String(64))
    partner_id: Mapped[int]
    period: Mapped[str] = mapped_column(sa.String(16))
    line_key: Mapped[str]
    decision: Mapped[str] = mapped_column(sa.String(16))
    adjusted_amount: Mapped[Decimal | None]
    note: Mapped[str | None]
    user_id: Mapped[int | None]
    username: Mapped[str]
    at: Mapped[dt.datetime]


class PartnerStatementRelease(Base):
    """A statement confirmed by both sides, released for payment (应付) with the figures it was
    released at: the published snapshot may change later, the released amounts do not."""

    __tablename__ = "partner_statement_releases"
    __table_args__ = (sa.UniqueConstraint("statement_key", name="uq_partner_statement_releases_statement_key"),)
    __owner_column__ = None
    __partner_column__ = "partner_id"

    id: Mapped[int] = mapped_column(_AutoId, primary_key=True, autoincrement=True)
    statement_key: Mapped[str] = mapped_column(sa.String(64))
    partner_id: Mapped[int]
    period: Mapped[str] = mapped_column(sa.String(16))
    goods_total: Mapped[Decimal]
    payout_total: Mapped[Decimal]
    net_amount: Mapped[Decimal]
    user_id: Mapped[int | None]
    username: Mapped[str]
    at: Mapped[dt.datetime]


class SpecialPriceApproval(Base):
    """One step of a special price request's approval chain (``partner.yml``
    ``special_price_approval_chain``): who approved or rejected at which step."""

    __tablename__ = "special_price_approvals"
    __table_args__ = (
        sa.CheckConstraint("decision in ('approve', 'reject')", name="decision"),
        sa.UniqueConstraint("request_id", "step_no", name="uq_special_price_approvals_step"),
    )
    __owner_column__ = None
    __partner_column__ = "partner_id"

    id: Mapped[int] = mapped_column(_AutoId, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(sa.BigInteger(), sa.ForeignKey("special_price_requests.id"))
    partner_id: Mapped[int]
    step_no: Mapped[int]
    step_key: Mapped[str] = mapped_column(sa.String(64))
    decision: Mapped[str] = mapped_column(sa.String(16))
    comment: Mapped[str | None]
    user_id: Mapped[int | None]
    username: Mapped[str]
    at: Mapped[dt.datetime]
