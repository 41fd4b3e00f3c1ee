"""Channel tables of the store: deal registrations (报备), special price requests (特价申请), the
channel manager's decisions on company-name matches, and disputes/confirmations of statements.

Registrations and special prices are partner-scoped (``partner_id``): a partner user sees only
their partner's rows, a channel manager the partners they manage. Column names follow
``stg_partners__deal_registrations`` / ``stg_partners__special_prices``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, RecordMixin

REGISTRATION_STATUSES = ("pending", "approved", "rejected", "won", "lost", "expired")
ACTIVE_REGISTRATION_STATUSES = ("pending", "approved")
SPECIAL_PRICE_STATUSES = ("pending", "approved", "rejected")
RESOLUTION_DECISIONS = ("accept", "reject")
STATEMENT_EVENTS = ("dispute", "confirm")
STATEMENT_SIDES = ("partner", "vendor")


def _one_of(values: dict[str, Any], field: str, allowed: tuple[str, ...]) -> dict[str, str]:
    if values.get(field) not in allowed:
        return {field: f"须为 {'/'.join(allowed)} Must be one of {', '.join(allowed)}"}
    return {}


class DealRegistration(RecordMixin, Base):
    """A partner's claim on a customer deal, protected for ``protection_days`` once approved.

    ``company_key`` is the resolved company of ``customer_name`` (the same key the partner area's
    resolution gives), so conflicts are found whatever way the name was typed.
    """

    __tablename__ = "deal_registrations"
    __table_args__ = (sa.Index("ix_deal_registrations_partner", "partner_id"),
                      sa.Index("ix_deal_registrations_company", "company_key"))
    __owner_column__ = None

    partner_id: Mapped[int]
    crm_opportunity_id: Mapped[int | None]
    account_id: Mapped[int | None]
    customer_name: Mapped[str]
    normalized_name: Mapped[str | None]
    company_key: Mapped[str | None]
    product_line: Mapped[str | None]
    status: Mapped[str] = mapped_column(default="pending", server_default="pending")
    estimated_amount: Mapped[Decimal | None]
    approved_by: Mapped[int | None]
    protection_days: Mapped[int]
    protected_until: Mapped[dt.date | None]
    expected_close_date: Mapped[dt.date | None]
    submitted_at: Mapped[dt.datetime]
    approved_at: Mapped[dt.datetime | None]
    has_conflict: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    conflict_note: Mapped[str | None]
    decision_comment: Mapped[str | None]

    @classmethod
    def validate(cls, values: dict[str, Any]) -> dict[str, str]:
        errors = _one_of(values, "status", REGISTRATION_STATUSES)
        if len((values.get("customer_name") or "").strip()) < 2:
            errors["customer_name"] = "客户名称至少 2 个字 Customer name needs at least 2 characters"
        amount = values.get("estimated_amount")
        if amount is not None and amount <= 0:
            errors["estimated_amount"] = "须大于 0 Must be greater than 0"
        days = values.get("protection_days")
        if days is not None and not 1 <= days <= 365:
            errors["protection_days"] = "保护期须在 1 到 365 天之间 Protection period must be 1-365 days"
        if values.get("status") == "rejected" and not (values.get("decision_comment") or "").strip():
            errors["decision_comment"] = "驳回须填写意见 A rejection needs a comment"
        return errors


class SpecialPriceRequest(RecordMixin, Base):
    """A requested price below list for one product on a registered deal or an opportunity."""

    __tablename__ = "special_price_requests"
    __table_args__ = (sa.Index("ix_special_price_requests_partner", "partner_id"),)
    __owner_column__ = None

    partner_id: Mapped[int]
    registration_id: Mapped[int | None] = mapped_column(sa.ForeignKey("deal_registrations.id"))
    opportunity_id: Mapped[int | None]
    product_id: Mapped[int]
    product_code: Mapped[str | None]
    status: Mapped[str] = mapped_column(default="pending", server_default="pending")
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(18, 3))
    list_price: Mapped[Decimal | None]
    requested_price: Mapped[Decimal]
    approved_price: Mapped[Decimal | None]
    valid_until: Mapped[dt.date | None]
    requested_at: Mapped[dt.datetime]
    decided_at: Mapped[dt.datetime | None]
    decided_by: Mapped[int | None]
    reason: Mapped[str | None]
    decision_comment: Mapped[str | None]

    @classmethod
    def validate(cls, values: dict[str, Any]) -> dict[str, str]:
        errors = _one_of(values, "status", SPECIAL_PRICE_STATUSES)
        if values.get("registration_id") is None and values.get("opportunity_id") is None:
            errors["registration_id"] = "须关联报备或商机 Link a deal registration or an opportunity"
        quantity = values.get("quantity")
        if quantity is not None and quantity <= 0:
            errors["quantity"] = "须大于 0 Must be greater than 0"
        price, list_price = values.get("requested_price"), values.get("list_price")
        if price is not None and price <= 0:
            errors["requested_price"] = "须大于 0 Must be greater than 0"
        elif price is not None and list_price is not None and price >= list_price:
            errors["requested_price"] = f"特价须低于目录价 {list_price} A special price is below the list price {list_price}"
        if values.get("status") == "approved" and values.get("approved_price") is None:
            errors["approved_price"] = "必填 Required"
        if values.get("status") == "rejected" and not (values.get("decision_comment") or "").strip():
            errors["decision_comment"] = "驳回须填写意见 A rejection needs a comment"
        return errors


class CompanyResolutionDecision(RecordMixin, Base):
    """A channel manager's verdict on a fuzzy company-name match: merge (accept) or keep apart (reject).

    The partner area's resolution reads these (read-only) on its next run.
    """

    __tablename__ = "company_resolution_decisions"
    __table_args__ = (sa.Index("ix_company_resolution_decisions_name", "normalized_name"),)
    __owner_column__ = None
    __partner_column__ = None

    typed_name: Mapped[str]
    normalized_name: Mapped[str]
    company_key: Mapped[str]
    decision: Mapped[str] = mapped_column(sa.String(16))
    decided_by: Mapped[int | None]
    decided_at: Mapped[dt.datetime]
    comment: Mapped[str | None]

    @classmethod
    def validate(cls, values: dict[str, Any]) -> dict[str, str]:
        return _one_of(values, "decision", RESOLUTION_DECISIONS)


class PartnerStatementEvent(Base):
    """A dispute of one line or a confirmation of a partner statement (``<partner_id>|<period>``).

    Append-only, so it has no change columns and is not extracted into the lakehouse; who did it
    is also in ``audit_log``. ``side`` is the partner or the vendor (every other role); the
    partial unique index lets each side confirm a statement once, even with two racing saves.
    """

    __tablename__ = "partner_statement_events"
    __table_args__ = (
        sa.CheckConstraint(f"event in ({', '.join(repr(e) for e in STATEMENT_EVENTS)})", name="event"),
        sa.CheckConstraint(f"side in ({', '.join(repr(s) for s in STATEMENT_SIDES)})", name="side"),
        sa.Index("ix_partner_statement_events_statement", "statement_key"),
        sa.Index("uq_partner_statement_events_confirm", "statement_key", "side", unique=True,
                 sqlite_where=sa.text("event = 'confirm'"), postgresql_where=sa.text("event = 'confirm'")),
    )
    __owner_column__ = None
    __partner_column__ = "partner_id"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True,
                                    autoincrement=True)
    statement_key: Mapped[str] = mapped_column(sa.String(64))
    partner_id: Mapped[int]
    period: Mapped[str] = mapped_column(sa.String(16))
    event: Mapped[str] = mapped_column(sa.String(16))
    line_key: Mapped[str | None]
    reason: Mapped[str | None]
    side: Mapped[str] = mapped_column(sa.String(16))
    user_id: Mapped[int | None]
    username: Mapped[str]
    at: Mapped[dt.datetime]
