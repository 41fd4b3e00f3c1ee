"""Disputes and confirmations of partner statements (渠道对账): stored with the user, audited, one confirmation per side.

A statement (``<partner_id>|<period>``) is built by the pipeline; the store only keeps what people
said about it. Its two sides are the partner (``partner_user`` logins of that partner) and the
vendor (the other roles that open the statements screen). A statement is confirmed once both
sides confirmed and disputed once any line is disputed; each side confirms a statement once
(checked here with a message, and by a partial unique index against two racing saves). Which
statements a channel manager may touch is checked by the apps' row rules on the published data;
here a partner user may only speak for its own partner.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from operational import records
from operational.db import now_local
from operational.errors import PermissionDenied, ValidationError
from operational.models.partner_settlement import PartnerDisputeResolution
from operational.models.partners import PartnerStatementEvent
from operational.scope import Viewer, can_open

SCREEN = "partner_statements"
EVENT_FIELDS = ("id", "statement_key", "partner_id", "period", "event", "line_key", "reason", "side",
                "user_id", "username", "at")


def statement_key(partner_id: int, period: str) -> str:
    return f"{int(partner_id)}|{period}"


def side_of(viewer: Viewer) -> str:
    """Which side of a statement the viewer speaks for: the partner, or the vendor (every other role)."""
    return "partner" if viewer.role == "partner_user" else "vendor"


def _check(viewer: Viewer, partner_id: int) -> None:
    if not can_open(viewer, SCREEN):
        raise PermissionDenied(f"{viewer.username} ({viewer.role}) may not dispute or confirm partner statements")
    if viewer.role == "partner_user" and viewer.partner_id != int(partner_id):
        raise PermissionDenied(
            f"{viewer.username} (partner {viewer.partner_id}) may not act on partner {partner_id}'s statement")


def _row(event: PartnerStatementEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in EVENT_FIELDS}


def _record(session: Session, viewer: Viewer, partner_id: int, period: str, event: str, *,
            line_key: str | None = None, reason: str | None = None) -> PartnerStatementEvent:
    row = PartnerStatementEvent(
        statement_key=statement_key(partner_id, period), partner_id=int(partner_id), period=period, event=event,
        line_key=line_key, reason=reason, side=side_of(viewer), user_id=viewer.user_id,
        username=viewer.username, at=now_local(),
    )
    try:
        with session.begin_nested():  # a racing save of the same side's confirmation fails here, not later
            session.add(row)
    except sa.exc.IntegrityError:
        raise ValidationError({"statement": _already(row.statement_key, row.side, "another session")}) from None
    records.audit(session, viewer, PartnerStatementEvent.__tablename__, row.id, event, None, _row(row),
                  comment=f"statement {row.statement_key} {event}d by the {row.side} side"
                          + (f", line {line_key}" if line_key else ""))
    return row


def dispute_line(session: Session, viewer: Viewer, partner_id: int, period: str, line_key: str,
                 reason: str) -> PartnerStatementEvent:
    """Dispute one line (the caller checked the line is on the statement the viewer may read)."""
    _check(viewer, partner_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写原因 Give a reason"})
    if not str(line_key or "").startswith(statement_key(partner_id, period) + "|"):
        raise ValidationError({"line_key": f"行 {line_key} 不属于对账单 {statement_key(partner_id, period)} "
                                           f"Line {line_key} is not on statement {statement_key(partner_id, period)}"})
    return _record(session, viewer, partner_id, period, "dispute", line_key=line_key, reason=reason)


def _already(key: str, side: str, by: str) -> str:
    return (f"对账单 {key} 已由{'伙伴' if side == 'partner' else '厂商'}方确认 "
            f"Statement {key} was already confirmed by the {side} side ({by})")


def confirm_statement(session: Session, viewer: Viewer, partner_id: int, period: str) -> PartnerStatementEvent:
    """Confirm the statement for the viewer's side; ``ValidationError`` if that side already did."""
    _check(viewer, partner_id)
    key, side = statement_key(partner_id, period), side_of(viewer)
    earlier = session.scalar(sa.select(PartnerStatementEvent).where(
        PartnerStatementEvent.statement_key == key, PartnerStatementEvent.side == side,
        PartnerStatementEvent.event == "confirm"))
    if earlier is not None:
        raise ValidationError({"statement": _already(key, side, f"{earlier.username}, {earlier.at:%Y-%m-%d %H:%M}")})
    return _record(session, viewer, partner_id, period, "confirm")


def events(session: Session) -> list[dict[str, Any]]:
    """Every dispute and confirmation, oldest first (the apps filter by the viewer's partners)."""
    rows = session.scalars(sa.select(PartnerStatementEvent).order_by(PartnerStatementEvent.at,
                                                                     PartnerStatementEvent.id))
    return [_row(r) for r in rows]


def statement_states(session: Session) -> dict[str, dict[str, Any]]:
    """Per statement key: ``disputed`` (a line's latest dispute is not answered yet, see
    ``operational.workflows.partner_settlement``) and ``confirmed_by`` (the sides that confirmed)."""
    states: dict[str, dict[str, Any]] = defaultdict(lambda: {"disputed": False, "confirmed_by": set()})
    answered = set(session.scalars(sa.select(PartnerDisputeResolution.dispute_event_id)))
    latest: dict[tuple[str, str | None], int] = {}
    for event_id, key, event, side, line_key in session.execute(sa.select(
            PartnerStatementEvent.id, PartnerStatementEvent.statement_key, PartnerStatementEvent.event,
            PartnerStatementEvent.side, PartnerStatementEvent.line_key).order_by(PartnerStatementEvent.id)):
        if event == "dispute":
            latest[(key, line_key)] = event_id
        else:
            states[key]["confirmed_by"].add(side)
    for (key, _line), event_id in latest.items():
        if event_id not in answered:
            states[key]["disputed"] = True
    return dict(states)
