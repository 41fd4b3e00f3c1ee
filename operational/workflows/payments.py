"""Payment plans (回款计划), installments and receipts (回款) of store orders.

A plan's installments must add up to the order amount to the fen. A receipt is booked against
one installment and may not exceed what is still outstanding on it, unless finance marks it as an
advance (预收): then the excess is shown as advance on that installment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from operational import records, validation
from operational.db import now_local
from operational.errors import NotFound, ValidationError
from operational.models.base import Money
from operational.models.orders import Order, PaymentInstallment, PaymentPlan, Receipt
from operational.reference import Reference
from operational.scope import Viewer, check_row, filter_query, require_screen
from operational.workflows.quotes import document_no, reference_or_load

ZERO = Decimal("0.00")


INSTALLMENT = PaymentInstallment.__table__.c
RECEIPT = Receipt.__table__.c
POSITIVE_AMOUNT = "金额须大于 0 Amount must be greater than 0"


def create_payment_plan(session: Session, viewer: Viewer, order_id: int, installments: Sequence[dict[str, Any]], *,
                        contract_id: int | None = None, reference: Reference | None = None) -> PaymentPlan:
    """A plan of ``installments`` = ``[{amount, due_date}]`` summing exactly to the order amount."""
    require_screen(viewer, "payments")
    ref = reference_or_load(reference)
    order = order_for_plan(session, viewer, int(order_id), ref)
    existing = session.execute(
        sa.select(PaymentPlan.plan_no).where(PaymentPlan.order_id == order.id, PaymentPlan.deleted_at.is_(None))
    ).scalar() or extracted_plan_no(ref, order.id)
    if existing:
        raise ValidationError({"order_id": f"订单已有回款计划 {existing} The order already has payment plan {existing}"})
    errors: dict[str, str] = {}
    if not installments:
        errors["installments"] = "至少一期 Add at least one installment"
    rows = []
    for n, item in enumerate(installments, 1):
        amount, amount_error = validation.field_error(INSTALLMENT.amount, item.get("amount"))
        due, due_error = validation.field_error(INSTALLMENT.due_date, item.get("due_date"))
        if amount_error or amount is None or amount <= 0:
            errors[f"installments[{n}].amount"] = amount_error or POSITIVE_AMOUNT
        due_error = due_error or validation.not_before(due, order.order_date, "订单日期", f"the date of order {order.order_no}")
        if due_error or due is None:
            errors[f"installments[{n}].due_date"] = due_error or records.REQUIRED
        rows.append((amount, due))
    if not errors:
        total = sum((a for a, _ in rows), ZERO)
        if total != order.total_amount:
            errors["installments"] = (
                f"分期合计 {total} 不等于订单金额 {order.total_amount}（差 {order.total_amount - total}） "
                f"Installments add up to {total}, the order amount is {order.total_amount}"
            )
        dues = [d for _, d in rows]
        if dues != sorted(dues):
            errors["installments"] = "到期日须按期次递增 Due dates must follow the installment order"
    if errors:
        raise ValidationError(errors)
    plan = records.insert(session, viewer, PaymentPlan, {
        "owner_id": order.owner_id, "plan_no": document_no(session, "HKJH"), "contract_id": contract_id,
        "order_id": order.id, "account_id": order.account_id, "total_amount": order.total_amount,
        "installment_count": len(rows),
    }, reference=ref)
    for n, (amount, due) in enumerate(rows, 1):
        records.insert(session, viewer, PaymentInstallment, {
            "owner_id": order.owner_id, "payment_plan_id": plan.id, "contract_id": contract_id, "order_id": order.id,
            "account_id": order.account_id, "batch_no": n, "amount": amount, "due_date": due,
        }, reference=ref)
    return plan


@dataclass(frozen=True)
class PlannedOrder:
    """What a payment plan needs of its order, whether the store or the CRM extract holds it."""

    id: int
    order_no: str
    order_date: dt.date
    total_amount: Decimal
    account_id: int | None
    owner_id: int | None


def order_for_plan(session: Session, viewer: Viewer, order_id: int, ref: Reference) -> PlannedOrder:
    """The order a plan is for: a store order, else an extracted order of the published snapshot
    (the CRM's orders flow in like the store's; the plan is kept in the store on the CRM's order id
    and joins it in ``int_payment_plans_unioned``). The viewer's row rule applies to both."""
    obj = session.get(Order, order_id)
    if obj is not None and obj.deleted_at is None:
        records.get(session, viewer, Order, order_id, ref)
        row = records.row_dict(obj)
    else:
        rows = ref.extracted_rows("int_orders_unioned", "order_id = ?", [order_id])
        if not rows:
            raise NotFound(f"订单 {order_id} 不存在 Order {order_id} does not exist")
        row = {**rows[0], "id": order_id}
        check_row(viewer, row, Order, ref)
    if row.get("order_date") is None or row.get("total_amount") is None:
        raise ValidationError({"order_id": "该订单缺少日期或金额，无法建回款计划 The order has no date or amount"})
    order_date = row["order_date"]
    order_date = order_date.date() if isinstance(order_date, dt.datetime) else order_date
    return PlannedOrder(id=order_id, order_no=row.get("order_no") or str(order_id), order_date=order_date,
                        total_amount=Decimal(str(row["total_amount"])).quantize(Decimal("0.01")),
                        account_id=row.get("account_id"), owner_id=row.get("owner_id"))


def extracted_plan_no(ref: Reference, order_id: int) -> str | None:
    """The plan number of a payment plan the CRM already delivered for ``order_id``, if any: by the
    plan's order, or by its installments' (the CRM links many plans to the contract only)."""
    rows = ref.extracted_rows(
        "int_payment_plans_unioned",
        "order_id = ? or payment_plan_id in (select payment_plan_id from intermediate.int_payment_installments_unioned"
        " where order_id = ?)", [order_id, order_id])
    return rows[0].get("plan_no") or str(rows[0].get("payment_plan_id")) if rows else None


def _received_subquery() -> sa.Subquery:
    return (
        sa.select(Receipt.installment_id,
                  # SQLite sums REALs: read the sum back at the money scale (exact on PostgreSQL)
                  sa.type_coerce(sa.func.sum(Receipt.amount), Money).label("received"))
        .where(Receipt.deleted_at.is_(None), Receipt.installment_id.is_not(None))
        .group_by(Receipt.installment_id)
        .subquery()
    )


def list_installments(session: Session, viewer: Viewer, *, order_id: int | None = None, plan_id: int | None = None,
                      installment_ids: Sequence[int] | None = None, as_of: dt.date | None = None,
                      reference: Reference | None = None) -> list[dict[str, Any]]:
    """Installments with received, outstanding and advance amounts and a status (set-based)."""
    received = _received_subquery()
    got = sa.type_coerce(sa.func.coalesce(received.c.received, 0), Money)
    stmt = filter_query(
        sa.select(PaymentInstallment, PaymentPlan.plan_no, got)
        .join(PaymentPlan, PaymentPlan.id == PaymentInstallment.payment_plan_id)
        .outerjoin(received, received.c.installment_id == PaymentInstallment.id),
        viewer, PaymentInstallment, reference_or_load(reference),
    )
    if order_id is not None:
        stmt = stmt.where(PaymentInstallment.order_id == int(order_id))
    if plan_id is not None:
        stmt = stmt.where(PaymentInstallment.payment_plan_id == int(plan_id))
    if installment_ids is not None:
        stmt = stmt.where(PaymentInstallment.id.in_([int(i) for i in installment_ids]))
    today = as_of or now_local().date()
    out = []
    for inst, plan_no, paid in session.execute(stmt.order_by(PaymentInstallment.payment_plan_id, PaymentInstallment.batch_no)):
        paid = Decimal(paid).quantize(Decimal("0.01"))
        outstanding = max(inst.amount - paid, ZERO)
        status = ("paid" if outstanding == 0 else "overdue" if inst.due_date < today
                  else "partial" if paid > 0 else "open")
        out.append({
            "installment_id": inst.id, "plan_no": plan_no, "payment_plan_id": inst.payment_plan_id,
            "order_id": inst.order_id, "account_id": inst.account_id, "batch_no": inst.batch_no,
            "due_date": inst.due_date, "amount": inst.amount, "received": paid, "outstanding": outstanding,
            "advance": max(paid - inst.amount, ZERO), "status": status, "owner_id": inst.owner_id,
        })
    return out


def record_receipt(session: Session, viewer: Viewer, installment_id: int, amount: Any, *,
                   receipt_date: dt.date | str | None = None, payment_method: str = "银行转账",
                   bank_txn_no: str | None = None, is_advance: bool = False,
                   reference: Reference | None = None) -> Receipt:
    """Book money received against an installment; more than outstanding only as an advance."""
    require_screen(viewer, "payments")
    ref = reference_or_load(reference)
    installment = records.get(session, viewer, PaymentInstallment, int(installment_id), ref)
    errors: dict[str, str] = {}
    value, amount_error = validation.field_error(RECEIPT.amount, amount)
    day, day_error = validation.field_error(RECEIPT.receipt_date, receipt_date)
    day = day or (None if day_error else now_local().date())
    if amount_error or value is None or value <= 0:
        errors["amount"] = amount_error or POSITIVE_AMOUNT
    if day_error:
        errors["receipt_date"] = day_error
    if not errors:
        (row,) = list_installments(session, viewer, installment_ids=[installment.id], reference=ref)
        if value > row["outstanding"] and not is_advance:
            errors["amount"] = (
                f"超过未收金额 {row['outstanding']}；如为预收请勾选预收 Amount exceeds the outstanding "
                f"{row['outstanding']} of installment {row['batch_no']}; mark it as an advance if it is one"
            )
    if errors:
        raise ValidationError(errors)
    return records.insert(session, viewer, Receipt, {
        "owner_id": installment.owner_id, "receipt_no": document_no(session, "HK"),
        "account_id": installment.account_id, "contract_id": installment.contract_id,
        "order_id": installment.order_id, "installment_id": installment.id, "bank_txn_no": bank_txn_no,
        "receipt_type": "receipt", "payment_method": payment_method, "amount": value,
        "is_advance": bool(is_advance), "receipt_date": day,
    }, reference=ref)


def list_plans(session: Session, viewer: Viewer, *, order_id: int | None = None,
               reference: Reference | None = None) -> list[PaymentPlan]:
    stmt = filter_query(sa.select(PaymentPlan), viewer, PaymentPlan, reference_or_load(reference))
    if order_id is not None:
        stmt = stmt.where(PaymentPlan.order_id == int(order_id))
    return list(session.execute(stmt.order_by(PaymentPlan.id.desc())).scalars())
