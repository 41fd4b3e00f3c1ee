"""Real logins, managed by an administrator: add, new password, role and links, disable/enable, list, first admin.

``crmlake users …`` and ``crmlake init`` call these; the password rule, hashing and lockout stay
in ``operational.auth``. Every change is written to ``audit_log`` (table ``app_users``, who and
when, the login's fields before and after, never the password hash), so the audit screen shows
who created or disabled a login. A change of password, role, links or activation also bumps the
login's ``credential_version``, which ends its live sessions at their next page run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from operational import auth, records
from operational.db import now_local, session_scope
from operational.errors import NotFound, ValidationError
from operational.models import AppUser
from operational.reference import Reference
from operational.scope import MANAGER_ROLES, OWNER_ROLES, Viewer

# roles whose rows are those of a CRM user (owner or department rule): a login without one sees nothing
NEEDS_CRM_USER = frozenset(OWNER_ROLES | MANAGER_ROLES | {"channel_manager"})
LOGIN_FIELDS = ("id", "username", "display_name", "role", "crm_user_id", "department_id", "partner_id",
                "is_active", "failed_logins", "locked_until", "lock_count", "last_login_at", "password_changed_at",
                "credential_version", "created_at")


class AdminExists(ValidationError):
    """``create_first_admin`` on a store that already has an admin login."""


def login_row(user: AppUser) -> dict[str, Any]:
    """A login's fields for listing and audit (never the password hash)."""
    return {name: getattr(user, name) for name in LOGIN_FIELDS}


def _actor(actor: str) -> Viewer:
    return Viewer(user_id=None, username=actor, role="admin")


def _get(session: Session, username: str) -> AppUser:
    user = session.scalar(sa.select(AppUser).where(AppUser.username == (username or "").strip()))
    if user is None:
        raise NotFound(f"no login {username!r}; `crmlake users list` shows the logins")
    return user


def _check_links(role: str, crm_user_id: int | None, partner_id: int | None,
                 reference: Reference | None) -> tuple[dict[str, str], dict | None]:
    """Errors of the CRM user / partner a login links to, and that CRM user's reference row."""
    errors: dict[str, str] = {}
    crm_user = None
    if role in NEEDS_CRM_USER and crm_user_id is None:
        errors["crm_user_id"] = (
            f"角色 {role} 须关联 CRM 用户 Role {role} sees the rows of a CRM user: give --crm-user-id"
        )
    users = reference.frame("users") if reference is not None else None
    if crm_user_id is not None and users is not None and users.height:
        crm_user = reference.user(crm_user_id)
        if crm_user is None:
            errors["crm_user_id"] = f"CRM 用户 {crm_user_id} 不存在 No CRM user {crm_user_id} in the published data"
    partners = reference.frame("partners") if reference is not None else None
    if partner_id is not None and partners is not None and partners.height and reference.partner(partner_id) is None:
        errors["partner_id"] = f"合作伙伴 {partner_id} 不存在 No partner {partner_id} in the published data"
    return errors, crm_user


def add_user(session: Session, username: str, password: str, role: str, *, display_name: str | None = None,
             crm_user_id: int | None = None, partner_id: int | None = None,
             reference: Reference | None = None, actor: str = "system") -> AppUser:
    """A new active login. With ``reference`` (the published data) the CRM user and partner are checked
    and the department and name come from the CRM user; ``ValidationError`` names each bad field."""
    errors, crm_user = _check_links(role, crm_user_id, partner_id, reference)
    try:
        user = auth.create_user(
            session, (username or "").strip(), password, role,
            display_name=display_name or (crm_user or {}).get("user_name"),
            crm_user_id=crm_user_id, partner_id=partner_id,
            department_id=(crm_user or {}).get("department_id"),
        )
    except ValidationError as exc:
        raise ValidationError({**exc.errors, **errors}) from None
    if errors:  # the caller's transaction (session_scope) rolls the new row back
        raise ValidationError(errors)
    records.audit(session, _actor(actor), AppUser.__tablename__, user.id, "insert", None, login_row(user),
                  comment=f"login {user.username} ({role}) added")
    return user


def set_user_password(session: Session, username: str, password: str, *, actor: str = "system") -> AppUser:
    """A new password set by an administrator (no old password needed); lifts a lockout."""
    user = _get(session, username)
    before = login_row(user)
    auth.set_password(session, user.id, password)
    records.audit(session, _actor(actor), AppUser.__tablename__, user.id, "password", before, login_row(user),
                  comment=f"password of {user.username} set")
    return user


def _active_admins(session: Session) -> int:
    return session.scalar(
        sa.select(sa.func.count()).select_from(AppUser).where(AppUser.role == "admin", AppUser.is_active.is_(True))
    )


def set_active(session: Session, username: str, active: bool, *, actor: str = "system") -> AppUser:
    """Enable or disable a login (a disabled one cannot log in); the last active admin stays enabled."""
    user = _get(session, username)
    if not active and user.is_active and user.role == "admin" and _active_admins(session) <= 1:
        raise ValidationError({"username": (
            f"{user.username} 是唯一启用的管理员 {user.username} is the only active admin: "
            "add or enable another admin first"
        )})
    before = login_row(user)
    if user.is_active != active:
        auth.revoke_sessions(user)
    user.is_active = active
    if active:
        auth.limits.clear_login(user)
    session.flush()
    records.audit(session, _actor(actor), AppUser.__tablename__, user.id, "enable" if active else "disable",
                  before, login_row(user), comment=f"login {user.username} {'enabled' if active else 'disabled'}")
    return user


KEEP: Any = object()  # set_role: leave this link as it is


def set_role(session: Session, username: str, role: str, *, crm_user_id: int | None = KEEP,
             partner_id: int | None = KEEP, reference: Reference | None = None, actor: str = "system") -> AppUser:
    """Give a login another role and/or other links (CRM user, partner); its live sessions end.

    A link not given stays (a partner link only for ``partner_user``). The links are checked like
    ``add_user``'s; the last active admin keeps the admin role.
    """
    user = _get(session, username)
    crm_user_id = user.crm_user_id if crm_user_id is KEEP else crm_user_id
    partner_id = (user.partner_id if role == "partner_user" else None) if partner_id is KEEP else partner_id
    errors, crm_user = _check_links(role, crm_user_id, partner_id, reference)
    if role not in auth.ROLES:
        errors["role"] = f"Role must be one of {', '.join(auth.ROLES)}"
    if role == "partner_user" and partner_id is None:
        errors["partner_id"] = "合作伙伴用户须关联合作伙伴 A partner user needs a partner"
    if user.role == "admin" and role != "admin" and user.is_active and _active_admins(session) <= 1:
        errors["role"] = (f"{user.username} 是唯一启用的管理员 {user.username} is the only active admin: "
                          "add or enable another admin first")
    if errors:
        raise ValidationError(errors)
    before = login_row(user)
    if crm_user is not None:
        user.department_id = crm_user.get("department_id")
    elif crm_user_id != user.crm_user_id:
        user.department_id = None  # unknown until the CRM user can be looked up
    user.role, user.crm_user_id, user.partner_id = role, crm_user_id, partner_id
    if login_row(user) != before:
        auth.revoke_sessions(user)
    session.flush()
    records.audit(session, _actor(actor), AppUser.__tablename__, user.id, "role", before, login_row(user),
                  comment=f"login {user.username}: role {before['role']} -> {role}")
    return user


def list_users(session: Session, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Every login with its state (``active`` / ``disabled`` / ``locked``), oldest first."""
    now = now or now_local()
    out = []
    for user in session.scalars(sa.select(AppUser).order_by(AppUser.id)):
        row = login_row(user)
        locked = user.locked_until is not None and user.locked_until > now
        row["state"] = "disabled" if not user.is_active else "locked" if locked else "active"
        out.append(row)
    return out


def admin_usernames(url: str) -> list[str]:
    """The store's admin logins, active or not (migrating the store first)."""
    with session_scope(url, readonly=True) as session:
        return list(session.scalars(sa.select(AppUser.username).where(AppUser.role == "admin")).all())


def create_first_admin(url: str, username: str, password: str, *, display_name: str | None = None,
                       actor: str = "crmlake init") -> dict[str, Any]:
    """The store's first admin login (migrating the store first); ``AdminExists`` if it has one.

    Any admin login, active or disabled, counts: a store someone administers is never given a
    second admin this way (``crmlake users add --role admin`` is for that). The password follows
    ``operational.auth.password_errors`` (length, not the demo password); ``ValidationError``
    names each bad field. Returns the new login's fields (``login_row``).
    """
    with session_scope(url) as session:
        existing = session.scalars(sa.select(AppUser.username).where(AppUser.role == "admin")).all()
        if existing:
            raise AdminExists({"username": (
                f"已有管理员 The store already has an admin login ({', '.join(existing)}); "
                "use `crmlake users add USERNAME --role admin` to add another"
            )})
        user = add_user(session, username, password, "admin", display_name=display_name, actor=actor)
        return login_row(user)
