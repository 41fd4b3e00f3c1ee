"""Dagster's SQLite event log, with one engine per database file and commits that do not fsync.

Why: a run writes every event (step start, log line, materialization, check) to its SQLite file
as it happens, on the run's own thread. Dagster's ``SqliteEventLogStorage`` builds a new
SQLAlchemy engine and connection for each event and commits with SQLite's default
``synchronous=FULL``, an fsync per event: ~12 ms each on this machine, 1,000-2,000 events per
run, 18-20 % of a one-day delta's Python time (py-spy, docs/performance.md). Here each database
file keeps one engine (a small connection pool) and its connections run ``synchronous=NORMAL``.
The files are already in WAL mode (Dagster sets it when it creates them), where NORMAL keeps the
database consistent after a crash; an OS crash can lose the last events of a run, which the
ledger and the publish step do not depend on (they keep their own state).

Everything else (schema, migrations, watchers, queries) is Dagster's own. ``kernel.runtime``
names this class in the DAGSTER_HOME it writes, so ``crmlake run``, ``dagster dev`` and the
daemon use it alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

SYNCHRONOUS = "NORMAL"


def _pooled_engine(conn_string: str) -> Engine:
    engine = create_engine(
        conn_string,
        pool_size=2,
        max_overflow=2,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _no_fsync_per_commit(dbapi_connection, _record) -> None:
        dbapi_connection.execute(f"PRAGMA synchronous={SYNCHRONOUS}")

    return engine


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` whose shards keep their engine (see the module docstring)."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: dict[str, Engine] = {}
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.get(shard)
        if engine is None:
            engine = self._engines[shard] = _pooled_engine(self.conn_string_for_shard(shard))
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def dispose(self) -> None:
        super().dispose()
        engines, self._engines = self._engines, {}
        for engine in engines.values():
            engine.dispose()
