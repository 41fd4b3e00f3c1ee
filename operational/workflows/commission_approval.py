"""Commission statement approval (提成审批): finance approves, pays or reopens a published statement.

draft (no store row) -> approved -> paid; an approved statement may be reopened (with a reason)
back to draft, a paid one never: it is frozen, and any later change to its inputs reaches the
person's next open statement as an adjustment line (pipelines/finance/commission.py). Approving
records the figures of the published statement the approver saw (``figures``: the row of
``finance.commission_statements``); paying needs those figures unchanged, so what is paid is
exactly what was approved. Every step is audited with who and when (``operational.records``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from operational import records
from operational.db import now_local
from operational.errors import ValidationError
from operational.models.commission_approval import CommissionStatementApproval
from operational.reference import Reference
from operational.scope import Viewer, require_screen

SCREEN = "commission_approvals"  # finance, admin (operational.screens)
FIGURES = ("total_amount", "commission_amount", "adjustment_amount", "line_count", "period_end")


def _author(viewer: Viewer) -> str:
    name = viewer.display_name
    return viewer.username if not name or viewer.username in name else f"{name} ({viewer.username})"


def _date(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else dt.date.fromisoformat(str(value)[:10])


def current(session: Session, user_id: int, period_start: Any) -> CommissionStatementApproval | None:
    """The live approval of one statement (None: draft)."""
    return session.scalar(sa.select(CommissionStatementApproval).where(
        CommissionStatementApproval.user_id == int(user_id),
        CommissionStatementApproval.period_start == _date(period_start),
        CommissionStatementApproval.deleted_at.is_(None)))


def status_of(session: Session, user_id: int, period_start: Any) -> str:
    row = current(session, user_id, period_start)
    return row.status if row is not None else "draft"


def _money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def approve(session: Session, viewer: Viewer, user_id: int, period_start: Any, figures: dict[str, Any], *,
            reference: Reference | None = None) -> CommissionStatementApproval:
    """Approve a draft statement at the published ``figures`` (the row the approver saw)."""
    require_screen(viewer, SCREEN)
    missing = [f for f in FIGURES if figures.get(f) is None]
    if missing:
        raise ValueError(f"commission approval: the statement's {missing} are needed")
    earlier = current(session, user_id, period_start)
    if earlier is not None:
        raise ValidationError({"statement": (
            f"对账单已{'审批' if earlier.status == 'approved' else '发放'} The statement is already {earlier.status} "
            f"({earlier.approved_by}, {earlier.approved_at:%Y-%m-%d %H:%M})")})
    values = {
        "user_id": int(user_id), "period_start": _date(period_start), "period_end": _date(figures["period_end"]),
        "status": "approved", "approved_total": _money(figures["total_amount"]),
        "approved_commission": _money(figures["commission_amount"]),
        "approved_adjustment": _money(figures["adjustment_amount"]),
        "approved_lines": int(figures["line_count"]), "approved_by": _author(viewer), "approved_at": now_local(),
    }
    try:
        with session.begin_nested():  # a racing approval of the same statement fails here
            return records.insert(session, viewer, CommissionStatementApproval, values, action="approve",
                                  comment=f"statement {user_id}|{values['period_start']} approved at "
                                          f"{values['approved_total']} CNY", reference=reference)
    except sa.exc.IntegrityError:
        raise ValidationError({"statement": "对账单已由他人审批 Another session approved the statement"}) from None


def pay(session: Session, viewer: Viewer, approval_id: int, expected_version: int, figures: dict[str, Any], *,
        payment_reference: str | None = None, reference: Reference | None = None) -> CommissionStatementApproval:
    """Mark an approved statement paid; its published ``figures`` must still be the approved ones."""
    require_screen(viewer, SCREEN)
    row = records.get(session, viewer, CommissionStatementApproval, int(approval_id), reference)
    if row.status != "approved":
        raise ValidationError({"statement": f"对账单已发放 The statement is already paid ({row.paid_by}, {row.paid_at})"})
    now_total = _money(figures.get("total_amount", 0))
    if now_total != row.approved_total:
        raise ValidationError({"statement": (
            f"审批后金额已变化 The statement changed since it was approved: {row.approved_total:,.2f} approved, "
            f"{now_total:,.2f} now. Reopen it and approve the new figures before paying")})
    return records.update(session, viewer, row, {
        "status": "paid", "paid_by": _author(viewer), "paid_at": now_local(),
        "payment_reference": (payment_reference or "").strip() or None,
    }, expected_version, action="pay", comment=f"statement {row.user_id}|{row.period_start} paid "
                                               f"{row.approved_total} CNY", reference=reference)


def reopen(session: Session, viewer: Viewer, approval_id: int, expected_version: int, reason: Any, *,
           reference: Reference | None = None) -> CommissionStatementApproval:
    """Back to draft (an approved statement only; a paid one stays frozen), with a reason."""
    require_screen(viewer, SCREEN)
    row = records.get(session, viewer, CommissionStatementApproval, int(approval_id), reference)
    text = str(reason or "").strip()
    errors = {}
    if row.status == "paid":
        errors["statement"] = ("已发放的对账单不能重开 A paid statement is frozen: later changes reach the "
                               "person's next open statement as adjustments")
    if not text:
        errors["reason"] = "重开须填写原因 Reopening needs a reason"
    if errors:
        raise ValidationError(errors)
    return records.soft_delete(session, viewer, row, expected_version, comment=f"reopened: {text}",
                               reference=reference)


def approvals(session: Session, viewer: Viewer, *, period_start: Any = None) -> list[CommissionStatementApproval]:
    """Live approvals (finance sees all), for one period or all."""
    require_screen(viewer, SCREEN)
    stmt = sa.select(CommissionStatementApproval).where(CommissionStatementApproval.deleted_at.is_(None))
    if period_start is not None:
        stmt = stmt.where(CommissionStatementApproval.period_start == _date(period_start))
    return list(session.scalars(stmt.order_by(CommissionStatementApproval.user_id)))


def frozen_statement_error(session: Session, user_id: Any, period: str) -> dict[str, str]:
    """A manual adjustment may not change an approved or paid statement (its month, YYYY-MM)."""
    try:
        start = dt.date.fromisoformat(f"{period}-01")
        status = status_of(session, int(user_id), start)
    except (TypeError, ValueError):
        return {}
    if status == "draft":
        return {}
    return {"period": (
        f"{period} 的对账单已{'审批' if status == 'approved' else '发放'} The statement of {period} is {status}: "
        + ("reopen it first" if status == "approved" else "enter the adjustment in a later open month"))}
