"""Review decisions on company-name matches (客户名称复核): a channel manager accepts a fuzzy match
(the typed name is the suggested company) or rejects it (a company of its own).

Decisions are append-only rows of ``company_resolution_decisions``; the latest one per normalized
name counts. The partner area's company resolution reads them on its next run
(``pipelines.partner.decisions``), so the marts change only after that run.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kernel.company_names.normalize import normalize
from operational import records
from operational.db import now_local
from operational.errors import ValidationError
from operational.models.partners import RESOLUTION_DECISIONS, CompanyResolutionDecision
from operational.scope import Viewer, require_screen

SCREEN = "company_resolution"  # channel_manager, admin (operational.screens)


def record_decision(
    session: Session,
    viewer: Viewer,
    *,
    typed_name: str,
    company_key: str,
    decision: str,
    comment: str | None = None,
) -> CompanyResolutionDecision:
    """Store one accept/reject decision on ``typed_name`` → ``company_key`` (the suggested company).

    Raises ``PermissionDenied`` unless the viewer is a channel manager or admin, and
    ``ValidationError`` (per field) for an empty name or key or an unknown decision.
    """
    require_screen(viewer, SCREEN)
    typed = (typed_name or "").strip()
    key = (company_key or "").strip()
    errors = {}
    if not typed:
        errors["typed_name"] = "必填 Required"
    if not key:
        errors["company_key"] = "必填 Required: the suggested company to accept or reject"
    if decision not in RESOLUTION_DECISIONS:
        errors["decision"] = f"须为 {'/'.join(RESOLUTION_DECISIONS)} Must be one of {', '.join(RESOLUTION_DECISIONS)}"
    if errors:
        raise ValidationError(errors)
    now = now_local()
    values = {
        "typed_name": typed,
        "normalized_name": normalize(typed),
        "company_key": key,
        "decision": decision,
        "decided_by": viewer.user_id,
        "decided_at": now,
        "comment": (comment or "").strip() or None,
    }
    clean, field_errors = records.coerce(CompanyResolutionDecision, values)
    records.check_values(CompanyResolutionDecision, clean, field_errors)
    # not owner- or partner-scoped: the screen permission above is the whole rule (the generic
    # row check would hide a row without a partner id from a channel manager)
    return records.add_audited(session, viewer, CompanyResolutionDecision, clean, action=decision,
                               comment=values["comment"], now=now)


def decisions(session: Session, viewer: Viewer) -> list[dict]:
    """Every live decision, newest first (for the review page's history)."""
    require_screen(viewer, SCREEN)
    stmt = (
        sa.select(CompanyResolutionDecision)
        .where(CompanyResolutionDecision.deleted_at.is_(None))
        .order_by(CompanyResolutionDecision.id.desc())
    )
    return [records.row_dict(r) for r in session.scalars(stmt)]
