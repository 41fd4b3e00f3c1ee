"""Run the store's Alembic migrations: the only way its tables are created or changed."""

from __future__ import annotations

import logging
from pathlib import Path

logging.getLogger("alembic").setLevel(logging.WARNING)  # before import: its plugin set-up logs at INFO

from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402

from operational.engines import default_url, engine_for  # noqa: E402

HERE = Path(__file__).resolve().parent


def alembic_config(url: str) -> Config:
    """Alembic config for ``url`` (script location inside the package, no ini edits needed)."""
    cfg = Config(str(HERE / "alembic.ini"))
    cfg.set_main_option("script_location", str(HERE / "migrations"))
    cfg.set_main_option("version_locations", str(HERE / "migrations" / "versions"))
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the store at ``url`` to ``revision`` (idempotent; safe with concurrent callers)."""
    command.upgrade(alembic_config(url or default_url()), revision)


def current_revision(url: str | None = None) -> str | None:
    """The revision the store at ``url`` is at (``None`` before the first upgrade)."""
    from alembic.runtime.migration import MigrationContext

    with engine_for(url or default_url()).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
