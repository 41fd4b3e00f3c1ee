"""Manual commission adjustments (提成调整): finance adds, edits and voids them on a screen.

Only finance and admin (screen ``commission_adjustments``). The person is a CRM user of the
published data (chosen, never typed as a code); the month must still be open, i.e. end after
``commission.lock_through`` of the business settings, because a closed month's statements are
frozen and so are its adjustments; the author is the logged-in user. Every change is audited with
optimistic concurrency (``operational.records``). The commission statements pick the adjustments
up on the next run (change extraction -> ``finance.commission_adjustments``).
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kernel.config import BusinessSettings, load_business_settings
from operational import records
from operational.errors import ValidationError
from operational.models.commission import PERIOD, CommissionAdjustment
from operational.reference import Reference
from operational.scope import Viewer, filter_query, require_screen
from operational.workflows.commission_approval import frozen_statement_error

SCREEN = "commission_adjustments"  # finance, admin (operational.screens)
EDITABLE = ("user_id", "period", "amount", "reason")


def lock_through(business: BusinessSettings | None = None) -> dt.date | None:
    """The last closed day of commission (business settings ``finance.yml``: ``commission.lock_through``)."""
    return (business if business is not None else load_business_settings()).commission.lock_through


def period_end(period: str) -> dt.date:
    year, month = (int(part) for part in period.split("-"))
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _closed_error(period: Any, locked: dt.date | None) -> dict[str, str]:
    period = period.strip() if isinstance(period, str) else period
    if locked is None or not isinstance(period, str) or not PERIOD.match(period) or period_end(period) > locked:
        return {}
    return {"period": (
        f"期间 {period} 已结账（锁定至 {locked}） Period {period} is closed (commission locked through "
        f"{locked}): its statements are frozen; enter the adjustment in an open month"
    )}


def _person_error(user_id: Any, reference: Reference) -> dict[str, str]:
    if user_id in (None, ""):
        return {}
    try:
        known = reference.user(int(user_id)) is not None
    except (TypeError, ValueError):
        return {}  # the column type check names it
    if known:
        return {}
    return {"user_id": f"CRM 用户 {user_id} 不在已发布数据中 No CRM user {user_id} in the published data"}


def _author(viewer: Viewer) -> str:
    name = viewer.display_name
    return viewer.username if not name or viewer.username in name else f"{name} ({viewer.username})"


def _load_reference(reference: Reference | None) -> Reference:
    return reference if reference is not None else Reference.load()


def add_adjustment(session: Session, viewer: Viewer, *, user_id: Any, period: Any, amount: Any, reason: Any,
                   reference: Reference | None = None,
                   business: BusinessSettings | None = None) -> CommissionAdjustment:
    """A new adjustment of ``amount`` CNY (negative = deduction) on ``user_id``'s statement of ``period``."""
    require_screen(viewer, SCREEN)
    ref = _load_reference(reference)
    errors = (_person_error(user_id, ref) | _closed_error(period, lock_through(business))
              | frozen_statement_error(session, user_id, period))
    values = {"user_id": user_id, "period": period, "amount": amount, "reason": reason, "author": _author(viewer)}
    if errors:
        clean, type_errors = records.coerce(CommissionAdjustment, values)
        try:
            records.check_values(CommissionAdjustment, clean, type_errors)
        except ValidationError as exc:
            errors = {**exc.errors, **errors}
        raise ValidationError(errors)
    return records.insert(session, viewer, CommissionAdjustment, values, reference=ref)


def edit_adjustment(session: Session, viewer: Viewer, adjustment_id: int, values: dict[str, Any],
                    expected_version: int, *, reference: Reference | None = None,
                    business: BusinessSettings | None = None) -> CommissionAdjustment:
    """Change person, month, amount or reason (the author stays); neither month may be closed."""
    require_screen(viewer, SCREEN)
    unknown = sorted(set(values) - set(EDITABLE))
    if unknown:
        raise ValueError(f"commission adjustments: {unknown} cannot be edited; editable: {', '.join(EDITABLE)}")
    ref = _load_reference(reference)
    current = records.get(session, viewer, CommissionAdjustment, int(adjustment_id), ref)
    locked = lock_through(business)
    errors = _closed_error(current.period, locked)
    if "period" in values:
        errors = _closed_error(values["period"], locked) | errors
    errors = frozen_statement_error(session, current.user_id, current.period) | errors
    if {"period", "user_id"} & set(values):
        errors = frozen_statement_error(session, values.get("user_id", current.user_id),
                                        values.get("period", current.period)) | errors
    if "user_id" in values:
        errors |= _person_error(values["user_id"], ref)
    if errors:
        raise ValidationError(errors)
    return records.update(session, viewer, current, values, expected_version, reference=ref)


def void_adjustment(session: Session, viewer: Viewer, adjustment_id: int, expected_version: int, reason: Any, *,
                    reference: Reference | None = None,
                    business: BusinessSettings | None = None) -> CommissionAdjustment:
    """Void (soft-delete) an adjustment of an open month, with a reason; the next run drops it."""
    require_screen(viewer, SCREEN)
    ref = _load_reference(reference)
    current = records.get(session, viewer, CommissionAdjustment, int(adjustment_id), ref)
    text = str(reason or "").strip()
    errors = _closed_error(current.period, lock_through(business))
    if not text:
        errors["void_reason"] = "作废须填写原因 Voiding needs a reason"
    if errors:
        raise ValidationError(errors)
    return records.soft_delete(session, viewer, current, expected_version, comment=text, reference=ref)


def list_adjustments(session: Session, viewer: Viewer, *, period: str | None = None,
                     reference: Reference | None = None) -> list[CommissionAdjustment]:
    """Live adjustments the viewer may see, newest month first."""
    require_screen(viewer, SCREEN)
    stmt = filter_query(sa.select(CommissionAdjustment), viewer, CommissionAdjustment, reference)
    if period:
        stmt = stmt.where(CommissionAdjustment.period == period)
    order = (CommissionAdjustment.period.desc(), CommissionAdjustment.id.desc())
    return list(session.scalars(stmt.order_by(*order)))
