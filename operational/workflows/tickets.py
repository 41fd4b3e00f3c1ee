"""Service tickets (工单): created from a call or a chat, assigned by a service manager, moved
through the allowed statuses, closed with the customer's rating, linked to product requirements.

Every change writes a ``ticket_events`` row (time, actor, from/to status), the input of the SLA
clocks, besides the audit log. A requirement link may accept a suggestion of the matching model
(published table ``service.requirement_link_suggestions``); the link keeps its score.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session

from operational import records
from operational.db import now_local
from operational.errors import PermissionDenied, ValidationError
from operational.ids import OPS_ID_BASE, next_id
from operational.models.sales import Account
from operational.models.service import Ticket, TicketEvent, TicketRequirementLink
from operational.reference import Reference
from operational.scope import Viewer, filter_query, require_screen
from operational.workflows.quotes import reference_or_load

# status → statuses it may move to (closing goes through close_with_rating)
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("assigned",),
    "assigned": ("in_progress",),
    "in_progress": ("waiting_on_customer", "resolved"),
    "waiting_on_customer": ("in_progress",),
    "resolved": ("closed", "in_progress"),  # reopened when the fix did not hold
    "closed": (),
}
ASSIGNERS = ("service_manager", "admin")
SUGGESTIONS = "service.requirement_link_suggestions"  # pipelines/service/assets.py
REQUIREMENTS = "staging.stg_callcenter__requirements"
ASSIGNABLE_POSITIONS = ("service_agent", "service_manager", "field_engineer")


def _event(session: Session, viewer: Viewer, ticket: Ticket, event_type: str, *, from_status: str | None = None,
           to_status: str | None = None, detail: str | None = None, ref: Reference) -> TicketEvent:
    return records.insert(session, viewer, TicketEvent, {
        "owner_id": ticket.owner_id, "ticket_id": ticket.id, "ticket_no": ticket.ticket_no, "event_type": event_type,
        "from_status": from_status, "to_status": to_status, "actor": viewer.username, "detail": detail,
        "event_time": now_local(),
    }, reference=ref)


def _account_exists(session: Session, account_id: Any, ref: Reference) -> int:
    try:
        account_id = int(account_id)
    except (TypeError, ValueError):
        raise ValidationError({"account_id": "必填 Required"}) from None
    if session.get(Account, account_id) is not None:
        return account_id
    extracted = ref.frame("accounts")
    if extracted.height and extracted.filter(pl.col("account_id") == account_id).height:
        return account_id
    raise ValidationError({"account_id": f"客户 {account_id} 不存在 No account {account_id}"})


def create_ticket(session: Session, viewer: Viewer, *, account_id: Any, priority: str, category: str, subject: str,
                  call_id: str | None = None, conversation_id: str | None = None, channel: str | None = None,
                  description: str | None = None, product_code: str | None = None,
                  contact_phone: str | None = None, team: str | None = None,
                  reference: Reference | None = None) -> Ticket:
    """A ticket from a call (``call_id``) or a chat (``conversation_id``), owned by whoever took it
    until a service manager assigns it."""
    require_screen(viewer, "tickets")
    ref = reference_or_load(reference)
    account = _account_exists(session, account_id, ref)
    call_id, conversation_id = (call_id or "").strip() or None, (conversation_id or "").strip() or None
    channel = channel or ("phone" if call_id else "chat" if conversation_id else None)
    today = now_local()
    ticket = records.insert(session, viewer, Ticket, {
        "owner_id": viewer.crm_user_id,
        "ticket_no": f"TK{today:%Y%m%d}{next_id(session) - OPS_ID_BASE:06d}",
        "account_id": account, "product_code": product_code, "call_id": call_id, "conversation_id": conversation_id,
        "contact_phone": contact_phone, "channel": channel, "priority": priority, "category": category,
        "subject": subject, "description": description, "status": "new", "team": team,
    }, reference=ref)
    _event(session, viewer, ticket, "status_change", to_status="new", ref=ref)
    return ticket


def get_ticket(session: Session, viewer: Viewer, ticket_id: int, *, reference: Reference | None = None) -> Ticket:
    return records.get(session, viewer, Ticket, int(ticket_id), reference_or_load(reference))


def list_tickets(session: Session, viewer: Viewer, *, status: str | None = None,
                 reference: Reference | None = None) -> list[Ticket]:
    stmt = filter_query(sa.select(Ticket), viewer, Ticket, reference_or_load(reference))
    if status:
        stmt = stmt.where(Ticket.status == status)
    return list(session.execute(stmt.order_by(Ticket.id.desc())).scalars())


def ticket_events(session: Session, viewer: Viewer, ticket_id: int, *,
                  reference: Reference | None = None) -> list[TicketEvent]:
    ticket = get_ticket(session, viewer, ticket_id, reference=reference)
    return list(session.execute(
        sa.select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.deleted_at.is_(None))
        .order_by(TicketEvent.id)
    ).scalars())


def assign_ticket(session: Session, viewer: Viewer, ticket_id: int, assignee_user_id: Any, *,
                  agent_id: str | None = None, team: str | None = None, expected_version: int | None = None,
                  reference: Reference | None = None) -> Ticket:
    """A service manager gives the ticket to an agent (CRM user); a new ticket becomes ``assigned``."""
    if viewer.role not in ASSIGNERS:
        raise PermissionDenied(f"{viewer.username} ({viewer.role}) may not assign tickets: service managers do")
    ref = reference_or_load(reference)
    ticket = get_ticket(session, viewer, ticket_id, reference=ref)
    try:
        assignee = int(assignee_user_id)
    except (TypeError, ValueError):
        raise ValidationError({"assignee_user_id": "必填 Required"}) from None
    user = ref.user(assignee)
    if user is None or user.get("position") not in ASSIGNABLE_POSITIONS:
        raise ValidationError({"assignee_user_id": f"{assignee} 不是客服人员 is not a service agent or engineer"})
    if ticket.status == "closed":
        raise ValidationError({"status": "工单已关闭 The ticket is closed"})
    version = ticket.version if expected_version is None else expected_version
    before = ticket.status
    values: dict[str, Any] = {"owner_id": assignee, "assignee_agent_id": agent_id, "team": team or ticket.team}
    if before == "new":
        values["status"] = "assigned"
    ticket = records.update(session, viewer, ticket, values, version, action="assign", reference=ref)
    _event(session, viewer, ticket, "assignment", detail=f"{user.get('user_name')} ({assignee})", ref=ref)
    if before == "new":
        _event(session, viewer, ticket, "status_change", from_status="new", to_status="assigned", ref=ref)
    return ticket


def change_status(session: Session, viewer: Viewer, ticket_id: int, to_status: str, *,
                  expected_version: int | None = None, comment: str | None = None,
                  reference: Reference | None = None) -> Ticket:
    """Move along ``TRANSITIONS``; anything else is a field error naming the allowed moves."""
    require_screen(viewer, "tickets")
    ref = reference_or_load(reference)
    ticket = get_ticket(session, viewer, ticket_id, reference=ref)
    allowed = TRANSITIONS.get(ticket.status, ())
    if to_status == "closed" and ticket.status == "resolved":
        raise ValidationError({"status": "关闭须录入客户评分 Close with the customer's rating (close_with_rating)"})
    if to_status not in allowed:
        raise ValidationError({"status": f"不能从 {ticket.status} 变为 {to_status}；可选 {', '.join(allowed) or '无'} "
                                         f"Cannot go from {ticket.status} to {to_status}; allowed: {', '.join(allowed) or 'none'}"})
    if to_status == "assigned":
        raise ValidationError({"status": "请用分派 Use assign to assign a ticket"})
    values: dict[str, Any] = {"status": to_status}
    if to_status == "resolved":
        values["resolved_at"] = now_local()
    if ticket.status == "resolved" and to_status == "in_progress":
        values["resolved_at"] = None
    before = ticket.status
    version = ticket.version if expected_version is None else expected_version
    ticket = records.update(session, viewer, ticket, values, version, comment=comment, reference=ref)
    _event(session, viewer, ticket, "status_change", from_status=before, to_status=to_status, detail=comment, ref=ref)
    return ticket


def close_with_rating(session: Session, viewer: Viewer, ticket_id: int, rating: Any, comment: str | None = None, *,
                      expected_version: int | None = None, reference: Reference | None = None) -> Ticket:
    """Close a resolved ticket with the customer's rating (1-5)."""
    require_screen(viewer, "tickets")
    ref = reference_or_load(reference)
    ticket = get_ticket(session, viewer, ticket_id, reference=ref)
    try:
        score = int(str(rating).strip())
    except (TypeError, ValueError):
        score = None
    if score is None or not 1 <= score <= 5:
        raise ValidationError({"rating": "评分须为 1 到 5 的整数 Rating must be a whole number 1-5"})
    if ticket.status != "resolved":
        raise ValidationError({"status": f"只有已解决的工单可关闭（当前 {ticket.status}） Only a resolved ticket can be closed"})
    version = ticket.version if expected_version is None else expected_version
    ticket = records.update(session, viewer, ticket, {
        "status": "closed", "closed_at": now_local(), "rating": score, "rating_comment": (comment or "").strip() or None,
    }, version, action="close", comment=comment, reference=ref)
    _event(session, viewer, ticket, "status_change", from_status="resolved", to_status="closed", ref=ref)
    _event(session, viewer, ticket, "rating", detail=str(score), ref=ref)
    return ticket


# ---------------------------------------------------------------- requirement links

def _published(reference: Reference, table: str, sql: str, params: list) -> list[tuple]:
    """Rows of ``sql`` over one table of the published snapshot (none when it lacks the table)."""
    if not reference.source or not Path(reference.source).exists():
        return []
    schema, name = table.split(".")
    with duckdb.connect(reference.source, read_only=True) as con:
        found = con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                            [schema, name]).fetchone()[0]
        return con.execute(sql.format(table=table), params).fetchall() if found else []


def suggestions_for(ticket_no: str, reference: Reference | None = None) -> list[dict[str, Any]]:
    """The matching model's suggested requirements for a ticket, best first."""
    rows = _published(reference_or_load(reference), SUGGESTIONS,
                      "select requirement_id, suggestion_rank, score from {table} where ticket_no = ? "
                      "order by suggestion_rank", [ticket_no])
    return [{"requirement_id": r, "suggestion_rank": k, "score": s} for r, k, s in rows]


def link_requirement(session: Session, viewer: Viewer, ticket_id: int, requirement_id: str, from_suggestion: bool, *,
                     reference: Reference | None = None) -> TicketRequirementLink:
    """Link the ticket to a requirement; ``from_suggestion`` when accepting the model's suggestion
    (which must then be one of the ticket's suggestions)."""
    require_screen(viewer, "tickets")
    ref = reference_or_load(reference)
    ticket = get_ticket(session, viewer, ticket_id, reference=ref)
    requirement_id = (requirement_id or "").strip()
    if not requirement_id:
        raise ValidationError({"requirement_id": "必填 Required"})
    known = _published(ref, REQUIREMENTS, "select requirement_id from {table} where requirement_id = ?",
                       [requirement_id])
    if not known:
        raise ValidationError({"requirement_id": f"需求 {requirement_id} 不存在 No requirement {requirement_id}"})
    score = None
    if from_suggestion:
        match = [s for s in suggestions_for(ticket.ticket_no, ref) if s["requirement_id"] == requirement_id]
        if not match:
            raise ValidationError({"requirement_id": f"{requirement_id} 不是本工单的推荐 is not among this ticket's suggestions"})
        score = Decimal(str(match[0]["score"])).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    duplicate = session.execute(
        sa.select(TicketRequirementLink.id).where(TicketRequirementLink.ticket_id == ticket.id,
                                                  TicketRequirementLink.requirement_id == requirement_id,
                                                  TicketRequirementLink.deleted_at.is_(None))
    ).scalar()
    if duplicate:
        raise ValidationError({"requirement_id": f"已关联 {requirement_id} Already linked"})
    link = records.insert(session, viewer, TicketRequirementLink, {
        "owner_id": ticket.owner_id, "ticket_id": ticket.id, "ticket_no": ticket.ticket_no,
        "requirement_id": requirement_id, "linked_by": viewer.username, "linked_at": now_local(),
        "from_suggestion": bool(from_suggestion), "suggestion_score": score,
    }, reference=ref)
    _event(session, viewer, ticket, "requirement_link", detail=requirement_id, ref=ref)
    return link


def ticket_links(session: Session, viewer: Viewer, ticket_id: int, *,
                 reference: Reference | None = None) -> list[TicketRequirementLink]:
    ticket = get_ticket(session, viewer, ticket_id, reference=reference)
    return list(session.execute(
        sa.select(TicketRequirementLink).where(TicketRequirementLink.ticket_id == ticket.id,
                                               TicketRequirementLink.deleted_at.is_(None))
        .order_by(TicketRequirementLink.id)
    ).scalars())

