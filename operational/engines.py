"""The store's URL and engines: one engine per URL and process, SQLite tuned on connect.

SQLite: WAL (readers never block the writer), foreign keys on, a busy timeout, and every
read-write transaction starts with ``BEGIN IMMEDIATE`` so a read-then-write transaction can never
fail half-way with "database is locked" when another writer committed in between: writers queue
on the busy timeout instead. Both ``operational.migrate`` and the sessions in ``operational.db``
build on this module, so neither has to import the other's caller.
"""

from __future__ import annotations

import threading
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

SQLITE_BUSY_TIMEOUT_MS = 30_000

_engine_lock = threading.Lock()


def default_url() -> str:
    """The store URL from the settings (``CRMLAKE_OPERATIONAL_URL`` or ``data/operational.sqlite``)."""
    from kernel.settings import get_settings

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


def dispose_engines() -> None:
    """Close every cached engine (tests, forked processes)."""
    with _engine_lock:
        for engine in _ENGINES.values():
            engine.dispose()
        _ENGINES.clear()
