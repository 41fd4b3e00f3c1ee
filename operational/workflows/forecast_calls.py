"""Forecast calls (预测提交): reps submit commit / best case per quarter, managers override for their tree.

A rep submits for themselves only (their department from the reference data); a sales manager
submits the call for their department or a department below it (``operational.scope``'s tree),
which is the override shown beside the sum of their reps' calls. Admins and finance read, never
call. Each submission is a new, audited row (``records.insert``): a resubmission supersedes the
earlier one from its week on, and the earlier stays for the week-over-week history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from operational import records
from operational.errors import PermissionDenied, ValidationError
from operational.models.forecast import ForecastSubmission
from operational.reference import Reference
from operational.scope import Viewer, filter_query, require_screen

SCREEN = "forecast_calls"  # sales_rep, sales_manager, admin (operational.screens)
LEVEL_OF_ROLE = {"sales_rep": "rep", "sales_manager": "manager"}


def quarter_of(day: dt.date) -> dt.date:
    """The first day of ``day``'s quarter."""
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _author(viewer: Viewer) -> str:
    name = viewer.display_name
    return viewer.username if not name or viewer.username in name else f"{name} ({viewer.username})"


def _home_department(viewer: Viewer, ref: Reference) -> int | None:
    return viewer.department_id if viewer.department_id is not None else ref.department_of(viewer.crm_user_id)


def call_departments(viewer: Viewer, reference: Reference | None = None) -> set[int]:
    """Departments the viewer may submit a call for: a rep their own, a manager their tree."""
    if viewer.role not in LEVEL_OF_ROLE or viewer.crm_user_id is None:
        return set()
    ref = reference if reference is not None else Reference.load()
    home = _home_department(viewer, ref)
    if home is None:
        return set()
    return {home} if viewer.role == "sales_rep" else ref.department_subtree(home)


def submit_call(session: Session, viewer: Viewer, *, quarter_start: Any, commit_amount: Any,
                best_case_amount: Any, note: Any = None, department_id: Any = None,
                reference: Reference | None = None) -> ForecastSubmission:
    """Record the viewer's call for a quarter (a manager's: for ``department_id``, default their own)."""
    require_screen(viewer, SCREEN)
    level = LEVEL_OF_ROLE.get(viewer.role)
    if level is None or viewer.crm_user_id is None:
        raise PermissionDenied(f"{viewer.username} ({viewer.role}) reads forecast calls but makes none: "
                               "only sales reps and sales managers with a CRM user submit")
    ref = reference if reference is not None else Reference.load()
    allowed = call_departments(viewer, ref)
    if not allowed:
        raise ValidationError({"department_id": "未找到您的部门 Your department is not in the published data"})
    if department_id in (None, ""):
        department = _home_department(viewer, ref)
    else:
        try:
            department = int(department_id)
        except (TypeError, ValueError) as exc:
            raise ValidationError({"department_id": "应为部门编号 Expected a department id"}) from exc
    if department not in allowed:
        raise PermissionDenied(f"{viewer.username} may not submit a call for department {department}: "
                               "outside their department tree")
    text = str(note).strip() if note not in (None, "") else None
    values = {"owner_id": viewer.crm_user_id, "call_level": level, "department_id": department,
              "quarter_start": quarter_start, "commit_amount": commit_amount,
              "best_case_amount": best_case_amount, "note": text, "author": _author(viewer)}
    return records.insert(session, viewer, ForecastSubmission, values, action="submit", reference=ref)


def list_calls(session: Session, viewer: Viewer, *, quarter_start: dt.date | None = None,
               reference: Reference | None = None) -> list[ForecastSubmission]:
    """Every submission the viewer may see (theirs, their tree's), newest first."""
    require_screen(viewer, SCREEN)
    stmt = filter_query(sa.select(ForecastSubmission), viewer, ForecastSubmission, reference)
    if quarter_start is not None:
        stmt = stmt.where(ForecastSubmission.quarter_start == quarter_start)
    order = (ForecastSubmission.created_at.desc(), ForecastSubmission.id.desc())
    return list(session.scalars(stmt.order_by(*order)))
