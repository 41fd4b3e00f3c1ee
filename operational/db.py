"""Sessions for the operational store (SQLite in WAL mode by default, PostgreSQL by URL).

Engines and URLs live in ``operational.engines`` (every read-write session begins
``IMMEDIATE`` on SQLite, see there). Read-only sessions (``session_scope(readonly=True)``) begin
deferred and never block anyone.

Tables are created only by Alembic (``operational.migrate.upgrade``); ``session_scope`` runs it
once per URL and process.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from operational.engines import default_url, dispose_engines, engine_for, is_sqlite
from operational.migrate import upgrade

__all__ = ["default_url", "dispose_all", "engine_for", "is_sqlite", "now_local", "session_scope"]

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

_migrated: set[str] = set()
_migrate_lock = threading.Lock()


def now_local() -> datetime:
    """Naive Asia/Shanghai wall-clock time, the convention of every timestamp in staging."""
    return datetime.now(LOCAL_TZ).replace(tzinfo=None, microsecond=0)


def ensure_migrated(url: str) -> None:
    """Run the Alembic migrations once per URL and process (idempotent)."""
    if url in _migrated:
        return
    with _migrate_lock:
        if url in _migrated:
            return
        upgrade(url)
        _migrated.add(url)


@lru_cache(maxsize=16)
def _factory(url: str, readonly: bool) -> sessionmaker[Session]:
    engine = engine_for(url)
    if readonly and is_sqlite(url):
        engine = engine.execution_options(sqlite_begin="DEFERRED")
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def session_scope(url: str | None = None, *, readonly: bool = False) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error.

    ``readonly=True`` never commits (SQLite: a deferred transaction that blocks no writer).
    """
    url = url or default_url()
    ensure_migrated(url)
    session = _factory(url, readonly)()
    try:
        yield session
        if not readonly:
            session.commit()  # read-only: close() below ends the transaction, loaded rows stay usable
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def dispose_all() -> None:
    """Close every cached engine and forget what was migrated (tests, forked processes)."""
    dispose_engines()
    with _migrate_lock:
        _migrated.clear()
    _factory.cache_clear()
