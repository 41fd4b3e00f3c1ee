"""Money tables of the store: quotes and their approvals, orders, deliveries, payment plans, receipts.

Column names equal the matching staging model's (``stg_crm__quotes``, ``stg_crm__order_lines`` …)
so the lakehouse unions the store's rows with the extracts' without renaming; ``id`` becomes
``<entity>_id`` on extraction. Discount rates are fractions (0.2 = 20 %) as in the CRM.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, RecordMixin
from operational.settlement import TOLERANCE_TYPES, tolerance_errors

Quantity = sa.Numeric(18, 3)
Rate = sa.Numeric(18, 4)

QUOTE_STATUSES = ("draft", "pending_approval", "approved", "rejected", "accepted")
APPROVAL_STATUSES = ("pending", "approved", "rejected")
ORDER_STATUSES = ("draft", "confirmed", "delivering", "delivered", "closed", "cancelled")
RECEIPT_TYPES = ("receipt", "refund")


def _one_of(values: dict[str, Any], field: str, allowed: tuple[str, ...]) -> dict[str, str]:
    if values.get(field) not in allowed:
        return {field: f"须为 {'/'.join(allowed)} Must be one of {', '.join(allowed)}"}
    return {}


def _not_negative(values: dict[str, Any], *fields: str) -> dict[str, str]:
    return {f: "不能为负 Cannot be negative" for f in fields if values.get(f) is not None and values[f] < 0}


def _positive(values: dict[str, Any], *fields: str) -> dict[str, str]:
    return {f: "须大于 0 Must be greater than 0" for f in fields if values.get(f) is not None and values[f] <= 0}


def _rate(values: dict[str, Any], field: str = "discount_rate") -> dict[str, str]:
    rate = values.get(field)
    if rate is not None and not (0 <= rate < 1):
        return {field: "折扣须在 0% 到 100% 之间 Discount must be between 0% and 100%"}
    return {}


class Quote(RecordMixin, Base):
    __tablename__ = "quotes"
    __table_args__ = (sa.Index("ix_quotes_owner", "owner_id"), sa.Index("ix_quotes_opportunity", "opportunity_id"))
    __partner_column__ = None

    owner_id: Mapped[int | None]
    quote_no: Mapped[str] = mapped_column(sa.String(32), unique=True)
    opportunity_id: Mapped[int]
    account_id: Mapped[int | None]
    price_book_id: Mapped[int]
    status: Mapped[str] = mapped_column(default="draft", server_default="draft")
    total_amount: Mapped[Decimal] = mapped_column(default=Decimal(0), server_default="0")
    discount_rate: Mapped[Decimal | None] = mapped_column(Rate)
    approved_by: Mapped[int | None]
    quote_date: Mapped[dt.date]

    @classmethod
    def validate(cls, values: dict[str, Any]) -> dict[str, str]:
        return {**_one_of(values, "status", QUOTE_STATUSES), **_not_negative(values, "total_amount"), **_rate(values)}


class QuoteLine(RecordMixin, Base):
    __tablename__ = "quote_lines"
    __table_args__ = (sa.Index("ix_quote_lines_quote", "quote_id"),)
    __partner_column__ = None

    owner_id: Mapped[int | None]
    quote_id: Mapped[int] = mapped_column(sa.ForeignKey("quotes.id"))
    product_id: Mapped[int]
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    list_price: Mapped[Decimal]
    discount_rate: Mapped[Decimal] = mapped_column(Rate, default=Decimal(0), server_default="0")
    unit_price: Mapped[Decimal]
    line_amount: Mapped[Decimal]

    @classmethod
    def validate(cls, values: dict[str, Any]) -> dict[str, str]:
        return {**_positive(values, "quantity"), **_not_negative(values, "list_price", "unit_price", "line_amount"),
                **_rate(values)}


class Approval(RecordMixin, Base):
    """A request for a decision on a record (quote discount above the threshold …).

    ``owner_id`` is the owner of the record to decide on, so a manager sees the approvals of
    their team through the ordinary row rule.
    """

    __tablename__ = "approvals"
    __table_args__ = (sa.Index("ix_approvals_object", "object_type", "object_id"),
                      sa.Index("ix_approvals_status", "status"))
    __partner_column__ = None

    owner_id: Mapped[int | None]
    object_type: Mapped[str] = mapped_column(sa.String(32))
    object_id: Mapped[int]
    requested_by: Mapped[int | None]
    approver_role: Mapped[str] = mapped_column(sa.String(32))
    reason: Mapped[str | None]
    status: Mapped[str] = mapped_column(default="pending", server_default="pending")
    comment: Mapped[str | None]
    decided_by: Mapped[int | None]
    decided_at: Mapped[dt.datetime | None]

    @classmethod
    def validate(cls, values: dict[str, Any]) -> dict[str, str]:
        errors = _one_of(values, "status", APPROVAL_STATUSES)
        if values.get("status") == "rejected" and not (values.get("comment") or "").strip():
            errors["comment"] = "驳回须填写意见 A rejection needs a comment"
        return errors


class Order(RecordMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (sa.Index("ix_orders_owner", "owner_id"), sa.Index("ix_orders_account", "account_id"))

    owner_id: Mapped[int | None]
    order_no: Mapped[str] = mapped_column(sa.String(32), unique=True)
    account_id: Mapped[int]
    opportunity_id: Mapped[int | None]
    quote_id: Mapped[int | None]
    contract_id: Mapped[int | None]
    partner_id: Mapped[int | None]
    department_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(default="confirmed", server_default="confirmed")
    total_amount: Mapped[Decimal] = mapped_column(default=Decimal(0), server_default="0")
    order_date: Mapped[dt.date]

    @classmethod
    def validate(cls, values: dict[str, Any]) -> dict[str, str]:
        return {**_one_of(values, "status", ORDER_STATUSES), **_not_negative(values, "total_amount")}


class OrderLine(RecordMixin, Base):
    """An order line; bulk goods carry an over/short tolerance (溢短装, ``operational.settlement``)."""

    __tablename__ = "order_lines"
    __table_args__ = (sa.Index("ix_order_lines_order", "order_id"),)
    __partner_column__ = None

    owner_id: Mapped[int | None]
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id"))
    product_id: Mapped[int]
    price_book_id: Mapped[int | None]
    unit: Mapped[str | None]
    tolerance_type: Mapped[str] = mapped_column(sa.String(16), default="none", server_default="none")
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    list_price: Mapped[Decimal | None]
    discount_rate: Mapped[Decimal] = mapped_column(Rate, default=Decimal(0), server_default="0")
    unit_price: Mapped[Decimal]
    line_amount: Mapped[Decimal]
    tolerance_value: Mapped[Decimal | None] = mapped_column(Quantity)

    @classmethod
    def validate(cls, values: dict[str, Any]) -> dict[str, str]:
        errors = {**_positive(values, "quantity"), **_not_negative(values, "unit_price", "line_amount"), **_rate(values)}
        errors.update(tolerance_errors(values.get("tolerance_type"), values.get("tolerance_value")))
        return errors


class Delivery(RecordMixin, Base):
    """One shipment to one customer; its lines may belong to several orders of that customer."""

    __tablename__ = "deliveries"
    __table_args__ = (sa.Index("ix_deliveries_account", "account_id"),)
    __partner_column__ = None

    owner_id: Mapped[int | None]
    delivery_no: Mapped[str] = mapped_column(sa.String(32), unique=True)
    account_id: Mapped[int]
    delivery_date: Mapped[dt.date]
    tracking_no: Mapped[str | None]
    note: Mapped[str | None]


class DeliveryLine(RecordMixin, Base):
    __tablename__ = "delivery_lines"
    __table_args__ = (sa.Index("ix_delivery_lines_delivery", "delivery_id"),
                      sa.Index("ix_delivery_lines_order_line", "order_line_id"))
    __partner_column__ = None

    owner_id: Mapped[int | None]
    delivery_id: Mapped[int] = mapped_column(sa.ForeignKey("deliveries.id"))
    order_line_id: Mapped[int] = mapped_column(sa.ForeignKey("order_lines.id"))
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)

    @classmethod
    def validate(cls, values: dict[str, Any]) -> dict[str, str]:
        return _positive(values, "quantity")


class PaymentPlan(RecordMixin, Base):
    __tablename__ = "payment_plans"
    __table_args__ = (sa.Index("ix_payment_plans_order", "order_id"),)
    __partner_column__ = None

    owner_id: Mapped[int | None]
    plan_no: Mapped[str] = mapped_column(sa.String(32), unique=True)
    contract_id: Mapped[int | None]
    order_id: Mapped[int]  # a store order or a CRM order (no foreign key: migration 0007)
    account_id: Mapped[int]
    total_amount: Mapped[Decimal]
    installment_count: Mapped[int]

    @classmethod
    def validate(cls, values: dict[str, Any]) -> dict[str, str]:
        return {**_positive(values, "total_amount", "installment_count")}


class PaymentInstallment(RecordMixin, Base):
    """One due amount of a plan; ``owner_id`` is who collects it (回款负责人)."""

    __tablename__ = "payment_installments"
    __table_args__ = (sa.Index("ix_payment_installments_plan", "payment_plan_id"),)
    __partner_column__ = None

    owner_id: Mapped[int | None]
    payment_plan_id: Mapped[int] = mapped_column(sa.ForeignKey("payment_plans.id"))
    contract_id: Mapped[int | None]
    order_id: Mapped[int]
    account_id: Mapped[int]
    batch_no: Mapped[int]
    amount: Mapped[Decimal]
    due_date: Mapped[dt.date]

    @classmethod
    def validate(cls, values: dict[str, Any]) -> dict[str, str]:
        return _positive(values, "amount", "batch_no")


class Receipt(RecordMixin, Base):
    """Money received (回款) against an installment, or an advance (预收) beyond what is due."""

    __tablename__ = "receipts"
    __table_args__ = (sa.Index("ix_receipts_installment", "installment_id"), sa.Index("ix_receipts_order", "order_id"))
    __partner_column__ = None
    CHANNELS: ClassVar[tuple[str, ...]] = ("银行转账", "承兑汇票", "现金", "支票", "其他")

    owner_id: Mapped[int | None]
    receipt_no: Mapped[str] = mapped_column(sa.String(32), unique=True)
    account_id: Mapped[int]
    contract_id: Mapped[int | None]
    order_id: Mapped[int | None]
    installment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payment_installments.id"))
    bank_txn_no: Mapped[str | None]
    receipt_type: Mapped[str] = mapped_column(sa.String(16), default="receipt", server_default="receipt")
    payment_method: Mapped[str | None]
    amount: Mapped[Decimal]
    is_advance: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    receipt_date: Mapped[dt.date]

    @classmethod
    def validate(cls, values: dict[str, Any]) -> dict[str, str]:
        errors = _one_of(values, "receipt_type", RECEIPT_TYPES)
        if values.get("receipt_type") == "receipt":
            errors.update(_positive(values, "amount"))
        method = values.get("payment_method")
        if method is not None and method not in cls.CHANNELS:
            errors["payment_method"] = f"须为 {'/'.join(cls.CHANNELS)} Must be one of {', '.join(cls.CHANNELS)}"
        return errors


__all__ = [
    "APPROVAL_STATUSES", "ORDER_STATUSES", "QUOTE_STATUSES", "TOLERANCE_TYPES", "Approval", "Delivery",
    "DeliveryLine", "Order", "OrderLine", "PaymentInstallment", "PaymentPlan", "Quote", "QuoteLine", "Receipt",
]
