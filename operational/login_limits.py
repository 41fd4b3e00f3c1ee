"""Login rate limits: leaky failure counters per login, per client source and for all, with growing but capped locks.

Why three counters (issue 14): a lock per login alone let 5 anonymous guesses lock ``admin`` out,
and let one source try 32 passwords over 8 logins in 8 seconds; the counter never forgot.

- **Per login** (``app_users.failed_logins``): ``ACCOUNT_MAX_FAILURES`` wrong passwords (one is
  forgotten every ``ACCOUNT_LEAK``) lock the login for ``FIRST_LOCK``, doubling with each lock in a
  row, never longer than ``LOCK_CAP``. The lock only refuses sources with a recent failure: a
  right password from a *clean* source (no failure in ``CLEAN_AFTER``) still gets in, so an
  anonymous attacker cannot keep the owner out; every fresh source it uses buys it one guess.
- **Per source** (``login_throttle`` ``source:<address>``): ``SOURCE_MAX_FAILURES`` failures of
  any login name, known or not, block the source (same growing, capped lock). Attempts refused
  while blocked keep the source dirty and full, so hammering re-locks it at once.
- **Global** (``login_throttle`` ``global``): over ``GLOBAL_MAX_FAILURES`` recent failures of
  all sources together, only clean sources may try, which caps guessing spread over many sources.

Counters are integers that leak one unit per interval (the stamp moves by whole intervals, so no
partial interval is lost). Names that are no login never get a row: guessing names cannot fill
the table. The source is the client address the apps pass in; without one everything counts
under ``UNKNOWN_SOURCE`` and the per-source limit acts like a second global one (docs/security.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from operational.models import AppUser
from operational.models.users import LoginThrottle

ACCOUNT_MAX_FAILURES = 5
ACCOUNT_LEAK = dt.timedelta(minutes=10)
SOURCE_MAX_FAILURES = 10
SOURCE_LEAK = dt.timedelta(minutes=2)
GLOBAL_MAX_FAILURES = 30
GLOBAL_LEAK = dt.timedelta(seconds=6)
FIRST_LOCK = dt.timedelta(minutes=1)
LOCK_CAP = dt.timedelta(minutes=15)
CLEAN_AFTER = dt.timedelta(minutes=15)
LOCKS_FORGOTTEN_AFTER = dt.timedelta(days=1)  # a day without failures starts the lock series over
UNKNOWN_SOURCE = "unknown"
GLOBAL_KEY = "global"
_MAX_SOURCE_LENGTH = 120


def source_key(source: str | None) -> str:
    return "source:" + ((source or "").strip()[:_MAX_SOURCE_LENGTH] or UNKNOWN_SOURCE)


def leak(count: int, counted_at: dt.datetime | None, now: dt.datetime, per: dt.timedelta) -> tuple[int, dt.datetime]:
    """The counter at ``now`` after losing one unit per whole ``per`` since ``counted_at``."""
    if not count or counted_at is None:
        return 0, now
    steps = max(0, int((now - counted_at) / per))
    if steps >= count:
        return 0, now
    return count - steps, counted_at + steps * per


def lock_length(lock_number: int) -> dt.timedelta:
    """The n-th lock in a row: FIRST_LOCK, twice that, ... never longer than LOCK_CAP."""
    return min(FIRST_LOCK * 2 ** min(max(lock_number - 1, 0), 20), LOCK_CAP)


def _locked(until: dt.datetime | None, now: dt.datetime) -> bool:
    return until is not None and until > now


def _row(session: Session, key: str, now: dt.datetime) -> LoginThrottle:
    """The counter row of ``key``, locked for this transaction (created at zero if missing)."""
    row = session.scalar(sa.select(LoginThrottle).where(LoginThrottle.key == key).with_for_update())
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = LoginThrottle(key=key, failures=0, counted_at=now, lock_count=0)
            session.add(row)
    except sa.exc.IntegrityError:  # another login created it in between (PostgreSQL)
        row = session.scalar(sa.select(LoginThrottle).where(LoginThrottle.key == key).with_for_update())
    return row


def _decay(row: LoginThrottle, now: dt.datetime, per: dt.timedelta) -> None:
    row.failures, row.counted_at = leak(row.failures, row.counted_at, now, per)


@dataclass
class Gate:
    """What the counters say about one attempt before its password is looked at."""

    source: LoginThrottle
    everyone: LoginThrottle
    refused: bool


def _clean(row: LoginThrottle, now: dt.datetime) -> bool:
    return row.last_failure_at is None or now - row.last_failure_at > CLEAN_AFTER


def gate(session: Session, user: AppUser | None, source: str | None, now: dt.datetime) -> Gate:
    """Whether this attempt is refused whatever its password: source blocked, or a dirty source while
    the login is locked or the global limit is reached."""
    src = _row(session, source_key(source), now)
    everyone = _row(session, GLOBAL_KEY, now)
    _decay(src, now, SOURCE_LEAK)
    _decay(everyone, now, GLOBAL_LEAK)
    clean = _clean(src, now)
    account_locked = user is not None and _locked(user.locked_until, now)
    refused = (_locked(src.locked_until, now)
               or (not clean and (account_locked or everyone.failures >= GLOBAL_MAX_FAILURES)))
    return Gate(src, everyone, refused)


def count_failure(session: Session, verdict: Gate, user: AppUser | None, now: dt.datetime) -> None:
    """Count a failed attempt: always for its source; for the login and for all only if the password
    was checked (not refused beforehand), so a blocked source cannot escalate anyone's lock."""
    src = verdict.source
    src.last_failure_at = now
    if _locked(src.locked_until, now):
        src.failures = min(src.failures + 1, SOURCE_MAX_FAILURES)  # stays full: re-locked on the next failure
    else:
        _bump(src, now, SOURCE_MAX_FAILURES)
    if verdict.refused:
        return
    verdict.everyone.failures += 1
    verdict.everyone.last_failure_at = now
    if user is not None and user.is_active:
        user.failed_logins, user.failed_login_at = leak(user.failed_logins or 0, user.failed_login_at, now,
                                                        ACCOUNT_LEAK)
        _bump(user, now, ACCOUNT_MAX_FAILURES, counter="failed_logins")
    _prune(session, now)


def _bump(row, now: dt.datetime, maximum: int, counter: str = "failures") -> None:
    """One more failure on a login or source row; at ``maximum`` it is locked for the next lock length."""
    if row.locked_until is not None and now - row.locked_until > LOCKS_FORGOTTEN_AFTER:
        row.lock_count = 0
    setattr(row, counter, (getattr(row, counter) or 0) + 1)
    if getattr(row, counter) >= maximum and not _locked(row.locked_until, now):
        row.lock_count = (row.lock_count or 0) + 1
        row.locked_until = now + lock_length(row.lock_count)
        setattr(row, counter, 0)


def clear_login(user: AppUser) -> None:
    """A successful login (or an admin's reset) starts the login's counters over."""
    user.failed_logins = 0
    user.failed_login_at = None
    user.locked_until = None
    user.lock_count = 0


def _prune(session: Session, now: dt.datetime) -> None:
    """Forget sources that have been quiet for a day (keeps the table small)."""
    quiet = now - LOCKS_FORGOTTEN_AFTER
    session.execute(sa.delete(LoginThrottle).where(
        LoginThrottle.key != GLOBAL_KEY,
        sa.or_(LoginThrottle.last_failure_at.is_(None), LoginThrottle.last_failure_at < quiet),
        sa.or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
    ))


def source_state(session: Session, source: str | None, now: dt.datetime) -> dict:
    """A source's counter at ``now`` (for status and tests): failures, locked_until, last_failure_at."""
    row = session.get(LoginThrottle, source_key(source))
    if row is None:
        return {"failures": 0, "locked_until": None, "last_failure_at": None}
    failures, _ = leak(row.failures, row.counted_at, now, SOURCE_LEAK)
    return {"failures": failures, "locked_until": row.locked_until if _locked(row.locked_until, now) else None,
            "last_failure_at": row.last_failure_at}
