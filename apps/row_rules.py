"""Row rules of the dashboards: the logged-in viewer's scope as SQL conditions on the marts.

The rules themselves live in ``operational.scope`` (one definition for the store and the
dashboards); this module only phrases them for the published DuckDB snapshot. Every
dashboard loader takes the viewer and adds one of these conditions to the SQL it runs, so a
rep's page cannot show another rep's rows whatever the widgets do.
"""

from __future__ import annotations

from operational import scope
from operational.errors import PermissionDenied

Viewer = scope.Viewer


def require_viewer(viewer: Viewer | None) -> Viewer:
    if viewer is None:
        raise PermissionDenied("dashboard data needs a logged-in viewer (operational.scope.Viewer)")
    return viewer


def sees_all(viewer: Viewer) -> bool:
    return require_viewer(viewer).role in scope.ALL_ROWS


def require_all(viewer: Viewer, what: str) -> None:
    """Company-wide figures (no owner on the rows) are for roles that see every row."""
    if not sees_all(viewer):
        raise PermissionDenied(f"{what} covers every owner; role {viewer.role} sees only its own rows")


def owners(viewer: Viewer, column: str = "owner_id") -> tuple[str, list]:
    """``column`` (a CRM user id) within the viewer's visible owners."""
    return scope.owner_filter_sql(require_viewer(viewer), column)


def partners(viewer: Viewer, column: str = "partner_id") -> tuple[str, list]:
    """``column`` within the viewer's partners (partner users: their own; channel managers: theirs)."""
    return scope.partner_filter_sql(require_viewer(viewer), column)


def agents(viewer: Viewer, column: str = "assignee_agent_id") -> tuple[str, list]:
    """Tickets: agents see those assigned to them (agent ↔ CRM user); service managers all."""
    viewer = require_viewer(viewer)
    if viewer.role in scope.ALL_ROWS or viewer.role == "service_manager":
        return "true", []
    if viewer.role != "service_agent" or viewer.crm_user_id is None:
        return "false", []
    return (
        f"{column} in (select agent_id from staging.stg_callcenter__agents where crm_user_id = ?)",
        [viewer.crm_user_id],
    )


def require_role(viewer: Viewer, roles: tuple[str, ...], what: str) -> None:
    """Screen-level rule for data without owner rows (QA queue, field service, product ranking)."""
    if require_viewer(viewer).role not in roles:
        raise PermissionDenied(f"{what} is for {', '.join(roles)}; not for role {viewer.role}")


def partner_ids(viewer: Viewer) -> set[int] | None:
    """Partners whose rows the viewer sees (``None`` = every partner; empty = none)."""
    if sees_all(viewer):
        return None
    ids = scope.visible_partner_ids(viewer)
    return set() if ids is None else set(ids)


def companies(viewer: Viewer, column: str = "company_key") -> tuple[str, list]:
    """``column`` (a company key) within the viewer's companies (customer 360): sales roles the
    companies of the accounts and deals their owner rule shows, agents those of their tickets,
    channel managers and partner users those their partners registered; finance, admin and
    service managers every company."""
    viewer = require_viewer(viewer)
    if sees_all(viewer) or viewer.role == "service_manager":
        return "true", []
    if viewer.role in scope.SALES_ROLES:
        mine, params = owners(viewer, "a.owner_id")
        deals, deal_params = owners(viewer, "o.owner_id")
        return (
            f"""({column} in (select c.company_key from intermediate.int_account_companies as c
                    join intermediate.int_accounts_unioned as a on a.account_id = c.account_id where {mine})
                 or {column} in (select o.company_key from sales.opportunities as o where {deals}))""",
            [*params, *deal_params],
        )
    if viewer.role == "service_agent":
        mine, params = agents(viewer, "t.assignee_agent_id")
        return (
            f"""{column} in (select c.company_key from intermediate.int_tickets_unioned as t
                    join intermediate.int_account_companies as c on c.account_id = t.account_id where {mine})""",
            params,
        )
    if viewer.role in ("channel_manager", "partner_user"):
        theirs, params = partners(viewer, "r.partner_id")
        return f"{column} in (select r.company_key from partner.deal_registrations as r where {theirs})", params
    return "false", []
