"""Session tokens: a login that survives a browser refresh, and ends server-side on logout.

A token is ``v1.<key>.<user id>.<expires>.<signature>``: a random 256-bit key, the login it was
issued to, its expiry (Unix seconds, the session lifetime), signed with HMAC-SHA256 under the
session secret. The store keeps the session (``app_sessions``, the key only as its SHA-256), so a
token is only as good as its row: **every** resume and every page run checks the row is not ended
(logout, replaced) and then applies the one set of session rules, ``operational.auth.session_problem``
(login still there and active, same role, links and ``credential_version``, not idle, not older than
its lifetime), against the row's own ``last_seen_at``. A forged or altered token fails the signature
before the store is read; a stolen stale one fails the idle timeout, the expiry or the ended row.

The secret comes from ``CRMLAKE_SESSION_SECRET`` (at least 32 characters), else from the file named
by ``CRMLAKE_SESSION_SECRET_FILE``, else from ``<lakehouse>/private/session_secret``, generated once
with mode 0600 (folder 0700). Replacing it ends every saved login.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kernel.settings import ENV_PREFIX, get_session_settings, get_settings
from operational import auth as store_auth
from operational.db import now_local
from operational.models import AppUser
from operational.models.sessions import AppSession
from operational.scope import Viewer

VERSION = "v1"
MIN_SECRET_LENGTH = 32
# the store's last_seen_at is written at most this often (a page run inside that window only reads)
TOUCH_EVERY = dt.timedelta(seconds=60)

TOKEN_INVALID = "登录凭据无效，请重新登录 The saved login is not valid; please log in again."
TOKEN_EXPIRED = "登录已过期，请重新登录 The saved login expired; please log in again."
SESSION_ENDED = "该会话已结束（已退出） This session was ended (logged out); please log in again."


@dataclass(frozen=True)
class Resumed:
    """A live session found from a token: its row id and what the login granted."""

    session_id: int
    grant: store_auth.SessionGrant
    last_seen: dt.datetime


# -- the secret
def secret_path() -> Path:
    configured = os.environ.get(f"{ENV_PREFIX}SESSION_SECRET_FILE")
    if configured:
        return Path(configured).expanduser()
    return get_settings().lakehouse_dir / "private" / "session_secret"


def session_secret() -> bytes:
    """The HMAC key: from the environment, a secrets file, or generated once (0600) in the lakehouse."""
    value = os.environ.get(f"{ENV_PREFIX}SESSION_SECRET")
    if value is not None:
        if len(value) < MIN_SECRET_LENGTH:
            raise ValueError(f"{ENV_PREFIX}SESSION_SECRET must have at least {MIN_SECRET_LENGTH} characters")
        return value.encode()
    path = secret_path()
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:  # O_EXCL: two app processes starting together keep one secret
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
    if path.stat().st_mode & 0o077:
        raise PermissionError(f"{path} must be readable by its owner only (chmod 600)")
    value = path.read_text().strip()
    if len(value) < MIN_SECRET_LENGTH:
        raise ValueError(f"{path} must hold at least {MIN_SECRET_LENGTH} characters")
    return value.encode()


# -- tokens
def _sign(payload: str, secret: bytes) -> str:
    digest = hmac.new(secret, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def make_token(key: str, user_id: int, expires: int, secret: bytes | None = None) -> str:
    payload = f"{VERSION}.{key}.{user_id}.{expires}"
    return f"{payload}.{_sign(payload, secret or session_secret())}"


def read_token(token: str, *, secret: bytes | None = None, now: float | None = None) -> tuple[str, int] | str:
    """``(key, user id)`` of a well-signed, unexpired token; otherwise the message why not."""
    parts = (token or "").split(".")
    if len(parts) != 5 or parts[0] != VERSION or not parts[2].isdigit() or not parts[3].isdigit():
        return TOKEN_INVALID
    payload, signature = ".".join(parts[:4]), parts[4]
    if not hmac.compare_digest(signature, _sign(payload, secret or session_secret())):
        return TOKEN_INVALID
    if int(parts[3]) <= (time.time() if now is None else now):
        return TOKEN_EXPIRED
    return parts[1], int(parts[2])


# -- sessions in the store
def open_session(session: Session, grant: store_auth.SessionGrant, *, source: str | None = None,
                 now: dt.datetime | None = None) -> tuple[int, str]:
    """Record a new browser session for a login's grant; its row id and its token."""
    now = now or now_local()
    hours = get_session_settings().lifetime_hours
    key = secrets.token_urlsafe(32)
    viewer = grant.viewer
    row = AppSession(
        key_hash=_key_hash(key), user_id=viewer.user_id, username=viewer.username, role=viewer.role,
        crm_user_id=viewer.crm_user_id, department_id=viewer.department_id, partner_id=viewer.partner_id,
        credential_version=grant.credential_version, started_at=grant.started_at, last_seen_at=now,
        expires_at=grant.started_at + dt.timedelta(hours=hours), client_source=(source or None),
    )
    session.add(row)
    session.flush()
    expires = int(time.time() + (row.expires_at - now).total_seconds())
    return row.id, make_token(key, viewer.user_id, expires)


def _grant(row: AppSession, user: AppUser | None) -> store_auth.SessionGrant:
    viewer = Viewer(user_id=row.user_id, username=row.username, role=row.role, crm_user_id=row.crm_user_id,
                    department_id=row.department_id, partner_id=row.partner_id,
                    display_name=user.display_name if user is not None else row.username)
    return store_auth.SessionGrant(viewer, row.credential_version, row.started_at)


def _problem(session: Session, row: AppSession, grant: store_auth.SessionGrant, last_seen: dt.datetime,
             now: dt.datetime) -> str | None:
    # the login's own state first: a session ended because the login was disabled says so
    problem = store_auth.session_problem(session, grant, now=now, last_seen=last_seen)
    return problem or (SESSION_ENDED if row.ended_at is not None else None)


def _end(row: AppSession, reason: str, now: dt.datetime) -> None:
    if row.ended_at is None:
        row.ended_at, row.end_reason = now, reason[:32]


def resume(session: Session, token: str, *, now: dt.datetime | None = None) -> Resumed | str:
    """The live session a browser's token stands for, or the message why it may not go on
    (a session found but no longer allowed is ended in the store)."""
    read = read_token(token)
    if isinstance(read, str):
        return read
    key, user_id = read
    now = now or now_local()
    row = session.scalar(sa.select(AppSession).where(AppSession.key_hash == _key_hash(key)))
    if row is None or row.user_id != user_id:
        return TOKEN_INVALID
    user = session.get(AppUser, row.user_id)
    grant = _grant(row, user)
    problem = _problem(session, row, grant, row.last_seen_at, now)
    if problem:
        _end(row, "refused", now)
        return problem
    row.last_seen_at = now
    return Resumed(row.id, grant, now)


def check(session: Session, session_id: int, grant: store_auth.SessionGrant, last_seen: dt.datetime | None,
          *, now: dt.datetime | None = None) -> str | None:
    """A page run of a live session: the row must still be open, then the session rules; the row's
    ``last_seen_at`` moves on (at most once a minute) so a refresh resumes with the right idle time."""
    now = now or now_local()
    row = session.get(AppSession, session_id, populate_existing=True)
    if row is None:
        return SESSION_ENDED
    problem = _problem(session, row, grant, last_seen or row.last_seen_at, now)
    if problem:
        _end(row, "refused", now)
        return problem
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return None


def end_session(session: Session, session_id: int, reason: str = "logout", *, now: dt.datetime | None = None) -> None:
    """End a session for good (logout): its token no longer resumes anything."""
    row = session.get(AppSession, session_id)
    if row is not None:
        _end(row, reason, now or now_local())


def forget_old(session: Session, *, now: dt.datetime | None = None, keep: dt.timedelta = dt.timedelta(days=7)) -> int:
    """Delete sessions expired or ended more than ``keep`` ago (the table stays small)."""
    cutoff = (now or now_local()) - keep
    result = session.execute(sa.delete(AppSession).where(
        sa.or_(AppSession.expires_at < cutoff, AppSession.ended_at < cutoff)))
    return result.rowcount or 0
