"""Leads: create, assign, the lead pool (公海) with claim and return, follow-ups, auto-return.

A lead in the pool has no owner (``owner_id`` NULL, ``is_in_pool``); every sales user sees the
pool and may claim from it. A lead nobody followed up for ``lead_pool_days`` days (business
settings, ``sales.yml``, default 30; counted from the last follow-up, else the assignment, else
creation) goes back to the pool by ``auto_return_stale`` — one set-based UPDATE, audited.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kernel.config import current_business_settings
from operational import records
from operational.db import now_local
from operational.errors import NotFound, PermissionDenied, StaleRecordError, ValidationError
from operational.models import AuditLog, Lead
from operational.reference import Reference
from operational.scope import (
    SALES_ROLES,
    Viewer,
    filter_query,
    require_screen,
    visible_owner_ids,
)

OPEN_STATUSES = ("new", "contacted", "qualified")
ASSIGNERS = frozenset({"sales_manager", "admin"})


def pool_days(config_dir: Path | None = None) -> int:
    """Days without follow-up before a lead returns to the pool: ``sales.yml`` ``lead_pool_days``
    in the settings folder (default 30)."""
    return current_business_settings(config_dir).sales.lead_pool_days


def _check_owner(viewer: Viewer, owner_id: Any, reference: Reference | None, field: str = "owner_id") -> int:
    """The new owner must be a sales user the viewer manages (a rep: only themself)."""
    try:
        owner = int(owner_id)
    except (TypeError, ValueError):
        raise ValidationError({field: "请选择负责人 Choose an owner"}) from None
    allowed = visible_owner_ids(viewer, reference)
    if allowed is not None and owner not in allowed:
        raise PermissionDenied(f"{viewer.username} may not give leads to user {owner}")
    ref = reference if reference is not None else Reference.load()
    users = ref.frame("users")
    if users.height and ref.user(owner) is None:
        raise ValidationError({field: f"没有 CRM 用户 {owner} No CRM user {owner}"})
    return owner


def create_lead(session: Session, viewer: Viewer, values: dict[str, Any], *,
                reference: Reference | None = None) -> Lead:
    """A new lead; a rep's lead is theirs, a manager may pick an owner or put it in the pool."""
    require_screen(viewer, "leads")
    values = dict(values)
    now = now_local()
    if values.get("is_in_pool"):
        values.update(owner_id=None, pool_entered_at=now)
    else:
        owner = values.get("owner_id") or viewer.crm_user_id
        values["owner_id"] = _check_owner(viewer, owner, reference)
        values["assigned_at"] = now
    values.setdefault("status", "new")
    return records.insert(session, viewer, Lead, values, reference=reference)


def assign_lead(session: Session, viewer: Viewer, lead_id: int, owner_id: int, expected_version: int, *,
                reference: Reference | None = None) -> Lead:
    """Give a lead (owned in the viewer's team or in the pool) to a rep of the team."""
    if viewer.role not in ASSIGNERS:
        raise PermissionDenied(f"role {viewer.role} may not assign leads (managers and admins do)")
    lead = records.get(session, viewer, Lead, lead_id, reference=reference)
    owner = _check_owner(viewer, owner_id, reference)
    return records.update(
        session, viewer, lead,
        {"owner_id": owner, "previous_owner_id": lead.owner_id, "is_in_pool": False,
         "assigned_at": now_local(), "pool_entered_at": None, "pool_return_reason": None},
        expected_version, action="assign", reference=reference,
    )


def claim_from_pool(session: Session, viewer: Viewer, lead_id: int, expected_version: int, *,
                    reference: Reference | None = None) -> Lead:
    """Take a pool lead; of two reps claiming the same version only the first wins."""
    require_screen(viewer, "lead_pool")
    if viewer.crm_user_id is None:
        raise PermissionDenied(f"{viewer.username} is not linked to a CRM user and cannot own leads")
    lead = session.get(Lead, lead_id, populate_existing=True)
    if lead is None or lead.deleted_at is not None:
        raise NotFound(f"lead {lead_id} does not exist")
    if not lead.is_in_pool:
        if lead.version != expected_version:  # someone claimed it first: say so, show no details
            raise StaleRecordError("leads", lead.id, expected_version, {"id": lead.id, "version": lead.version, "is_in_pool": False})
        raise ValidationError({"is_in_pool": "该线索不在公海中 This lead is not in the pool"})
    return records.update(
        session, viewer, lead,
        {"owner_id": viewer.crm_user_id, "is_in_pool": False, "assigned_at": now_local(),
         "pool_entered_at": None, "pool_return_reason": None},
        expected_version, action="claim", reference=reference,
    )


def return_to_pool(session: Session, viewer: Viewer, lead_id: int, reason: str, expected_version: int, *,
                   reference: Reference | None = None) -> Lead:
    """Give a lead up to the pool; the reason is required and kept."""
    require_screen(viewer, "leads")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写退回公海的原因 Give a reason for returning the lead"})
    lead = records.get(session, viewer, Lead, lead_id, reference=reference)
    if lead.is_in_pool:
        raise ValidationError({"is_in_pool": "该线索已在公海中 This lead is already in the pool"})
    if lead.status not in OPEN_STATUSES:
        raise ValidationError({"status": f"已{lead.status}的线索不能退回 A {lead.status} lead cannot be returned"})
    return records.update(
        session, viewer, lead,
        {"owner_id": None, "previous_owner_id": lead.owner_id, "is_in_pool": True,
         "pool_entered_at": now_local(), "pool_return_reason": reason},
        expected_version, action="return", comment=reason, reference=reference,
    )


def record_follow_up(session: Session, viewer: Viewer, lead_id: int, note: str, expected_version: int, *,
                     at: dt.datetime | None = None, reference: Reference | None = None) -> Lead:
    """Log a follow-up (resets the pool clock); a new lead becomes contacted."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "请填写跟进内容 Describe the follow-up"})
    lead = records.get(session, viewer, Lead, lead_id, reference=reference)
    if lead.is_in_pool:
        raise ValidationError({"is_in_pool": "请先从公海领取 Claim the lead from the pool first"})
    values: dict[str, Any] = {"last_follow_up_at": at or now_local()}
    if lead.status == "new":
        values["status"] = "contacted"
    return records.update(session, viewer, lead, values, expected_version, action="follow_up",
                          comment=note, reference=reference)


def auto_return_stale(session: Session, now: dt.datetime | None = None, days: int | None = None) -> list[int]:
    """Return every open lead without follow-up for ``days`` days to the pool; their ids.

    One UPDATE … RETURNING over the whole table (no per-row round trips), one audit row each.
    """
    now = now or now_local()
    days = days if days is not None else pool_days()
    cutoff = now - dt.timedelta(days=days)
    reason = f"自动退回：{days} 天未跟进 Returned automatically after {days} days without follow-up"
    last_touch = sa.func.coalesce(Lead.last_follow_up_at, Lead.assigned_at, Lead.created_at)
    returned = session.execute(
        sa.update(Lead)
        .where(
            Lead.is_in_pool.is_(False),
            Lead.deleted_at.is_(None),
            Lead.owner_id.is_not(None),
            Lead.status.in_(OPEN_STATUSES),
            last_touch < cutoff,
        )
        .values(
            previous_owner_id=Lead.owner_id,
            owner_id=None,
            is_in_pool=True,
            pool_entered_at=now,
            pool_return_reason=reason,
            version=Lead.version + 1,
            updated_at=now,
            updated_by=None,
        )
        .returning(Lead.id, Lead.previous_owner_id, Lead.version)
        .execution_options(synchronize_session=False)
    ).all()
    if returned:
        session.execute(
            sa.insert(AuditLog),
            [
                {
                    "table_name": Lead.__tablename__,
                    "record_id": lead_id,
                    "action": "auto_return",
                    "changed_by": None,
                    "changed_by_name": "system",
                    "changed_at": now,
                    "before_json": records.to_json({"owner_id": owner, "is_in_pool": False, "version": version - 1}),
                    "after_json": records.to_json(
                        {"owner_id": None, "is_in_pool": True, "version": version, "pool_return_reason": reason}
                    ),
                    "comment": reason,
                }
                for lead_id, owner, version in returned
            ],
        )
    return sorted(lead_id for lead_id, _, _ in returned)


def list_pool(session: Session, viewer: Viewer, limit: int = 500) -> list[Lead]:
    """Leads in the pool, most recently returned first (sales users only)."""
    require_screen(viewer, "lead_pool")
    if viewer.role not in SALES_ROLES and viewer.role != "admin":
        raise PermissionDenied(f"role {viewer.role} may not see the lead pool")
    stmt = (
        sa.select(Lead)
        .where(Lead.is_in_pool.is_(True), Lead.deleted_at.is_(None))
        .order_by(Lead.pool_entered_at.desc(), Lead.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def list_my_leads(session: Session, viewer: Viewer, *, include_closed: bool = False,
                  reference: Reference | None = None, limit: int = 1000) -> list[Lead]:
    """Leads the viewer sees outside the pool (a rep: own; a manager: the team's)."""
    require_screen(viewer, "leads")
    stmt = filter_query(sa.select(Lead), viewer, Lead, reference).where(Lead.is_in_pool.is_(False))
    if not include_closed:
        stmt = stmt.where(Lead.status.in_(OPEN_STATUSES))
    return list(session.scalars(stmt.order_by(Lead.updated_at.desc(), Lead.id).limit(limit)))


def convert_lead(session: Session, viewer: Viewer, lead_id: int, expected_version: int, *,
                 account_id: int | None = None, account_values: dict[str, Any] | None = None,
                 contact_values: dict[str, Any] | None = None,
                 opportunity_values: dict[str, Any] | None = None, with_opportunity: bool = True,
                 confirm_fuzzy: bool = False, reference: Reference | None = None) -> Lead:
    """Turn an open lead into an account, optionally a contact, and optionally an opportunity.

    The account is ``account_id`` (an existing one, store or extracted: "link to existing") or a
    new one named after the lead's company (``account_values`` may correct the prefilled name,
    city, industry), with the accounts screen's duplicate checks. ``contact_values`` (a name at
    least) adds a contact on that account. Everything happens in the caller's one transaction, so
    a refused step leaves nothing half converted; each insert and the lead's update are audited,
    the lead's audit comment naming what was created."""
    from operational.workflows import accounts, opportunities

    lead = records.get(session, viewer, Lead, lead_id, reference=reference)
    if lead.version != expected_version:
        records.update(session, viewer, lead, {}, expected_version)  # raises StaleRecordError
    if lead.is_in_pool or lead.status not in OPEN_STATUSES:
        raise ValidationError({"status": f"只能转化进行中的线索（当前 {lead.status}） Only an open lead can be converted"})
    created: list[str] = []
    if account_id is None:
        values = {"account_name": lead.company_name, "owner_id": lead.owner_id, "province": lead.province,
                  "city": lead.city, "industry": lead.industry, "partner_id": lead.partner_id}
        values |= {k: v for k, v in (account_values or {}).items() if v not in (None, "")}
        if not (values.get("account_name") or "").strip():
            raise ValidationError({"account_id": "请选择客户或先填写线索的公司名称 Choose an account or give the lead a company name"})
        account = accounts.create_account(session, viewer, values, confirm_fuzzy=confirm_fuzzy, reference=reference)
        account_id = account.id
        created.append(f"客户 account #{account_id}")
    else:
        accounts.account_row(session, viewer, int(account_id), reference=reference)
        created.append(f"关联已有客户 linked account #{account_id}")
    contact = {k: v for k, v in (contact_values or {}).items() if v not in (None, "")}
    if contact:
        if not (contact.get("contact_name") or "").strip():
            raise ValidationError({"contact_name": "请填写联系人姓名 Give the contact's name"})
        made = accounts.create_contact(
            session, viewer, {**contact, "account_id": account_id, "owner_id": lead.owner_id,
                              "partner_id": lead.partner_id}, reference=reference)
        created.append(f"联系人 contact #{made.id}")
    opportunity_id = None
    if with_opportunity:
        values = {"opportunity_name": f"{lead.company_name or lead.lead_name} 商机"}
        values |= {k: v for k, v in (opportunity_values or {}).items() if v not in (None, "")}
        values |= {"account_id": account_id, "lead_id": lead.id, "campaign_id": lead.campaign_id,
                   "owner_id": lead.owner_id, "partner_id": lead.partner_id}
        opportunity_id = opportunities.create_opportunity(session, viewer, values, reference=reference).id
        created.append(f"商机 opportunity #{opportunity_id}")
    return records.update(
        session, viewer, lead,
        {"status": "converted", "converted_account_id": account_id, "converted_opportunity_id": opportunity_id,
         "converted_at": now_local()},
        expected_version, action="convert", comment="转化 converted: " + "; ".join(created), reference=reference,
    )
