"""Ticket to requirement (需求, issue 21): a service agent turns a ticket into a product requirement in
one step (title, product and description prefilled from the ticket), further tickets link to it
(N tickets : 1 requirement), a product manager moves it along and releases it with a version and
date; the release lists each linked ticket's customer once for follow-up (``requirement_followups``),
which the ``requirement_released`` alert rule tells the agents about until they mark it done.

Links reuse ``ticket_requirement_links`` and the ticket's ``requirement_link`` event, so the
lakehouse's demand ranking counts them like the call center's links.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session

from operational import records
from operational.db import now_local
from operational.errors import NotFound, PermissionDenied, ValidationError
from operational.ids import OPS_ID_BASE, next_id
from operational.models.requirements import (
    REQUIREMENT_STATUSES,
    ProductRequirement,
    RequirementFollowup,
)
from operational.models.service import Ticket, TicketEvent, TicketRequirementLink
from operational.reference import Reference
from operational.scope import Viewer, filter_query, require_screen
from operational.workflows.quotes import reference_or_load
from operational.workflows.tickets import get_ticket

SCREEN = "requirements"
RELEASERS = ("product_manager", "admin")  # who decides a requirement's status and release
CLOSED = ("released", "rejected")


def _product_line(ref: Reference, product_code: str | None) -> str | None:
    products = ref.frame("products")
    if not product_code or not products.height or "product_line" not in products.columns:
        return None
    hit = products.filter(pl.col("product_code") == product_code)
    return hit["product_line"][0] if hit.height else None


def draft_from_ticket(session: Session, viewer: Viewer, ticket_id: int, *,
                      reference: Reference | None = None) -> dict[str, Any]:
    """The requirement form prefilled from the ticket (the agent may edit every field)."""
    require_screen(viewer, SCREEN)
    ref = reference_or_load(reference)
    ticket = get_ticket(session, viewer, ticket_id, reference=ref)
    description = "\n".join(p for p in (ticket.description, f"来源工单 From ticket {ticket.ticket_no}") if p)
    return {"title": ticket.subject, "product_code": ticket.product_code,
            "product_line": _product_line(ref, ticket.product_code), "description": description}


def get_requirement(session: Session, requirement_id: str) -> ProductRequirement:
    found = session.scalar(sa.select(ProductRequirement).where(
        ProductRequirement.requirement_id == (requirement_id or "").strip(), ProductRequirement.deleted_at.is_(None)))
    if found is None:
        raise NotFound(f"需求 {requirement_id} 不存在 No requirement {requirement_id} in the store")
    return found


def list_requirements(session: Session, viewer: Viewer) -> list[ProductRequirement]:
    require_screen(viewer, SCREEN)
    return list(session.scalars(sa.select(ProductRequirement).where(ProductRequirement.deleted_at.is_(None))
                                .order_by(ProductRequirement.id.desc())))


def _link(session: Session, viewer: Viewer, ticket: Ticket, requirement: ProductRequirement,
          ref: Reference) -> TicketRequirementLink:
    duplicate = session.scalar(sa.select(TicketRequirementLink.id).where(
        TicketRequirementLink.ticket_id == ticket.id, TicketRequirementLink.requirement_id == requirement.requirement_id,
        TicketRequirementLink.deleted_at.is_(None)))
    if duplicate:
        raise ValidationError({"ticket_id": f"工单 {ticket.ticket_no} 已关联 {requirement.requirement_id} Already linked"})
    now = now_local()
    link = records.insert(session, viewer, TicketRequirementLink, {
        "owner_id": ticket.owner_id, "ticket_id": ticket.id, "ticket_no": ticket.ticket_no,
        "requirement_id": requirement.requirement_id, "linked_by": viewer.username, "linked_at": now,
        "from_suggestion": False, "suggestion_score": None,
    }, reference=ref)
    records.insert(session, viewer, TicketEvent, {
        "owner_id": ticket.owner_id, "ticket_id": ticket.id, "ticket_no": ticket.ticket_no,
        "event_type": "requirement_link", "actor": viewer.username, "detail": requirement.requirement_id,
        "event_time": now,
    }, reference=ref)
    return link


def create_from_ticket(session: Session, viewer: Viewer, ticket_id: int, *, title: str,
                       description: str | None = None, product_code: str | None = None,
                       product_line: str | None = None, reference: Reference | None = None) -> ProductRequirement:
    """One click: a new requirement (``REQ-OPS-…``) with the ticket linked to it."""
    require_screen(viewer, SCREEN)
    ref = reference_or_load(reference)
    ticket = get_ticket(session, viewer, ticket_id, reference=ref)
    product_code = (product_code or "").strip() or ticket.product_code
    requirement = records.insert(session, viewer, ProductRequirement, {
        "requirement_id": f"REQ-OPS-{next_id(session) - OPS_ID_BASE:06d}",
        "title": (title or "").strip(), "description": (description or "").strip() or None,
        "product_code": product_code, "product_line": (product_line or "").strip() or _product_line(ref, product_code),
        "status": "open", "source_ticket_id": ticket.id, "source_ticket_no": ticket.ticket_no,
    }, reference=ref)
    _link(session, viewer, ticket, requirement, ref)
    return requirement


def link_ticket(session: Session, viewer: Viewer, requirement_id: str, ticket_id: int, *,
                reference: Reference | None = None) -> TicketRequirementLink:
    """Link one more ticket (N:1). A ticket linked after the release is followed up at once."""
    require_screen(viewer, SCREEN)
    ref = reference_or_load(reference)
    requirement = get_requirement(session, requirement_id)
    if requirement.status == "rejected":
        raise ValidationError({"requirement_id": f"{requirement.requirement_id} 已拒绝 was rejected"})
    ticket = get_ticket(session, viewer, ticket_id, reference=ref)
    link = _link(session, viewer, ticket, requirement, ref)
    if requirement.status == "released":
        _open_followups(session, viewer, requirement)
    return link


def linked_tickets(session: Session, requirement_id: str) -> list[Ticket]:
    """The store tickets linked to the requirement, oldest link first (every ticket: the
    release's consequences do not depend on who looks)."""
    return list(session.scalars(
        sa.select(Ticket).join(TicketRequirementLink, TicketRequirementLink.ticket_id == Ticket.id)
        .where(TicketRequirementLink.requirement_id == requirement_id, TicketRequirementLink.deleted_at.is_(None),
               Ticket.deleted_at.is_(None))
        .order_by(TicketRequirementLink.linked_at, TicketRequirementLink.id)))


def linked_summary(session: Session, viewer: Viewer, requirement_id: str, *,
                   reference: Reference | None = None) -> dict[str, Any]:
    """How many tickets and customers asked for it (everyone may see the counts), and the linked
    tickets the viewer's row rule shows (product managers: none)."""
    require_screen(viewer, SCREEN)
    every = linked_tickets(session, requirement_id)
    visible = filter_query(sa.select(Ticket.id), viewer, Ticket, reference_or_load(reference))
    shown = set(session.scalars(visible.where(Ticket.id.in_([t.id for t in every])))) if every else set()
    return {"tickets": len(every), "customers": len({t.account_id for t in every}),
            "visible": [records.row_dict(t) for t in every if t.id in shown]}


def customers_to_tell(tickets: list[Ticket]) -> list[dict[str, Any]]:
    """One entry per customer (account) of the linked tickets, in first-link order: the tickets
    it raised, and the owner of its first ticket (the agent who follows up)."""
    out: dict[int, dict[str, Any]] = {}
    for t in tickets:
        entry = out.setdefault(t.account_id, {"account_id": t.account_id, "owner_id": t.owner_id, "ticket_nos": []})
        entry["ticket_nos"].append(t.ticket_no)
    return list(out.values())


def _open_followups(session: Session, viewer: Viewer, requirement: ProductRequirement) -> int:
    """A pending follow-up per customer not yet listed (a consequence of the release: saved for
    every customer whoever released it, so the row rule of the releaser does not apply)."""
    known = {a for (a,) in session.execute(sa.select(RequirementFollowup.account_id).where(
        RequirementFollowup.requirement_id == requirement.requirement_id))}
    added = 0
    for customer in customers_to_tell(linked_tickets(session, requirement.requirement_id)):
        if customer["account_id"] in known:
            continue
        row = {"owner_id": customer["owner_id"], "requirement_id": requirement.requirement_id,
               "account_id": customer["account_id"], "ticket_nos": ",".join(customer["ticket_nos"]),
               "release_version": requirement.release_version, "released_on": requirement.released_on,
               "status": "pending", "notified_by": None, "notified_at": None, "note": None}
        records.check_values(RequirementFollowup, row)
        records.add_audited(session, viewer, RequirementFollowup, row, action="release_followup",
                            comment=f"{requirement.requirement_id} {requirement.release_version}")
        added += 1
    return added


def set_status(session: Session, viewer: Viewer, requirement_id: str, to_status: str, *,
               release_version: str | None = None, released_on: dt.date | None = None,
               expected_version: int | None = None, comment: str | None = None) -> ProductRequirement:
    """Product managers move a requirement; ``released`` needs a version and date and lists the
    linked tickets' customers for follow-up. Released and rejected are final."""
    require_screen(viewer, SCREEN)
    if viewer.role not in RELEASERS:
        raise PermissionDenied(f"{viewer.username} ({viewer.role}) may not change a requirement's status: product managers do")
    requirement = get_requirement(session, requirement_id)
    if to_status not in REQUIREMENT_STATUSES:
        raise ValidationError({"status": f"须为 {'/'.join(REQUIREMENT_STATUSES)} Must be one of {', '.join(REQUIREMENT_STATUSES)}"})
    if requirement.status in CLOSED:
        raise ValidationError({"status": f"{requirement.requirement_id} 已{requirement.status}，不能再改 is {requirement.status}: final"})
    values: dict[str, Any] = {"status": to_status}
    if to_status == "released":
        values |= {"release_version": (release_version or "").strip() or None, "released_on": released_on}
    version = requirement.version if expected_version is None else expected_version
    requirement = records.update(session, viewer, requirement, values, version,
                                 action="release" if to_status == "released" else "update", comment=comment)
    if to_status == "released":
        _open_followups(session, viewer, requirement)
    return requirement


def followups(session: Session, viewer: Viewer, *, status: str | None = "pending",
              reference: Reference | None = None) -> list[RequirementFollowup]:
    """The customers to tell, within the viewer's row rule (agents: theirs; managers: their team's)."""
    stmt = filter_query(sa.select(RequirementFollowup), viewer, RequirementFollowup, reference_or_load(reference))
    if status:
        stmt = stmt.where(RequirementFollowup.status == status)
    return list(session.scalars(stmt.order_by(RequirementFollowup.released_on.desc(), RequirementFollowup.id)))


def mark_notified(session: Session, viewer: Viewer, followup_id: int, note: str | None = None, *,
                  expected_version: int | None = None, reference: Reference | None = None) -> RequirementFollowup:
    """The customer was told (its alert closes at the next evaluation)."""
    require_screen(viewer, SCREEN)
    ref = reference_or_load(reference)
    followup = records.get(session, viewer, RequirementFollowup, int(followup_id), ref)
    if followup.status == "notified":
        raise ValidationError({"status": "已通知 Already notified"})
    version = followup.version if expected_version is None else expected_version
    return records.update(session, viewer, followup, {
        "status": "notified", "notified_by": viewer.username, "notified_at": now_local(),
        "note": (note or "").strip() or None}, version, action="notify", comment=note, reference=ref)
