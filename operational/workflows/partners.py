"""Channel workflows: deal registrations (报备), special price requests (特价申请) and the channel
manager's approvals (decisions on fuzzy company-name matches: ``operational.workflows.resolution``).

A registration names a customer as typed; it is resolved to a company key like every other
customer name (``pipelines.partner``), so conflicts are found however the name was written:
open opportunities on the same company and other partners' live registrations raise the
``has_conflict`` flag (the partner sees only that there is a conflict, never whose; the channel
manager sees the details). An approved registration is protected for ``protection_days``
(business settings ``partner.yml`` ``registration_protection_days``, default 90); while it is, no other partner's
registration on that company can be approved.

A partner user reaches only their own partner's rows, through every function here
(``PermissionDenied`` otherwise): the row rule of ``operational.scope`` on ``partner_id``.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session

from kernel.config import current_business_settings
from operational import records, special_price_chain, validation
from operational.db import now_local
from operational.errors import PermissionDenied, ValidationError
from operational.models.partners import (
    ACTIVE_REGISTRATION_STATUSES,
    DealRegistration,
    SpecialPriceRequest,
)
from operational.models.sales import Account, Opportunity
from operational.reference import Reference
from operational.scope import Viewer, filter_query, require_screen
from operational.workflows.quotes import reference_or_load

log = logging.getLogger("crmlake.operational.partners")

DECIDERS = ("channel_manager", "admin")
EDITABLE_REGISTRATION_FIELDS = ("estimated_amount", "expected_close_date", "product_line", "crm_opportunity_id")


def protection_days_default(config_dir: Path | None = None) -> int:
    """Days an approved registration protects the deal: ``partner.yml``
    ``registration_protection_days`` in the settings folder (default 90)."""
    return current_business_settings(config_dir).partner.registration_protection_days


def _listed(session: Session, viewer: Viewer, model: type, status: str | None,
            reference: Reference | None) -> list[Any]:
    """The viewer's registrations or special-price requests (of one status), newest first."""
    stmt = filter_query(sa.select(model), viewer, model, reference_or_load(reference))
    if status:
        stmt = stmt.where(model.status == status)
    return list(session.execute(stmt.order_by(model.id.desc())).scalars())


# what a channel manager decides on: the decider check's wording and the not-pending message
_DECIDED = {
    DealRegistration: ("registrations", "报备状态为 {status} Registration is {status}, not pending"),
    SpecialPriceRequest: ("special prices", "特价申请状态为 {status} The request is {status}, not pending"),
}


def _pending(session: Session, viewer: Viewer, model: type, record_id: int,
             reference: Reference | None) -> tuple[Reference, Any]:
    """A pending registration or special-price request a decider may approve or reject."""
    what, not_pending = _DECIDED[model]
    if model is not SpecialPriceRequest:  # a special price's deciders are its approval chain's steps
        _require_decider(viewer, what)
    ref = reference_or_load(reference)
    obj = records.get(session, viewer, model, int(record_id), ref)
    if obj.status != "pending":
        raise ValidationError({"status": not_pending.format(status=obj.status)})
    return ref, obj


def _require_decider(viewer: Viewer, what: str) -> None:
    if viewer.role not in DECIDERS:
        raise PermissionDenied(f"{viewer.username} ({viewer.role}) may not decide on {what}: channel managers do")


# ---------------------------------------------------------------- company resolution

def resolve_company(name: str, reference: Reference) -> tuple[str, str]:
    """(normalized name, company key) of a typed customer name: the published resolution if it
    knows the name, else the same resolver on the registry (a new name gets its own key)."""
    from kernel.company_names.normalize import normalize
    from kernel.company_names.registry import LocalRegistry
    from kernel.company_names.resolution import _key, resolve

    norm = normalize(name) or ""
    known = reference.frame("company_resolution")
    if known.height:
        hit = known.filter((pl.col("typed_name") == name) | (pl.col("normalized_name") == norm))
        if hit.height:
            return norm, hit["company_key"][0]
    registry = reference.frame("registry")
    if registry.height and {"unified_social_credit_code", "legal_name"} <= set(registry.columns):
        resolved = resolve(pl.DataFrame({"typed_name": [name]}), LocalRegistry(registry))
        if resolved.height and resolved["company_key"][0]:
            return norm, resolved["company_key"][0]
    return norm, _key(norm)


def _published_claims(reference: Reference, company_key: str) -> list[dict[str, Any]]:
    """Open opportunities and live registrations on the company in the published snapshot."""
    if not reference.source or not Path(reference.source).exists():
        return []
    with duckdb.connect(reference.source, read_only=True) as con:
        present = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'intermediate' and table_name = 'int_partner_claims'"
        ).fetchone()[0]
        if not present:
            return []
        rows = con.execute(
            """select owner_type, owner_id, claim_type, claim_id, claim_status, protected_until
               from intermediate.int_partner_claims where company_key = ?""",
            [company_key],
        ).fetchall()
    keys = ("owner_type", "owner_id", "claim_type", "claim_id", "claim_status", "protected_until")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def _claims(session: Session, reference: Reference, company_key: str, partner_id: int,
            exclude_registration: int | None = None) -> list[dict[str, Any]]:
    """Who else is after this company: open opportunities (reps) and other partners' pending or
    protected registrations, from the store and the published snapshot (deduplicated)."""
    today = now_local().date()
    claims: dict[tuple[str, str], dict[str, Any]] = {}
    for c in _published_claims(reference, company_key):
        if c["owner_type"] == "partner" and str(c["owner_id"]) == str(partner_id):
            continue
        if c["claim_status"] == "approved" and c["protected_until"] is not None and c["protected_until"] < today:
            continue
        claims[(c["claim_type"], str(c["claim_id"]))] = c
    opps = session.execute(
        sa.select(Opportunity.id, Opportunity.owner_id)
        .join(Account, Account.id == Opportunity.account_id)
        .where(Account.company_key == company_key, Opportunity.status == "open",
               Opportunity.deleted_at.is_(None), Account.deleted_at.is_(None))
    ).all()
    for opp_id, owner in opps:
        claims[("opportunity", str(opp_id))] = {"owner_type": "rep", "owner_id": str(owner), "claim_type": "opportunity",
                                                "claim_id": str(opp_id), "claim_status": "open", "protected_until": None}
    regs = session.execute(
        sa.select(DealRegistration).where(
            DealRegistration.company_key == company_key, DealRegistration.partner_id != partner_id,
            DealRegistration.status.in_(ACTIVE_REGISTRATION_STATUSES), DealRegistration.deleted_at.is_(None),
            DealRegistration.id != (exclude_registration or 0),
        )
    ).scalars()
    for reg in regs:
        if reg.status == "approved" and reg.protected_until is not None and reg.protected_until < today:
            continue
        claims[("registration", str(reg.id))] = {
            "owner_type": "partner", "owner_id": str(reg.partner_id), "claim_type": "registration",
            "claim_id": str(reg.id), "claim_status": reg.status, "protected_until": reg.protected_until}
    return sorted(claims.values(), key=lambda c: (c["claim_type"], c["claim_id"]))


def _conflict_note(claims: list[dict[str, Any]]) -> str | None:
    """What the partner may know: how many claims of which kind, not whose."""
    if not claims:
        return None
    opps = sum(c["claim_type"] == "opportunity" for c in claims)
    regs = len(claims) - opps
    parts = []
    if opps:
        parts.append(f"{opps} 个进行中的商机 open opportunit{'y' if opps == 1 else 'ies'}")
    if regs:
        parts.append(f"{regs} 个其他伙伴的报备 registration{'s' if regs > 1 else ''} of other partners")
    return "同一客户已有 The same company already has " + "; ".join(parts)


# ---------------------------------------------------------------- deal registrations

def create_deal_registration(session: Session, viewer: Viewer, customer_name: str, *, estimated_amount: Any,
                             expected_close_date: Any = None, product_line: str | None = None,
                             partner_id: int | None = None, protection_days: Any = None,
                             crm_opportunity_id: int | None = None, reference: Reference | None = None
                             ) -> DealRegistration:
    """Register a deal for the viewer's partner (channel managers: for a partner they manage)."""
    require_screen(viewer, "deal_registrations")
    ref = reference_or_load(reference)
    if viewer.role == "partner_user":
        if viewer.partner_id is None:
            raise PermissionDenied(f"{viewer.username} is not linked to a partner")
        if partner_id not in (None, "") and int(partner_id) != viewer.partner_id:
            raise PermissionDenied(f"{viewer.username} may register deals only for their own partner")
        partner_id = viewer.partner_id
    elif partner_id in (None, ""):
        raise ValidationError({"partner_id": "必填 Required"})
    partner_id = int(partner_id)
    if ref.frame("partners").height and ref.partner(partner_id) is None:
        raise ValidationError({"partner_id": f"渠道伙伴 {partner_id} 不存在 No partner {partner_id}"})
    name = (customer_name or "").strip()
    name_error = validation.field_error(DealRegistration.__table__.c.customer_name, name)[1]
    if name_error:  # before the fuzzy company match, which a 349,529-character name would stall
        raise ValidationError({"customer_name": name_error})
    norm, key = resolve_company(name, ref) if len(name) >= 2 else (None, None)
    claims = _claims(session, ref, key, partner_id) if key else []
    return records.insert(session, viewer, DealRegistration, {
        "partner_id": partner_id, "crm_opportunity_id": crm_opportunity_id, "customer_name": name,
        "normalized_name": norm, "company_key": key, "product_line": product_line, "status": "pending",
        "estimated_amount": estimated_amount, "expected_close_date": expected_close_date,
        "protection_days": protection_days if protection_days not in (None, "") else protection_days_default(),
        "submitted_at": now_local(), "has_conflict": bool(claims), "conflict_note": _conflict_note(claims),
    }, reference=ref)


def get_registration(session: Session, viewer: Viewer, registration_id: int, *,
                     reference: Reference | None = None) -> DealRegistration:
    return records.get(session, viewer, DealRegistration, int(registration_id), reference_or_load(reference))


def list_registrations(session: Session, viewer: Viewer, *, status: str | None = None,
                       reference: Reference | None = None) -> list[DealRegistration]:
    return _listed(session, viewer, DealRegistration, status, reference)


def update_registration(session: Session, viewer: Viewer, registration_id: int, values: dict[str, Any],
                        expected_version: int, *, reference: Reference | None = None) -> DealRegistration:
    """Edit a pending registration (amount, dates, product line, opportunity)."""
    ref = reference_or_load(reference)
    reg = get_registration(session, viewer, registration_id, reference=ref)
    other = sorted(set(values) - set(EDITABLE_REGISTRATION_FIELDS))
    if other:
        raise ValidationError({f: "不可修改 Cannot be changed here" for f in other})
    if reg.status != "pending":
        raise ValidationError({"status": f"报备已{reg.status}，不可修改 A {reg.status} registration cannot be edited"})
    return records.update(session, viewer, reg, values, expected_version, reference=ref)


def registration_conflicts(session: Session, viewer: Viewer, registration_id: int, *,
                           reference: Reference | None = None) -> list[dict[str, Any]]:
    """The claims behind a conflict flag, for the channel manager deciding on it."""
    _require_decider(viewer, "registrations")
    ref = reference_or_load(reference)
    reg = get_registration(session, viewer, registration_id, reference=ref)
    return _claims(session, ref, reg.company_key, reg.partner_id, exclude_registration=reg.id) if reg.company_key else []


def approve_registration(session: Session, viewer: Viewer, registration_id: int, comment: str | None = None, *,
                         reference: Reference | None = None) -> DealRegistration:
    """Approve: the deal is protected from today for its protection period. Refused while another
    partner's approved registration still protects the same company."""
    ref, reg = _pending(session, viewer, DealRegistration, registration_id, reference)
    claims = _claims(session, ref, reg.company_key, reg.partner_id, exclude_registration=reg.id) if reg.company_key else []
    protected = [c for c in claims if c["claim_type"] == "registration" and c["claim_status"] == "approved"]
    if protected:
        until = max(c["protected_until"] for c in protected if c["protected_until"] is not None)
        raise ValidationError({"status": f"该客户已被其他伙伴报备保护至 {until} Another partner's approved registration "
                                         f"protects this company until {until}"})
    today = now_local()
    return records.update(session, viewer, reg, {
        "status": "approved", "approved_by": viewer.crm_user_id, "approved_at": today,
        "protected_until": today.date() + dt.timedelta(days=reg.protection_days),
        "decision_comment": (comment or "").strip() or None,
        "has_conflict": bool(claims), "conflict_note": _conflict_note(claims),
    }, reg.version, action="approve", comment=comment, reference=ref)


def reject_registration(session: Session, viewer: Viewer, registration_id: int, comment: str, *,
                        reference: Reference | None = None) -> DealRegistration:
    """Reject with a comment (required), which the partner sees."""
    ref, reg = _pending(session, viewer, DealRegistration, registration_id, reference)
    comment = (comment or "").strip()
    return records.update(session, viewer, reg, {"status": "rejected", "decision_comment": comment or None},
                          reg.version, action="reject", comment=comment or None, reference=ref)


# ---------------------------------------------------------------- special prices

def _decimal(value: Any) -> Any:
    try:
        return Decimal(str(value).replace(",", "").strip()) if value not in (None, "") else None
    except InvalidOperation:
        return value  # records.insert names the field


def request_special_price(session: Session, viewer: Viewer, product_id: int, quantity: Any, requested_price: Any, *,
                          registration_id: int | None = None, opportunity_id: int | None = None,
                          valid_until: Any = None, reason: str | None = None,
                          reference: Reference | None = None) -> SpecialPriceRequest:
    """Ask for a price below list for one product on an approved registration or an opportunity."""
    require_screen(viewer, "special_prices")
    ref = reference_or_load(reference)
    partner_id = None
    if registration_id not in (None, ""):
        reg = get_registration(session, viewer, registration_id, reference=ref)
        if reg.status != "approved":
            raise ValidationError({"registration_id": f"报备须已批准（当前 {reg.status}） The registration must be approved"})
        partner_id = reg.partner_id
    if opportunity_id not in (None, ""):
        opp = records.get(session, viewer, Opportunity, int(opportunity_id), ref)
        if opp.partner_id is None:
            raise ValidationError({"opportunity_id": "商机没有渠道伙伴 The opportunity has no partner"})
        if partner_id is not None and opp.partner_id != partner_id:
            raise ValidationError({"opportunity_id": "商机与报备属于不同伙伴 Opportunity and registration belong to different partners"})
        partner_id = opp.partner_id
    if partner_id is None:
        raise ValidationError({"registration_id": "须关联报备或商机 Link a deal registration or an opportunity"})
    products = ref.frame("products")
    product = products.filter(pl.col("product_id") == int(product_id)).to_dicts() if products.height and str(product_id).isdigit() else []
    if not product:
        raise ValidationError({"product_id": f"产品 {product_id} 不存在 No product {product_id}"})
    return records.insert(session, viewer, SpecialPriceRequest, {
        "partner_id": partner_id, "registration_id": int(registration_id) if registration_id not in (None, "") else None,
        "opportunity_id": int(opportunity_id) if opportunity_id not in (None, "") else None,
        "product_id": int(product_id), "product_code": product[0]["product_code"], "status": "pending",
        "quantity": _decimal(quantity), "list_price": product[0]["list_price"], "requested_price": _decimal(requested_price),
        "valid_until": valid_until, "requested_at": now_local(), "reason": reason,
    }, reference=ref)


def get_special_price(session: Session, viewer: Viewer, request_id: int, *,
                      reference: Reference | None = None) -> SpecialPriceRequest:
    return records.get(session, viewer, SpecialPriceRequest, int(request_id), reference_or_load(reference))


def list_special_prices(session: Session, viewer: Viewer, *, status: str | None = None,
                        reference: Reference | None = None) -> list[SpecialPriceRequest]:
    return _listed(session, viewer, SpecialPriceRequest, status, reference)


def approve_special_price(session: Session, viewer: Viewer, request_id: int, approved_price: Any = None, *,
                          valid_until: Any = None, comment: str | None = None,
                          reference: Reference | None = None) -> SpecialPriceRequest:
    """Approve the step of the approval chain (``operational.special_price_chain``) the request
    waits at; the last step approves it at the requested price or a counter-offer (never above
    list), valid until a date not in the past."""
    ref, req = _pending(session, viewer, SpecialPriceRequest, request_id, reference)
    price = _decimal(approved_price) if approved_price not in (None, "") else req.requested_price
    if isinstance(price, Decimal) and (price <= 0 or (req.list_price is not None and price > req.list_price)):
        raise ValidationError({"approved_price": f"须大于 0 且不高于目录价 {req.list_price} Must be > 0 and at most the list price"})
    try:
        valid = validation._date(valid_until) if valid_until not in (None, "") else req.valid_until
    except ValueError as exc:
        raise ValidationError({"valid_until": str(exc)}) from None
    if valid is not None and valid < now_local().date():
        raise ValidationError({"valid_until": f"有效期 {valid} 已过 The validity date {valid} has passed"})
    if not special_price_chain.record_step(session, viewer, req, "approve", comment).is_last:
        return req  # still pending: the next step of the chain decides
    return records.update(session, viewer, req, {
        "status": "approved", "approved_price": price, "decided_at": now_local(), "decided_by": viewer.crm_user_id,
        "valid_until": valid_until if valid_until not in (None, "") else req.valid_until,
        "decision_comment": (comment or "").strip() or None,
    }, req.version, action="approve", comment=comment, reference=ref)


def reject_special_price(session: Session, viewer: Viewer, request_id: int, comment: str, *,
                         reference: Reference | None = None) -> SpecialPriceRequest:
    ref, req = _pending(session, viewer, SpecialPriceRequest, request_id, reference)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"decision_comment": "驳回须填写意见 A rejection needs a comment"})
    special_price_chain.record_step(session, viewer, req, "reject", comment)
    return records.update(session, viewer, req, {
        "status": "rejected", "decided_at": now_local(), "decided_by": viewer.crm_user_id,
        "decision_comment": comment or None,
    }, req.version, action="reject", comment=comment or None, reference=ref)
