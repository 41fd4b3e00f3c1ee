"""Alembic environment of the operational store (online mode only: a store always has a URL)."""

from __future__ import annotations

from alembic import context

from operational.db import engine_for, is_sqlite
from operational.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no store URL: use operational.migrate.upgrade(url) or `crmlake store upgrade`")
    engine = engine_for(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=is_sqlite(url),  # SQLite alters tables by copy-and-move
            # one transaction for the whole upgrade on SQLite too (operational.db hands pysqlite's
            # transaction control to SQLAlchemy, so SQLite DDL is transactional): all or nothing
            transactional_ddl=True,
            compare_type=True,
            transaction_per_migration=False,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # two processes upgrading one database at once: the second waits, then no-ops
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7007007)")
            context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported for the operational store")
run_migrations_online()
