"""Local logins: argon2id password hashes, rate limits, and the checks a live session passes on every page run.

``authenticate`` answers every failure with the same message (unknown user, wrong password,
locked, inactive, rate-limited) so the login form never tells an attacker which usernames
exist; unknown users are verified against a dummy hash so the answer takes as long as for a real
one. The counters and locks are ``operational.login_limits``'s (per login, per source, global).

A session is granted at login (``grant_for``) and re-checked by ``session_problem`` on every page
run: the login still exists and is active, has the same role, partner, CRM user and department,
and the same ``credential_version`` (``revoke_sessions`` bumps it on every password, role, link or
activation change), and the session is neither idle too long nor older than its lifetime.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from kernel.settings import get_session_settings
from operational import login_limits as limits
from operational import records
from operational.db import now_local
from operational.errors import AuthenticationError, ValidationError
from operational.models import ROLES, AppUser
from operational.scope import Viewer

MAX_FAILED_LOGINS = limits.ACCOUNT_MAX_FAILURES
LOCKOUT = limits.LOCK_CAP  # the longest a login is ever locked
MIN_PASSWORD_LENGTH = 12
# the demo logins' shared, published password (operational.demo_users): refused for any other login
DEMO_PASSWORD = "crmlake-demo"
LOGIN_FAILED = (
    "用户名或密码错误（多次失败将暂时锁定） "
    "Wrong username or password (repeated failures lock the login for a while, at most 15 minutes)"
)
# why a live session ended (shown above the login form)
SESSION_IDLE = "会话已超时，请重新登录 Your session timed out after {minutes} minutes without activity; please log in again."
SESSION_TOO_OLD = "会话已满 {hours} 小时，请重新登录 Sessions last at most {hours} hours; please log in again."
SESSION_LOGIN_GONE = "该登录已不存在 This login no longer exists; please log in again."
SESSION_DISABLED = "该登录已停用 This login was disabled; ask an administrator."
SESSION_ROLE_CHANGED = "角色已变更（{old} → {new}），请重新登录 Your role changed from {old} to {new}; please log in again."
SESSION_LOGIN_CHANGED = (
    "登录信息已变更（密码、合作伙伴或数据范围），请重新登录 "
    "Your login changed (password, partner or data scope); please log in again."
)

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_DUMMY_HASH = _hasher.hash("not a password: equalizes timing for unknown users")
_USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{3,64}$")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_errors(password: str, field_name: str = "password", *, allow_demo: bool = False) -> dict[str, str]:
    """The password rule of every login: at least ``MIN_PASSWORD_LENGTH`` characters, not the demo password."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return {field_name: f"密码至少 {MIN_PASSWORD_LENGTH} 位 Password needs at least {MIN_PASSWORD_LENGTH} characters"}
    if password == DEMO_PASSWORD and not allow_demo:
        return {field_name: "不能使用演示密码 The demo password is published: choose another one"}
    return {}


def create_user(session: Session, username: str, password: str, role: str, *,
                display_name: str | None = None, crm_user_id: int | None = None,
                department_id: int | None = None, partner_id: int | None = None,
                allow_demo_password: bool = False) -> AppUser:
    """A new active login; ``ValidationError`` names each bad field.

    ``allow_demo_password`` is for ``operational.demo_users`` only (demo data, demo logins).
    """
    errors: dict[str, str] = {}
    if not _USERNAME.match(username or ""):
        errors["username"] = "用户名为 3–64 位字母、数字或 _.- Username: 3–64 letters, digits or _.-"
    elif session.scalar(sa.select(AppUser.id).where(AppUser.username == username)) is not None:
        errors["username"] = f"用户名 {username} 已存在 Username {username} is taken"
    if role not in ROLES:
        errors["role"] = f"Role must be one of {', '.join(ROLES)}"
    if role == "partner_user" and partner_id is None:
        errors["partner_id"] = "合作伙伴用户须关联合作伙伴 A partner user needs a partner"
    errors |= password_errors(password, allow_demo=allow_demo_password)
    if errors:
        raise ValidationError(errors)
    now = now_local()
    user = AppUser(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role,
        crm_user_id=crm_user_id,
        department_id=department_id,
        partner_id=partner_id,
        is_active=True,
        failed_logins=0,
        password_changed_at=now,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str, now: dt.datetime | None = None,
                 source: str | None = None) -> AppUser:
    """The user if the password is right and the rate limits allow the attempt from ``source`` (the
    client address, ``None`` = unknown); ``AuthenticationError`` (one generic message) otherwise.

    Commits the failure counts / locks itself, so the caller's rollback on the error keeps them.
    """
    now = now or now_local()
    user = session.scalar(sa.select(AppUser).where(AppUser.username == (username or "").strip()))
    verdict = limits.gate(session, user, source, now)
    # verify even when refused or unknown: every answer takes the same time
    ok = verify_password(user.password_hash if user is not None else _DUMMY_HASH, password or "")
    if verdict.refused or user is None or not user.is_active or not ok:
        limits.count_failure(session, verdict, user, now)
        session.commit()
        raise AuthenticationError(LOGIN_FAILED)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    limits.clear_login(user)
    user.last_login_at = now
    session.flush()
    return user


def revoke_sessions(user: AppUser) -> None:
    """End every live session of ``user`` at its next page run (password, role, link or activation changed)."""
    user.credential_version = (user.credential_version or 1) + 1


def _audit_fields(user: AppUser) -> dict:
    """What a password change's audit row shows (never the hash)."""
    return {"username": user.username, "password_changed_at": user.password_changed_at,
            "credential_version": user.credential_version}


def change_password(session: Session, user_id: int, old_password: str, new_password: str) -> None:
    """Change a password after checking the old one; errors name the form field. Audited as the user
    (``audit_log`` action ``password``), and the login's other sessions end."""
    user = session.get(AppUser, user_id)
    if user is None or not verify_password(user.password_hash, old_password or ""):
        raise ValidationError({"old_password": "原密码不正确 The current password is wrong"})
    errors = password_errors(new_password, "new_password")
    if not errors and new_password == old_password:
        errors["new_password"] = "新密码须与原密码不同 Choose a password different from the current one"
    if errors:
        raise ValidationError(errors)
    before = _audit_fields(user)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = now_local()
    revoke_sessions(user)
    session.flush()
    records.audit(session, viewer_for(user), AppUser.__tablename__, user.id, "password", before,
                  _audit_fields(user), comment=f"{user.username} changed their password")


def set_password(session: Session, user_id: int, new_password: str) -> None:
    """Admin reset (no old password); also lifts a lockout and ends the login's sessions.

    The caller audits it with the administrator's name (``operational.users.set_user_password``).
    """
    errors = password_errors(new_password)
    if errors:
        raise ValidationError(errors)
    user = session.get(AppUser, user_id)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = now_local()
    limits.clear_login(user)
    revoke_sessions(user)
    session.flush()


def viewer_for(user: AppUser) -> Viewer:
    """The data layer's view of a logged-in user."""
    return Viewer(
        user_id=user.id,
        username=user.username,
        role=user.role,
        crm_user_id=user.crm_user_id,
        department_id=user.department_id,
        partner_id=user.partner_id,
        display_name=user.display_name,
    )


# -- sessions
@dataclass(frozen=True)
class SessionGrant:
    """What a login granted: the viewer, the login's ``credential_version`` then (``None`` = not known),
    and when the session started."""

    viewer: Viewer
    credential_version: int | None
    started_at: dt.datetime

    @property
    def user_id(self) -> int | None:
        return self.viewer.user_id


def grant_for(user: AppUser, now: dt.datetime | None = None) -> SessionGrant:
    return SessionGrant(viewer_for(user), user.credential_version, now or now_local())


def session_problem(session: Session | None, grant: SessionGrant, *, now: dt.datetime | None = None,
                    last_seen: dt.datetime | None = None, idle_minutes: int | None = None,
                    lifetime_hours: int | None = None) -> str | None:
    """Why a live session must end now (a message for the login form), or ``None`` if it may go on.

    A grant without a ``credential_version`` was not made by a login (``grant_for`` always sets it;
    only a test harness puts a viewer into a session by hand): it is held to the idle timeout and
    the lifetime only.
    """
    now = now or now_local()
    idle = idle_minutes if idle_minutes is not None else session_timeout_minutes()
    hours = lifetime_hours if lifetime_hours is not None else session_lifetime_hours()
    if is_expired(last_seen, now, idle):
        return SESSION_IDLE.format(minutes=idle)
    if now - grant.started_at > dt.timedelta(hours=hours):
        return SESSION_TOO_OLD.format(hours=hours)
    viewer = grant.viewer
    if grant.credential_version is None or viewer.user_id is None:
        return None
    user = session.get(AppUser, viewer.user_id, populate_existing=True)
    if user is None or user.username != viewer.username:
        return SESSION_LOGIN_GONE
    if not user.is_active:
        return SESSION_DISABLED
    if user.role != viewer.role:
        return SESSION_ROLE_CHANGED.format(old=viewer.role, new=user.role)
    same_links = (user.partner_id, user.crm_user_id, user.department_id) == (
        viewer.partner_id, viewer.crm_user_id, viewer.department_id)
    if not same_links or (grant.credential_version is not None
                          and user.credential_version != grant.credential_version):
        return SESSION_LOGIN_CHANGED
    return None


def session_lifetime_hours(env: dict[str, str] | None = None) -> int:
    """A session ends this long after login, busy or not (``kernel.settings.SessionSettings``)."""
    return get_session_settings(env).lifetime_hours


def session_timeout_minutes(env: dict[str, str] | None = None) -> int:
    """A session ends after this long without a request (``kernel.settings.SessionSettings``)."""
    return get_session_settings(env).timeout_minutes


def is_expired(last_seen: dt.datetime | None, now: dt.datetime | None = None,
               timeout_minutes: int | None = None) -> bool:
    """Whether a session last active at ``last_seen`` has timed out at ``now``."""
    if last_seen is None:
        return True
    timeout = timeout_minutes if timeout_minutes is not None else session_timeout_minutes()
    return (now or now_local()) - last_seen > dt.timedelta(minutes=timeout)


@dataclass
class SessionClock:
    """Last activity of one UI session; ``touch`` on every request, ``expired`` before serving."""

    timeout_minutes: int = field(default_factory=session_timeout_minutes)
    last_seen: dt.datetime | None = None

    def touch(self, now: dt.datetime | None = None) -> None:
        self.last_seen = now or now_local()

    def expired(self, now: dt.datetime | None = None) -> bool:
        return is_expired(self.last_seen, now, self.timeout_minutes)
