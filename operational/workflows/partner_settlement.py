"""Partner statements from dispute to payout (渠道结算): the vendor side answers disputes, and
finance releases a statement both sides confirmed as payable (应付), with the figures it settles at.

A dispute is answered once (unique per dispute event): ``accept`` with the line's agreed amount,
or ``reject`` with a note (the vendor's amount stands). Only the latest dispute of a line counts;
the partner may dispute a rejected line again, which opens it again. Channel managers answer for
the partners they manage (the store's partner row rule), admins for all. Every answer and release
is audited. The figures themselves come from ``operational.statement_settlement``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from operational import records
from operational.db import now_local
from operational.errors import PermissionDenied, ValidationError
from operational.models.partner_settlement import PartnerDisputeResolution, PartnerStatementRelease
from operational.models.partners import PartnerStatementEvent
from operational.reference import Reference
from operational.scope import Viewer, visible_partner_ids
from operational.statement_settlement import Answer, Settlement
from operational.statements import statement_key
from operational.workflows.quotes import reference_or_load

ANSWERERS = ("channel_manager", "admin")
RELEASERS = ("finance", "admin")


def _may_act_for(viewer: Viewer, partner_id: int, roles: tuple[str, ...], what: str,
                 reference: Reference | None) -> None:
    if viewer.role not in roles:
        raise PermissionDenied(f"{viewer.username} ({viewer.role}) may not {what}: {', '.join(roles)} do")
    visible = visible_partner_ids(viewer, reference_or_load(reference) if viewer.role == "channel_manager" else reference)
    if visible is not None and int(partner_id) not in visible:
        raise PermissionDenied(f"{viewer.username} ({viewer.role}) does not manage partner {partner_id}")


def disputes(session: Session, partner_id: int, period: str) -> list[dict[str, Any]]:
    """Every dispute of a statement with its answer (if any), oldest first; ``latest`` marks the
    dispute that counts for its line."""
    key = statement_key(partner_id, period)
    rows = session.execute(
        sa.select(PartnerStatementEvent, PartnerDisputeResolution)
        .outerjoin(PartnerDisputeResolution, PartnerDisputeResolution.dispute_event_id == PartnerStatementEvent.id)
        .where(PartnerStatementEvent.statement_key == key, PartnerStatementEvent.event == "dispute")
        .order_by(PartnerStatementEvent.at, PartnerStatementEvent.id)).all()
    out, latest = [], {}
    for event, answer in rows:
        latest[event.line_key] = event.id
        out.append({"dispute_id": event.id, "line_key": event.line_key, "reason": event.reason,
                    "disputed_by": event.username, "disputed_at": event.at,
                    "decision": answer.decision if answer else None,
                    "adjusted_amount": answer.adjusted_amount if answer else None,
                    "note": answer.note if answer else None,
                    "answered_by": answer.username if answer else None, "answered_at": answer.at if answer else None})
    for row in out:
        row["latest"] = latest[row["line_key"]] == row["dispute_id"]
    return out


def line_answers(session: Session, partner_id: int, period: str) -> dict[str, Answer]:
    """Per disputed line: the answer to its latest dispute (``decision`` None while unanswered)."""
    return {r["line_key"]: Answer(r["decision"], r["adjusted_amount"])
            for r in disputes(session, partner_id, period) if r["latest"]}


def resolve_dispute(session: Session, viewer: Viewer, dispute_id: int, decision: str, *,
                    adjusted_amount: Any = None, note: str | None = None,
                    reference: Reference | None = None) -> PartnerDisputeResolution:
    """Answer a line's latest dispute: accept with the agreed amount, or reject with a note."""
    event = session.get(PartnerStatementEvent, int(dispute_id))
    if event is None or event.event != "dispute":
        raise ValidationError({"dispute": f"没有异议 {dispute_id} No dispute {dispute_id}"})
    _may_act_for(viewer, event.partner_id, ANSWERERS, "answer partner disputes", reference)
    later = session.scalar(sa.select(sa.func.max(PartnerStatementEvent.id)).where(
        PartnerStatementEvent.statement_key == event.statement_key, PartnerStatementEvent.event == "dispute",
        PartnerStatementEvent.line_key == event.line_key))
    if later != event.id:
        raise ValidationError({"dispute": "该行有更新的异议，请答复最新的 The line has a newer dispute; answer that one"})
    errors: dict[str, str] = {}
    note = (note or "").strip() or None
    amount = None
    if decision == "accept":
        try:
            amount = records.coerce(PartnerDisputeResolution, {"adjusted_amount": adjusted_amount})[0].get("adjusted_amount")
        except (ValueError, ArithmeticError):
            amount = None
        if adjusted_amount in (None, "") or amount is None:
            errors["adjusted_amount"] = "接受异议须填写调整后金额 Accepting needs the agreed amount"
        elif amount < 0:
            errors["adjusted_amount"] = "不能为负 Must not be negative"
    elif decision == "reject":
        if not note:
            errors["note"] = "驳回须填写说明 A rejection needs a note"
    else:
        errors["decision"] = "须为 accept/reject Must be accept or reject"
    if errors:
        raise ValidationError(errors)
    row = PartnerDisputeResolution(
        dispute_event_id=event.id, statement_key=event.statement_key, partner_id=event.partner_id,
        period=event.period, line_key=event.line_key, decision=decision, adjusted_amount=amount, note=note,
        user_id=viewer.user_id, username=viewer.username, at=now_local())
    try:
        with session.begin_nested():
            session.add(row)
    except sa.exc.IntegrityError:
        raise ValidationError({"dispute": f"异议 {event.id} 已答复 Dispute {event.id} was already answered"}) from None
    records.audit(session, viewer, PartnerDisputeResolution.__tablename__, row.id, decision, None,
                  {"dispute_event_id": event.id, "line_key": event.line_key, "decision": decision,
                   "adjusted_amount": amount, "note": note},
                  comment=f"statement {event.statement_key} line {event.line_key}: dispute {decision}ed")
    return row


def release_statement(session: Session, viewer: Viewer, partner_id: int, period: str, settlement: Settlement,
                      *, reference: Reference | None = None) -> PartnerStatementRelease:
    """Release a statement as payable: both sides confirmed, nothing open; once per statement."""
    _may_act_for(viewer, partner_id, RELEASERS, "release partner statements for payment", reference)
    key = statement_key(partner_id, period)
    sides = set(session.scalars(sa.select(PartnerStatementEvent.side).where(
        PartnerStatementEvent.statement_key == key, PartnerStatementEvent.event == "confirm")))
    problems = []
    if sides != {"partner", "vendor"}:
        missing = sorted({"partner", "vendor"} - sides)
        problems.append(f"尚未双方确认 not confirmed by the {' and '.join(missing)} side")
    if not settlement.confirmable:
        problems.append("仍有未解决的异议或差额 disputes or differences still open")
    if problems:
        raise ValidationError({"statement": f"对账单 {key} 不能付款 cannot be released: " + "; ".join(problems)})
    earlier = session.scalar(sa.select(PartnerStatementRelease).where(PartnerStatementRelease.statement_key == key))
    if earlier is not None:
        raise ValidationError({"statement": f"对账单 {key} 已于 {earlier.at:%Y-%m-%d %H:%M} 由 {earlier.username} 放行 "
                                            "was already released"})
    row = PartnerStatementRelease(
        statement_key=key, partner_id=int(partner_id), period=period, goods_total=settlement.goods_total,
        payout_total=settlement.payout_total, net_amount=settlement.net_amount,
        user_id=viewer.user_id, username=viewer.username, at=now_local())
    try:
        with session.begin_nested():
            session.add(row)
    except sa.exc.IntegrityError:
        raise ValidationError({"statement": f"对账单 {key} 刚被放行 was just released"}) from None
    records.audit(session, viewer, PartnerStatementRelease.__tablename__, row.id, "release", None,
                  {"statement_key": key, "goods_total": row.goods_total, "payout_total": row.payout_total,
                   "net_amount": row.net_amount}, comment=f"statement {key} released as payable")
    return row


def releases(session: Session) -> list[dict[str, Any]]:
    """Every released statement (the apps filter by the viewer's partners)."""
    fields = ("statement_key", "partner_id", "period", "goods_total", "payout_total", "net_amount", "username", "at")
    return [{f: getattr(r, f) for f in fields}
            for r in session.scalars(sa.select(PartnerStatementRelease).order_by(PartnerStatementRelease.at))]
