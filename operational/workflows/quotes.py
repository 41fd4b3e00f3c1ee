"""Quotes (报价单): lines from the rep's department price book, discount approval above a threshold.

A line's discount is entered in percent; above the business settings' ``sales.yml``
``quote_discount_threshold_pct`` (default 15 %)
the quote waits for a sales manager (``pending_approval`` + an ``approvals`` row), otherwise it is
approved at once and can become an order. Money: the line amount is rounded half up to the fen
once, from quantity x list price x (1 - discount); the unit price shown is rounded on its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session

from kernel.config import current_business_settings
from operational import records, validation
from operational.db import now_local
from operational.errors import PermissionDenied, ValidationError
from operational.ids import OPS_ID_BASE, next_id
from operational.models.orders import Approval, Quote, QuoteLine
from operational.models.sales import Opportunity
from operational.reference import Reference
from operational.scope import Viewer, filter_query, require_screen

APPROVER_ROLES = ("sales_manager", "admin")
FEN = Decimal("0.01")
QUANTITY = QuoteLine.__table__.c.quantity  # order lines have the same type


def discount_threshold(config_dir: Path | None = None) -> Decimal:
    """Discount (percent) above which a quote needs approval: ``sales.yml``
    ``quote_discount_threshold_pct`` in the settings folder (default 15)."""
    return current_business_settings(config_dir).sales.quote_discount_threshold_pct


def document_no(session: Session, prefix: str) -> str:
    """A unique, human-readable number (QT…, SO…) from the store's global counter."""
    return f"{prefix}-OPS{next_id(session) - OPS_ID_BASE:08d}"


def reference_or_load(reference: Reference | None) -> Reference:
    return reference if reference is not None else Reference.load()


# ---------------------------------------------------------------- price books

def price_book_for(reference: Reference, crm_user_id: int | None) -> dict[str, Any]:
    """The price book of the user's department: the nearest department up the tree that has
    one (sales teams use their region's book), else the standard book."""
    books = reference.frame("price_books")
    if not books.height:
        raise ValidationError({"price_book_id": "参考数据中没有价格表 No price books in the reference data: run the pipeline"})
    depts = reference.frame("departments")
    parent = (
        dict(zip(depts["department_id"].to_list(), depts["parent_department_id"].to_list(), strict=True))
        if depts.height else {}
    )
    by_dept = {r["department_id"]: r for r in books.to_dicts() if r["department_id"] is not None}
    dept, seen = reference.department_of(crm_user_id), set()
    while dept is not None and dept not in seen:
        if dept in by_dept:
            return by_dept[dept]
        seen.add(dept)
        dept = parent.get(dept)
    standard = [r for r in books.to_dicts() if r["is_standard"]]
    if not standard:
        raise ValidationError({"price_book_id": "没有适用的价格表 No price book for this department"})
    return standard[0]


def price_book_products(reference: Reference, price_book_id: int) -> pl.DataFrame:
    """Products of one price book with their list price there (what a quote line may offer)."""
    entries = reference.frame("price_book_entries")
    products = reference.frame("products")
    if not entries.height or not products.height:
        return pl.DataFrame(schema={"product_id": pl.Int64, "product_code": pl.String, "product_name": pl.String,
                                    "product_line": pl.String, "unit": pl.String, "list_price": pl.Decimal(18, 2)})
    return (
        entries.filter(pl.col("price_book_id") == price_book_id)
        .select("product_id", pl.col("unit_price").alias("list_price"))
        .join(products.select("product_id", "product_code", "product_name", "product_line", "unit"), on="product_id")
        .select("product_id", "product_code", "product_name", "product_line", "unit", "list_price")
        .sort("product_code")
    )


def products_for_viewer(viewer: Viewer, reference: Reference | None = None) -> pl.DataFrame:
    """The products the viewer may quote: their department's price book (for the entry screen)."""
    ref = reference_or_load(reference)
    return price_book_products(ref, price_book_for(ref, viewer.crm_user_id)["price_book_id"])


# ---------------------------------------------------------------- line arithmetic

def _decimal(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def price_line(list_price: Decimal, quantity: Decimal, discount_pct: Decimal) -> dict[str, Decimal]:
    """Rate, unit price and line amount of one line (rounded half up to the fen only at the end)."""
    with localcontext() as exact:  # room for a product too large for its column: read_lines names it
        exact.prec = 60
        rate = (discount_pct / 100).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        net = list_price * (1 - rate)
        return {
            "discount_rate": rate,
            "unit_price": net.quantize(FEN, rounding=ROUND_HALF_UP),
            "line_amount": (quantity * net).quantize(FEN, rounding=ROUND_HALF_UP),
        }


def read_lines(lines: Sequence[dict[str, Any]], book: pl.DataFrame, *, tolerances: bool = False
               ) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Check typed lines against the price book; field errors keyed ``lines[<n>].<field>`` (1-based)."""
    errors: dict[str, str] = {}
    if not lines:
        return [], {"lines": "至少一行产品 Add at least one product line"}
    prices = {r["product_id"]: r for r in book.to_dicts()}
    seen: set[int] = set()
    out = []
    for n, line in enumerate(lines, 1):
        key = f"lines[{n}]"
        product_id = line.get("product_id")
        try:
            product_id = int(product_id) if product_id not in (None, "") else None
        except (TypeError, ValueError):
            product_id = None
        quantity, quantity_error = validation.field_error(QUANTITY, line.get("quantity"))
        pct = _decimal(line.get("discount_pct", 0) or 0)
        if product_id is None:
            errors[f"{key}.product_id"] = "必填 Required"
        elif product_id not in prices:
            errors[f"{key}.product_id"] = (
                f"产品 {product_id} 不在本部门价格表中 Product {product_id} is not in your department's price book"
            )
        elif product_id in seen:
            errors[f"{key}.product_id"] = "同一产品重复 The product is already on another line"
        if quantity_error:
            errors[f"{key}.quantity"] = quantity_error
        elif quantity is None or quantity <= 0:
            errors[f"{key}.quantity"] = "数量须大于 0 Quantity must be greater than 0"
        if pct is None or not 0 <= pct < 100:
            errors[f"{key}.discount_pct"] = "折扣须在 0 到 100 之间 Discount must be 0-100 %"
        if any(k.startswith(key + ".") for k in errors):
            continue
        seen.add(product_id)
        entry = prices[product_id]
        list_price = Decimal(entry["list_price"])
        row = {"product_id": product_id, "unit": entry["unit"], "quantity": quantity, "list_price": list_price,
               "discount_pct": pct, **price_line(list_price, quantity, pct)}
        derived = {f"{key}.{f}": m for f in ("unit_price", "line_amount")
                   if (m := validation.check_value(QuoteLine.__table__.c[f], row[f]))}
        if derived:  # each input fits its column, their product may not (issue 14)
            errors.update(derived)
            continue
        if tolerances:
            row["tolerance_type"] = line.get("tolerance_type") or "none"
            row["tolerance_value"] = line.get("tolerance_value")
        out.append(row)
    return out, errors


# ---------------------------------------------------------------- quotes

def create_quote(session: Session, viewer: Viewer, opportunity_id: int, lines: Sequence[dict[str, Any]], *,
                 quote_date: dt.date | None = None, reference: Reference | None = None) -> Quote:
    """A quote on an open opportunity; lines: ``{product_id, quantity, discount_pct}``."""
    require_screen(viewer, "quotes")
    ref = reference_or_load(reference)
    opportunity = records.get(session, viewer, Opportunity, int(opportunity_id), ref)
    if opportunity.status != "open":
        raise ValidationError({"opportunity_id": f"商机已关闭 ({opportunity.status}) The opportunity is closed"})
    book = price_book_for(ref, opportunity.owner_id if opportunity.owner_id is not None else viewer.crm_user_id)
    priced, errors = read_lines(lines, price_book_products(ref, book["price_book_id"]))
    if errors:
        raise ValidationError(errors)
    threshold = discount_threshold()
    over = [(n, r["discount_pct"]) for n, r in enumerate(priced, 1) if r["discount_pct"] > threshold]
    gross = sum((r["quantity"] * r["list_price"] for r in priced), Decimal(0))
    total = sum((r["line_amount"] for r in priced), Decimal(0))
    quote = records.insert(session, viewer, Quote, {
        "owner_id": opportunity.owner_id,
        "quote_no": document_no(session, "QT"),
        "opportunity_id": opportunity.id,
        "account_id": opportunity.account_id,
        "price_book_id": book["price_book_id"],
        "status": "pending_approval" if over else "approved",
        "total_amount": total,
        "discount_rate": (1 - total / gross).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP) if gross else Decimal(0),
        "quote_date": quote_date or now_local().date(),
    }, reference=ref)
    for r in priced:
        records.insert(session, viewer, QuoteLine, {
            "owner_id": quote.owner_id, "quote_id": quote.id,
            **{k: r[k] for k in ("product_id", "quantity", "list_price", "discount_rate", "unit_price", "line_amount")},
        }, reference=ref)
    if over:
        reason = "; ".join(f"第 {n} 行折扣 line {n} discount {pct}% > {threshold}%" for n, pct in over)
        records.insert(session, viewer, Approval, {
            "owner_id": quote.owner_id, "object_type": "quote", "object_id": quote.id,
            "requested_by": viewer.user_id, "approver_role": "sales_manager", "reason": reason, "status": "pending",
        }, reference=ref)
    if opportunity.quote_id is None:
        records.update(session, viewer, opportunity, {"quote_id": quote.id}, opportunity.version, reference=ref)
    return quote


def _pending_approval(session: Session, quote: Quote) -> Approval | None:
    return session.execute(
        sa.select(Approval).where(Approval.object_type == "quote", Approval.object_id == quote.id,
                                  Approval.status == "pending", Approval.deleted_at.is_(None))
    ).scalar_one_or_none()


def _decide(session: Session, viewer: Viewer, quote_id: int, decision: str, comment: str | None,
            reference: Reference | None) -> Quote:
    if viewer.role not in APPROVER_ROLES:
        raise PermissionDenied(f"{viewer.username} ({viewer.role}) may not approve quotes: sales managers and admins do")
    ref = reference_or_load(reference)
    quote = records.get(session, viewer, Quote, int(quote_id), ref)
    if quote.status != "pending_approval":
        raise ValidationError({"status": f"报价单状态为 {quote.status}，无需审批 Quote {quote.quote_no} is {quote.status}, not pending approval"})
    comment = (comment or "").strip() or None
    if decision == "rejected" and not comment:
        raise ValidationError({"comment": "驳回须填写意见 A rejection needs a comment"})
    action = "approve" if decision == "approved" else "reject"
    approval = _pending_approval(session, quote)
    if approval is not None:
        records.update(session, viewer, approval, {"status": decision, "comment": comment, "decided_by": viewer.user_id,
                                                   "decided_at": now_local()}, approval.version,
                       action=action, comment=comment, reference=ref)
    return records.update(session, viewer, quote, {"status": decision, "approved_by": viewer.crm_user_id},
                          quote.version, action=action, comment=comment, reference=ref)


def approve_quote(session: Session, viewer: Viewer, quote_id: int, comment: str | None = None, *,
                  reference: Reference | None = None) -> Quote:
    """A sales manager (or admin) approves a quote waiting for a discount decision."""
    return _decide(session, viewer, quote_id, "approved", comment, reference)


def reject_quote(session: Session, viewer: Viewer, quote_id: int, comment: str, *,
                 reference: Reference | None = None) -> Quote:
    """Reject with a comment (required): the rep sees why."""
    return _decide(session, viewer, quote_id, "rejected", comment, reference)


def list_quotes(session: Session, viewer: Viewer, *, status: str | None = None, opportunity_id: int | None = None,
                reference: Reference | None = None) -> list[Quote]:
    stmt = filter_query(sa.select(Quote), viewer, Quote, reference_or_load(reference))
    if status:
        stmt = stmt.where(Quote.status == status)
    if opportunity_id is not None:
        stmt = stmt.where(Quote.opportunity_id == opportunity_id)
    return list(session.execute(stmt.order_by(Quote.id.desc())).scalars())


def quote_lines(session: Session, viewer: Viewer, quote_id: int, *, reference: Reference | None = None) -> list[QuoteLine]:
    quote = records.get(session, viewer, Quote, int(quote_id), reference_or_load(reference))
    return list(session.execute(
        sa.select(QuoteLine).where(QuoteLine.quote_id == quote.id, QuoteLine.deleted_at.is_(None)).order_by(QuoteLine.id)
    ).scalars())


def pending_approvals(session: Session, viewer: Viewer, *, reference: Reference | None = None) -> list[dict[str, Any]]:
    """Quotes waiting for the viewer's decision (their team's, by the row rule)."""
    stmt = filter_query(
        sa.select(Approval, Quote, Opportunity.opportunity_name, Opportunity.amount)
        .join(Quote, sa.and_(Approval.object_type == "quote", Approval.object_id == Quote.id))
        .outerjoin(Opportunity, Opportunity.id == Quote.opportunity_id),
        viewer, Approval, reference_or_load(reference),
    ).where(Approval.status == "pending").order_by(Approval.id)
    return [
        {"approval_id": a.id, "quote_id": q.id, "quote_no": q.quote_no, "owner_id": q.owner_id,
         "account_id": q.account_id, "opportunity_id": q.opportunity_id, "opportunity_name": opp_name,
         "opportunity_amount": opp_amount, "total_amount": q.total_amount, "discount_rate": q.discount_rate,
         "reason": a.reason, "requested_at": a.created_at, "quote_version": q.version}
        for a, q, opp_name, opp_amount in session.execute(stmt).all()
    ]
