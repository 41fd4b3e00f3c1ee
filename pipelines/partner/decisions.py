"""Channel managers' review decisions on fuzzy company-name matches, read from the operational store.

The name-review page stores each decision in ``company_resolution_decisions`` (accept: merge the
name into the suggested company; reject: keep it a company of its own). Company resolution reads
them read-only on its next run; the latest decision per normalized name wins. A store that does
not exist yet (no SQLite file, no table) means no decisions: the pipeline never creates it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import polars as pl
import sqlalchemy as sa

TABLE = "company_resolution_decisions"
DECISION_SCHEMA = {"normalized_name": pl.String, "company_key": pl.String, "decision": pl.String}


def no_decisions() -> pl.DataFrame:
    return pl.DataFrame(schema=DECISION_SCHEMA)


def _sqlite_missing(url: sa.URL) -> bool:
    if url.get_backend_name() != "sqlite":
        return False
    return not url.database or url.database == ":memory:" or not Path(url.database).expanduser().exists()


def load_decisions(operational_url: str) -> pl.DataFrame:
    """The latest live (not deleted) decision per normalized name (columns of ``DECISION_SCHEMA``)."""
    url = sa.make_url(operational_url)
    if _sqlite_missing(url):
        return no_decisions()
    if url.get_backend_name() == "sqlite":  # read-only: never create or write the store
        path = Path(url.database).expanduser().resolve()
        engine = sa.create_engine("sqlite://", creator=lambda: sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True))
    else:
        engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table(TABLE):
                return no_decisions()
            rows = conn.execute(
                sa.text(
                    f"select normalized_name, company_key, decision, id from {TABLE} "
                    "where deleted_at is null"
                )
            ).fetchall()
    finally:
        engine.dispose()
    if not rows:
        return no_decisions()
    frame = pl.DataFrame(
        [tuple(r) for r in rows],
        schema=[*DECISION_SCHEMA, "id"],
        orient="row",
    )
    return (
        frame.sort("id")  # ids grow with every insert: the last one is the latest decision
        .group_by("normalized_name", maintain_order=True)
        .last()
        .select(list(DECISION_SCHEMA))
        .cast(DECISION_SCHEMA)
    )
