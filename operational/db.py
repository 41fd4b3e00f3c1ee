"""Engine and sessions for the operational store (SQLite in WAL mode by default, PostgreSQL by URL).

SQLite: WAL (readers never block the writer), foreign keys on, a busy timeout, and every
read-write session starts with ``BEGIN IMMEDIATE`` so a read-then-write transaction can never
fail half-way with "database is locked" when another writer committed in between: writers queue
on the busy timeout instead. Read-only sessions (``session_scope(readonly=True)``) begin
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
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
SQLITE_BUSY_TIMEOUT_MS = 30_000

_migrated: set[str] = set()
_migrate_lock = threading.Lock()
_engine_lock = threading.Lock()


def now_local() -> datetime:
    """Naive Asia/Shanghai wall-clock time, the convention of every timestamp in staging."""
    return datetime.now(LOCAL_TZ).replace(tzinfo=None, microsecond=0)


def default_url() -> str:
    """The store URL from the settings (``CRMLAKE_OPERATIONAL_URL`` or ``data/operational.sqlite``)."""
    from pipelines.settings import get_settings

    return get_settings().operational_url


def is_sqlite(url_or_engine: str | Engine) -> bool:
    url = url_or_engine.url if isinstance(url_or_engine, Engine) else sa.make_url(url_or_engine)
    return url.get_backend_name() == "sqlite"


def _sqlite_events(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001
        # hand transaction control to the "begin" hook below (pysqlite otherwise begins lazily
        # and deferred, which turns a read-then-write race into SQLITE_BUSY_SNAPSHOT)
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # noqa: ANN001
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


_ENGINES: dict[str, Engine] = {}


def engine_for(url: str) -> Engine:
    """One engine per URL and process (cached)."""
    with _engine_lock:
        if url not in _ENGINES:
            _ENGINES[url] = _create_engine(url)
        return _ENGINES[url]


def _create_engine(url: str) -> Engine:
    if is_sqlite(url):
        db_path = sa.make_url(url).database
        if db_path and db_path != ":memory:":
            Path(db_path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _sqlite_events(engine)
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def ensure_migrated(url: str) -> None:
    """Run the Alembic migrations once per URL and process (idempotent)."""
    if url in _migrated:
        return
    with _migrate_lock:
        if url in _migrated:
            return
        from operational.migrate import upgrade

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
    with _engine_lock:
        for engine in _ENGINES.values():
            engine.dispose()
        _ENGINES.clear()
        _migrated.clear()
    _factory.cache_clear()
