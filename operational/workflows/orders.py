"""Orders (订单): from an approved quote (its lines copied) or from price-book lines.

Bulk goods lines carry an over/short tolerance (溢短装: ``none``, ``absolute`` in the line's unit,
or ``percent`` of the ordered quantity) that decides when deliveries settle the line
(``operational.settlement``). The order amount is the sum of its line amounts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session

from operational import records
from operational.db import now_local
from operational.errors import ValidationError
from operational.models.orders import Order, OrderLine, Quote, QuoteLine
from operational.models.sales import Account, Opportunity
from operational.reference import Reference
from operational.scope import Viewer, filter_query, require_screen
from operational.settlement import tolerance_errors
from operational.workflows.quotes import (
    document_no,
    price_book_for,
    price_book_products,
    read_lines,
    reference_or_load,
)

ORDERABLE_QUOTE_STATUSES = ("approved",)
LINE_FIELDS = ("product_id", "price_book_id", "unit", "quantity", "list_price", "discount_rate", "unit_price",
               "line_amount", "tolerance_type", "tolerance_value")


def _account(session: Session, viewer: Viewer, account_id: Any, ref: Reference) -> tuple[int, int | None]:
    """(account id, its owner) from the store (scope-checked) or the extracted CRM."""
    try:
        account_id = int(account_id)
    except (TypeError, ValueError):
        raise ValidationError({"account_id": "必填 Required"}) from None
    if session.get(Account, account_id) is not None:
        account = records.get(session, viewer, Account, account_id, ref)
        return account.id, account.owner_id
    extracted = ref.frame("accounts")
    if extracted.height:
        rows = extracted.filter(pl.col("account_id") == account_id).to_dicts()
        if rows:
            return account_id, rows[0]["owner_id"]
    raise ValidationError({"account_id": f"客户 {account_id} 不存在 No account {account_id}"})


def _tolerance(line: dict[str, Any], n: int) -> dict[str, str]:
    return {f"lines[{n}].{k}": v for k, v in tolerance_errors(line.get("tolerance_type"), line.get("tolerance_value")).items()}


def _insert_lines(session: Session, viewer: Viewer, order: Order, lines: list[dict[str, Any]], ref: Reference) -> None:
    for line in lines:
        values = {k: line.get(k) for k in LINE_FIELDS}
        if (values.get("tolerance_type") or "none") == "none":
            values["tolerance_type"], values["tolerance_value"] = "none", None
        records.insert(session, viewer, OrderLine, {"owner_id": order.owner_id, "order_id": order.id, **values},
                       reference=ref)


def _check_tolerances(lines: Sequence[dict[str, Any]]) -> None:
    errors: dict[str, str] = {}
    for n, line in enumerate(lines, 1):
        errors.update(_tolerance(line, n))
    if errors:
        raise ValidationError(errors)


def create_order(session: Session, viewer: Viewer, account_id: int, lines: Sequence[dict[str, Any]], *,
                 opportunity_id: int | None = None, order_date: dt.date | None = None,
                 reference: Reference | None = None) -> Order:
    """An order from price-book lines ``{product_id, quantity, discount_pct, tolerance_type, tolerance_value}``."""
    require_screen(viewer, "orders")
    ref = reference_or_load(reference)
    owner = viewer.crm_user_id
    if opportunity_id not in (None, ""):
        opportunity = records.get(session, viewer, Opportunity, int(opportunity_id), ref)
        if int(account_id) != opportunity.account_id:
            raise ValidationError({"opportunity_id": "商机不属于该客户 The opportunity belongs to another account"})
        owner = opportunity.owner_id
    account_id, account_owner = _account(session, viewer, account_id, ref)
    owner = owner if owner is not None else account_owner
    book = price_book_for(ref, owner)
    priced, errors = read_lines(lines, price_book_products(ref, book["price_book_id"]), tolerances=True)
    for n, line in enumerate(lines, 1):  # numbered as typed (read_lines drops bad lines)
        errors.update(_tolerance(line, n))
    if errors:
        raise ValidationError(errors)
    for line in priced:
        line["price_book_id"] = book["price_book_id"]
    return _save(session, viewer, {
        "owner_id": owner, "account_id": account_id,
        "opportunity_id": int(opportunity_id) if opportunity_id not in (None, "") else None,
        "department_id": ref.department_of(owner), "order_date": order_date or now_local().date(),
    }, priced, ref)


def create_order_from_quote(session: Session, viewer: Viewer, quote_id: int, *,
                            tolerances: Sequence[dict[str, Any]] | None = None, order_date: dt.date | None = None,
                            reference: Reference | None = None) -> Order:
    """An order copying an approved quote's lines; ``tolerances[i]`` (``tolerance_type``,
    ``tolerance_value``) applies to the quote's i-th line. The quote becomes ``accepted``."""
    require_screen(viewer, "orders")
    ref = reference_or_load(reference)
    quote = records.get(session, viewer, Quote, int(quote_id), ref)
    if quote.status not in ORDERABLE_QUOTE_STATUSES:
        raise ValidationError({"quote_id": f"报价单 {quote.quote_no} 状态为 {quote.status}，须已审批 "
                                           f"Quote {quote.quote_no} is {quote.status}; only an approved quote becomes an order"})
    existing = session.execute(sa.select(Order.order_no).where(Order.quote_id == quote.id, Order.deleted_at.is_(None))).scalar()
    if existing:
        raise ValidationError({"quote_id": f"报价单已下单 {existing} The quote already became order {existing}"})
    if quote.account_id is None:
        raise ValidationError({"quote_id": "报价单没有客户 The quote has no account"})
    quote_rows = session.execute(
        sa.select(QuoteLine).where(QuoteLine.quote_id == quote.id, QuoteLine.deleted_at.is_(None)).order_by(QuoteLine.id)
    ).scalars().all()
    tolerances = list(tolerances or [])
    if len(tolerances) > len(quote_rows):
        raise ValidationError({"lines": f"报价单只有 {len(quote_rows)} 行 The quote has {len(quote_rows)} lines"})
    products = ref.frame("products")
    units = dict(zip(products["product_id"].to_list(), products["unit"].to_list(), strict=True)) if products.height else {}
    lines = []
    for n, row in enumerate(quote_rows):
        tol = tolerances[n] if n < len(tolerances) else {}
        lines.append({
            "product_id": row.product_id, "price_book_id": quote.price_book_id, "unit": units.get(row.product_id),
            "quantity": row.quantity, "list_price": row.list_price, "discount_rate": row.discount_rate,
            "unit_price": row.unit_price, "line_amount": row.line_amount,
            "tolerance_type": tol.get("tolerance_type") or "none", "tolerance_value": tol.get("tolerance_value"),
        })
    _check_tolerances(lines)
    order = _save(session, viewer, {
        "owner_id": quote.owner_id, "account_id": quote.account_id, "opportunity_id": quote.opportunity_id,
        "quote_id": quote.id, "department_id": ref.department_of(quote.owner_id),
        "order_date": order_date or now_local().date(),
    }, lines, ref)
    records.update(session, viewer, quote, {"status": "accepted"}, quote.version, reference=ref,
                   comment=f"下单 ordered as {order.order_no}")
    return order


def _save(session: Session, viewer: Viewer, header: dict[str, Any], lines: list[dict[str, Any]], ref: Reference) -> Order:
    total = sum((Decimal(line["line_amount"]) for line in lines), Decimal(0))
    order = records.insert(session, viewer, Order, {
        **header, "order_no": document_no(session, "SO"), "status": "confirmed", "total_amount": total,
    }, reference=ref)
    _insert_lines(session, viewer, order, lines, ref)
    return order


def get_order(session: Session, viewer: Viewer, order_id: int, *, reference: Reference | None = None) -> Order:
    return records.get(session, viewer, Order, int(order_id), reference_or_load(reference))


def list_orders(session: Session, viewer: Viewer, *, account_id: int | None = None, status: str | None = None,
                reference: Reference | None = None) -> list[Order]:
    stmt = filter_query(sa.select(Order), viewer, Order, reference_or_load(reference))
    if account_id is not None:
        stmt = stmt.where(Order.account_id == account_id)
    if status:
        stmt = stmt.where(Order.status == status)
    return list(session.execute(stmt.order_by(Order.id.desc())).scalars())


def order_lines(session: Session, viewer: Viewer, order_id: int, *, reference: Reference | None = None) -> list[OrderLine]:
    order = get_order(session, viewer, order_id, reference=reference)
    return list(session.execute(
        sa.select(OrderLine).where(OrderLine.order_id == order.id, OrderLine.deleted_at.is_(None)).order_by(OrderLine.id)
    ).scalars())
