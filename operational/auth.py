"""Local logins: argon2id password hashes, lockout after repeated failures, session timeout.

``authenticate`` answers every failure with the same message (unknown user, wrong password,
locked, inactive) so the login form never tells an attacker which usernames exist; unknown
users are verified against a dummy hash so the answer takes as long as for a real one.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from operational.db import now_local
from operational.errors import AuthenticationError, ValidationError
from operational.models import ROLES, AppUser
from operational.scope import Viewer

MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
DEFAULT_SESSION_TIMEOUT_MINUTES = 30
MIN_PASSWORD_LENGTH = 12
# the demo logins' shared, published password (operational.demo_users): refused for any other login
DEMO_PASSWORD = "crmlake-demo"
LOGIN_FAILED = (
    "用户名或密码错误（连续失败 5 次将锁定 15 分钟） "
    "Wrong username or password (5 failures lock the login for 15 minutes)"
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


def authenticate(session: Session, username: str, password: str, now: dt.datetime | None = None) -> AppUser:
    """The user if the password is right; ``AuthenticationError`` (one generic message) otherwise.

    Commits the failure count / lockout itself, so the caller's rollback on the error keeps it.
    """
    now = now or now_local()
    user = session.scalar(sa.select(AppUser).where(AppUser.username == (username or "").strip()))
    if user is None:
        verify_password(_DUMMY_HASH, password or "")
        raise AuthenticationError(LOGIN_FAILED)
    locked = user.locked_until is not None and user.locked_until > now
    ok = verify_password(user.password_hash, password or "")  # verify even when locked: same timing
    if locked or not user.is_active or not ok:
        if not locked and user.is_active:
            user.failed_logins = (user.failed_logins or 0) + 1
            if user.failed_logins >= MAX_FAILED_LOGINS:
                user.locked_until = now + LOCKOUT
                user.failed_logins = 0
        session.commit()
        raise AuthenticationError(LOGIN_FAILED)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    session.flush()
    return user


def change_password(session: Session, user_id: int, old_password: str, new_password: str) -> None:
    """Change a password after checking the old one; errors name the form field."""
    user = session.get(AppUser, user_id)
    if user is None or not verify_password(user.password_hash, old_password or ""):
        raise ValidationError({"old_password": "原密码不正确 The current password is wrong"})
    errors = password_errors(new_password, "new_password")
    if not errors and new_password == old_password:
        errors["new_password"] = "新密码须与原密码不同 Choose a password different from the current one"
    if errors:
        raise ValidationError(errors)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = now_local()
    session.flush()


def set_password(session: Session, user_id: int, new_password: str) -> None:
    """Admin reset (no old password); also lifts a lockout."""
    errors = password_errors(new_password)
    if errors:
        raise ValidationError(errors)
    user = session.get(AppUser, user_id)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = now_local()
    user.failed_logins = 0
    user.locked_until = None
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


# -- session timeout
def session_timeout_minutes(env: dict[str, str] | None = None) -> int:
    """``CRMLAKE_SESSION_TIMEOUT_MINUTES`` (default 30)."""
    raw = (env if env is not None else os.environ).get("CRMLAKE_SESSION_TIMEOUT_MINUTES")
    if not raw:
        return DEFAULT_SESSION_TIMEOUT_MINUTES
    try:
        minutes = int(raw)
    except ValueError:
        raise ValueError(f"CRMLAKE_SESSION_TIMEOUT_MINUTES must be a whole number of minutes, got {raw!r}") from None
    if minutes < 1:
        raise ValueError(f"CRMLAKE_SESSION_TIMEOUT_MINUTES must be at least 1, got {minutes}")
    return minutes


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
