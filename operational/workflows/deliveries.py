"""Delivery records (交付) against order lines, settled by the over/short tolerance (溢短装).

Only lines that are not settled yet may receive a delivery; one delivery may cover lines of
several orders, all of the same customer (one shipment goes to one customer). After each delivery
an order becomes ``delivered`` when every line is settled, else ``delivering``. Revenue of a
settled line is the quantity actually delivered x unit price (``operational.settlement``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from operational import records, validation
from operational.db import now_local
from operational.errors import NotFound, ValidationError
from operational.models.orders import Delivery, DeliveryLine, Order, OrderLine, Quantity
from operational.reference import Reference
from operational.scope import Viewer, filter_query, require_screen
from operational.settlement import line_status, recognised_revenue
from operational.workflows.quotes import document_no, reference_or_load

CLOSED_ORDER_STATUSES = ("cancelled", "closed", "draft")


def _delivered_subquery() -> sa.Subquery:
    return (
        sa.select(DeliveryLine.order_line_id,
                  # SQLite sums REALs: read the sum back at the column's scale (exact on PostgreSQL)
                  sa.type_coerce(sa.func.sum(DeliveryLine.quantity), Quantity).label("delivered"),
                  sa.func.count(DeliveryLine.id).label("deliveries"))
        .join(Delivery, Delivery.id == DeliveryLine.delivery_id)
        .where(DeliveryLine.deleted_at.is_(None), Delivery.deleted_at.is_(None))
        .group_by(DeliveryLine.order_line_id)
        .subquery()
    )


def line_statuses(session: Session, viewer: Viewer, *, account_id: int | None = None, order_id: int | None = None,
                  order_line_ids: Sequence[int] | None = None, reference: Reference | None = None) -> list[dict[str, Any]]:
    """Every visible order line with delivered quantity, status, shortfall, excess and revenue."""
    delivered = _delivered_subquery()
    stmt = filter_query(
        sa.select(OrderLine, Order.order_no, Order.account_id, Order.status.label("order_status"),
                  sa.type_coerce(sa.func.coalesce(delivered.c.delivered, 0), Quantity),
                  sa.func.coalesce(delivered.c.deliveries, 0))
        .join(Order, Order.id == OrderLine.order_id)
        .outerjoin(delivered, delivered.c.order_line_id == OrderLine.id)
        .where(OrderLine.deleted_at.is_(None)),
        viewer, Order, reference_or_load(reference),
    )
    if account_id is not None:
        stmt = stmt.where(Order.account_id == int(account_id))
    if order_id is not None:
        stmt = stmt.where(Order.id == int(order_id))
    if order_line_ids is not None:
        stmt = stmt.where(OrderLine.id.in_([int(i) for i in order_line_ids]))
    out = []
    for line, order_no, acct, order_status, done, count in session.execute(stmt.order_by(Order.id, OrderLine.id)).all():
        done = Decimal(done)
        status = line_status(line.quantity, done, line.tolerance_type, line.tolerance_value)
        out.append({
            "order_line_id": line.id, "order_id": line.order_id, "order_no": order_no, "order_status": order_status,
            "account_id": acct, "product_id": line.product_id, "unit": line.unit, "quantity": line.quantity,
            "tolerance_type": line.tolerance_type, "tolerance_value": line.tolerance_value,
            "lower_bound": status.lower_bound, "upper_bound": status.upper_bound,
            "delivered_quantity": done, "delivery_count": count, "status": status.status,
            "shortfall": status.shortfall, "excess": status.excess, "is_flagged_for_review": status.status == "settled_flagged",
            "unit_price": line.unit_price, "recognised_revenue": recognised_revenue(status, done, line.unit_price),
        })
    return out


def deliverable_lines(session: Session, viewer: Viewer, account_id: int, *,
                      reference: Reference | None = None) -> list[dict[str, Any]]:
    """The customer's lines that may still receive deliveries: open, on orders not closed."""
    return [r for r in line_statuses(session, viewer, account_id=account_id, reference=reference)
            if r["status"] == "open" and r["order_status"] not in CLOSED_ORDER_STATUSES]


def _read(lines: Sequence[dict[str, Any]]) -> tuple[list[tuple[int, Decimal]], dict[str, str]]:
    errors: dict[str, str] = {}
    if not lines:
        return [], {"lines": "至少一行 Add at least one order line"}
    out, seen = [], set()
    for n, line in enumerate(lines, 1):
        key = f"lines[{n}]"
        try:
            line_id = int(line.get("order_line_id"))
        except (TypeError, ValueError):
            errors[f"{key}.order_line_id"] = "必填 Required"
            line_id = None
        qty, qty_error = validation.field_error(DeliveryLine.__table__.c.quantity, line.get("quantity"))
        ok = qty_error is None and qty is not None and qty > 0
        if not ok:
            errors[f"{key}.quantity"] = qty_error or "数量须大于 0 Quantity must be > 0"
        if line_id is not None and line_id in seen:
            errors[f"{key}.order_line_id"] = "同一订单行重复 The line is already on this delivery"
        if line_id is not None and ok:
            seen.add(line_id)
            out.append((line_id, qty))
    return out, errors


def create_delivery(session: Session, viewer: Viewer, lines: Sequence[dict[str, Any]], *,
                    account_id: int | None = None, delivery_date: dt.date | None = None,
                    tracking_no: str | None = None, note: str | None = None,
                    reference: Reference | None = None) -> Delivery:
    """Record one shipment: ``lines`` = ``[{order_line_id, quantity}]`` of ONE customer's open lines."""
    require_screen(viewer, "deliveries")
    ref = reference_or_load(reference)
    wanted, errors = _read(lines)
    if errors:
        raise ValidationError(errors)
    for line_id, _ in wanted:  # NotFound / PermissionDenied for lines the viewer may not deliver
        line = session.get(OrderLine, line_id)
        if line is None or line.deleted_at is not None:
            raise NotFound(f"order line {line_id} does not exist")
        records.get(session, viewer, Order, line.order_id, ref)
    status = {r["order_line_id"]: r for r in line_statuses(session, viewer, order_line_ids=[i for i, _ in wanted],
                                                           reference=ref)}
    customers = sorted({status[i]["account_id"] for i, _ in wanted})
    if len(customers) > 1:
        raise ValidationError({"lines": "一次交付只能发往一个客户 One delivery goes to one customer; these lines belong "
                                        f"to customers {', '.join(map(str, customers))}"})
    if account_id not in (None, "") and int(account_id) != customers[0]:
        raise ValidationError({"account_id": f"订单行属于客户 {customers[0]} The lines belong to customer {customers[0]}"})
    for n, (line_id, _) in enumerate(wanted, 1):
        row = status[line_id]
        if row["status"] != "open":
            errors[f"lines[{n}].order_line_id"] = (
                f"订单行 {line_id} 已结清 ({row['delivered_quantity']}/{row['quantity']} {row['unit'] or ''}) "
                f"Line {line_id} of {row['order_no']} is already settled"
            )
        elif row["order_status"] in CLOSED_ORDER_STATUSES:
            errors[f"lines[{n}].order_line_id"] = f"订单 {row['order_no']} 为 {row['order_status']} The order is {row['order_status']}"
    if errors:
        raise ValidationError(errors)
    first = status[wanted[0][0]]
    owner = session.get(Order, first["order_id"]).owner_id
    delivery = records.insert(session, viewer, Delivery, {
        "owner_id": owner, "delivery_no": document_no(session, "FH"), "account_id": customers[0],
        "delivery_date": delivery_date or now_local().date(), "tracking_no": tracking_no, "note": note,
    }, reference=ref)
    for line_id, qty in wanted:
        records.insert(session, viewer, DeliveryLine, {
            "owner_id": owner, "delivery_id": delivery.id, "order_line_id": line_id,
            "order_id": status[line_id]["order_id"], "quantity": qty,
        }, reference=ref)
    session.flush()
    _advance_orders(session, viewer, sorted({status[i]["order_id"] for i, _ in wanted}), ref)
    return delivery


def _advance_orders(session: Session, viewer: Viewer, order_ids: list[int], ref: Reference) -> None:
    """confirmed → delivering → delivered as the lines settle."""
    for order_id in order_ids:
        rows = line_statuses(session, viewer, order_id=order_id, reference=ref)
        target = "delivered" if rows and all(r["status"] != "open" for r in rows) else "delivering"
        order = session.get(Order, order_id)
        if order.status != target and order.status in ("confirmed", "delivering"):
            records.update(session, viewer, order, {"status": target}, order.version, reference=ref)


def list_deliveries(session: Session, viewer: Viewer, *, account_id: int | None = None,
                    reference: Reference | None = None) -> list[Delivery]:
    stmt = filter_query(sa.select(Delivery), viewer, Delivery, reference_or_load(reference))
    if account_id is not None:
        stmt = stmt.where(Delivery.account_id == int(account_id))
    return list(session.execute(stmt.order_by(Delivery.id.desc())).scalars())


def delivery_lines(session: Session, viewer: Viewer, delivery_id: int, *,
                   reference: Reference | None = None) -> list[DeliveryLine]:
    delivery = records.get(session, viewer, Delivery, int(delivery_id), reference_or_load(reference))
    return list(session.execute(
        sa.select(DeliveryLine).where(DeliveryLine.delivery_id == delivery.id, DeliveryLine.deleted_at.is_(None))
        .order_by(DeliveryLine.id)
    ).scalars())
