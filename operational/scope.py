"""Who is looking (``Viewer``) and what they may see: screen and row permissions.

Which roles open which screen is registered in ``operational.screens`` (read by the apps too).

Row rules, enforced here for the store and reused as SQL snippets by the dashboard loaders:

- ``admin``, ``finance``: every row;
- ``sales_rep``, ``service_agent``: rows they own (owner column = their CRM user id);
- ``sales_manager``, ``service_manager``: rows owned by anyone in their department or a
  department below it (department tree from the reference data), themselves included;
- ``channel_manager``: rows of the partners they manage (``partners.channel_manager_id``);
- ``partner_user``: rows whose partner id is theirs; nothing without a partner id;
- ``product_manager``: no owner- or partner-scoped rows.

Sales roles also see leads in the lead pool (公海), which have no owner. A model with neither an
owner nor a partner column is not row-scoped: whoever may open its screen sees its rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from operational.errors import PermissionDenied
from operational.reference import Reference
from operational.screens import roles_of

ALL_ROWS = frozenset({"admin", "finance"})
OWNER_ROLES = frozenset({"sales_rep", "service_agent"})
MANAGER_ROLES = frozenset({"sales_manager", "service_manager"})
SALES_ROLES = frozenset({"sales_rep", "sales_manager"})


@dataclass(frozen=True)
class Viewer:
    """The logged-in user as the data layer sees them."""

    user_id: int | None
    username: str
    role: str
    crm_user_id: int | None = None
    department_id: int | None = None
    partner_id: int | None = None
    display_name: str | None = None

    @property
    def label(self) -> str:
        return self.display_name or self.username


def can_open(viewer: Viewer, screen: str) -> bool:
    """Whether the viewer's role may open ``screen`` (``operational.screens``; ``KeyError`` if unknown)."""
    return viewer.role in roles_of(screen)


def require_screen(viewer: Viewer, screen: str) -> None:
    """Raise ``PermissionDenied`` unless the viewer's role may open the screen."""
    if not can_open(viewer, screen):
        raise PermissionDenied(f"role {viewer.role} may not open the {screen} screen")


def _reference(reference: Reference | None) -> Reference:
    return reference if reference is not None else Reference.load()


def visible_owner_ids(viewer: Viewer, reference: Reference | None = None) -> set[int] | None:
    """Owner ids whose rows the viewer sees; ``None`` means every row."""
    if viewer.role in ALL_ROWS:
        return None
    if viewer.role in OWNER_ROLES:
        return {viewer.crm_user_id} if viewer.crm_user_id is not None else set()
    if viewer.role in MANAGER_ROLES:
        ref = _reference(reference)
        dept = viewer.department_id if viewer.department_id is not None else ref.department_of(viewer.crm_user_id)
        owners = ref.users_in_departments(ref.department_subtree(dept))
        if viewer.crm_user_id is not None:
            owners.add(viewer.crm_user_id)
        return owners
    return set()


def visible_partner_ids(viewer: Viewer, reference: Reference | None = None) -> set[int] | None:
    """Partner ids whose rows a partner user / channel manager sees; ``None`` = not partner-scoped."""
    if viewer.role == "partner_user":
        return {viewer.partner_id} if viewer.partner_id is not None else set()
    if viewer.role == "channel_manager":
        return _reference(reference).partners_of_channel_manager(viewer.crm_user_id)
    return None


def _owner_col(model: Any) -> str | None:
    return getattr(model, "__owner_column__", "owner_id")


def _partner_col(model: Any) -> str | None:
    return getattr(model, "__partner_column__", "partner_id")


def row_visible(viewer: Viewer, row: Mapping[str, Any], model: Any = None, reference: Reference | None = None) -> bool:
    """Whether the viewer may see ``row`` (a dict of column values) of ``model``."""
    if viewer.role in ALL_ROWS:
        return True
    owner_col = _owner_col(model) if model is not None else "owner_id"
    partner_col = _partner_col(model) if model is not None else "partner_id"
    if owner_col is None and partner_col is None:  # not row-scoped: the screen permission decides
        return True
    partners = visible_partner_ids(viewer, reference)
    if partners is not None:
        return partner_col is not None and row.get(partner_col) in partners
    if viewer.role in SALES_ROLES and row.get("is_in_pool") and row.get(owner_col or "owner_id") is None:
        return True
    owners = visible_owner_ids(viewer, reference)
    return owner_col is not None and owners is not None and row.get(owner_col) in owners


def check_row(viewer: Viewer, row: Mapping[str, Any], model: Any = None, reference: Reference | None = None) -> None:
    """Raise ``PermissionDenied`` if the row is outside the viewer's scope."""
    if not row_visible(viewer, row, model, reference):
        table = getattr(model, "__tablename__", "record")
        raise PermissionDenied(
            f"{viewer.username} ({viewer.role}) may not access {table} {row.get('id', '')}".rstrip()
        )


def row_clause(viewer: Viewer, model: Any, reference: Reference | None = None) -> sa.ColumnElement[bool]:
    """The row rule as a SQLAlchemy condition on ``model``'s columns."""
    if viewer.role in ALL_ROWS:
        return sa.true()
    owner_col, partner_col = _owner_col(model), _partner_col(model)
    if owner_col is None and partner_col is None:
        return sa.true()
    partners = visible_partner_ids(viewer, reference)
    if partners is not None:
        if partner_col is None or not partners:
            return sa.false()
        return getattr(model, partner_col).in_(sorted(partners))
    owners = visible_owner_ids(viewer, reference) or set()
    clause = getattr(model, owner_col).in_(sorted(owners)) if owner_col and owners else sa.false()
    if viewer.role in SALES_ROLES and hasattr(model, "is_in_pool") and owner_col:
        clause = sa.or_(clause, sa.and_(model.is_in_pool.is_(True), getattr(model, owner_col).is_(None)))
    return clause


def filter_query(stmt: sa.Select, viewer: Viewer, model: Any, reference: Reference | None = None,
                 include_deleted: bool = False) -> sa.Select:
    """Add the viewer's row rule (and hide soft-deleted rows) to a select over ``model``."""
    stmt = stmt.where(row_clause(viewer, model, reference))
    if not include_deleted and hasattr(model, "deleted_at"):
        stmt = stmt.where(model.deleted_at.is_(None))
    return stmt


def _in_list(column: str, values: set[int]) -> tuple[str, list]:
    if not values:
        return "false", []
    ordered = sorted(values)
    return f"{column} in ({', '.join('?' for _ in ordered)})", ordered


def owner_filter_sql(viewer: Viewer, column: str, reference: Reference | None = None) -> tuple[str, list]:
    """The owner row rule as a SQL condition with ``?`` parameters (DuckDB dashboard loaders)."""
    owners = visible_owner_ids(viewer, reference)
    if owners is None:
        return "true", []
    partners = visible_partner_ids(viewer, reference)
    if partners is not None:  # partner users and channel managers own no rows
        return "false", []
    return _in_list(column, owners)


def partner_filter_sql(viewer: Viewer, column: str, reference: Reference | None = None) -> tuple[str, list]:
    """The partner row rule as a SQL condition: partner users see their partner only."""
    if viewer.role in ALL_ROWS:
        return "true", []
    partners = visible_partner_ids(viewer, reference)
    if partners is None:
        return "false", []
    return _in_list(column, partners)
