"""All data access of the apps: typed loaders over the published, read-only snapshot.

Pages never open DuckDB themselves. The loaders read the published file read-only, so the
pipeline can publish a new snapshot at any time (an atomic rename); caches are keyed on the
snapshot's modification time, so a new publish shows up, and the loaders' frames expire after a
minute (the published-table list is kept for the whole publish).
The snapshot is attached once per publish (opening it loads the catalog, ~100 ms, more than
most page queries), into a private in-memory DuckDB rather than by ``duckdb.connect(path)``:
DuckDB hands out one instance per path while any connection to it lives, which after the
atomic rename would still be the replaced file. Each query runs on its own cursor (cursors may
run at once from the server's session threads); the replaced file stays readable until its
last cursor is done.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from kernel.publish_status import collect_status
from kernel.settings import Settings, app_query_threads, get_settings


def settings() -> Settings:
    """The paths from the environment; read, never written back (no settings travel by side effect)."""
    return get_settings()


def snapshot_version() -> float:
    """Changes whenever a new snapshot is published (cache key for every loader)."""
    path = settings().published_database
    return path.stat().st_mtime if path.exists() else 0.0


@st.cache_data(ttl=60, show_spinner=False)
def load_status(version: float) -> dict:
    if version == 0.0:  # nothing published: the status says so
        return collect_status(settings())
    return collect_status(settings(), _cursor(version))


@st.cache_resource(max_entries=2, show_spinner=False)
def _snapshot(path: str, version: float) -> duckdb.DuckDBPyConnection:
    """The snapshot published at ``path`` with mtime ``version``, attached read-only under its
    usual catalog name (the file's stem, as ``duckdb.connect(path)`` names it); its queries run
    on ``app_query_threads()`` threads each."""
    con = duckdb.connect(config={"threads": app_query_threads()})
    con.execute(f"attach {_literal(path)} as {_catalog(Path(path))} (read_only)")
    return con


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _catalog(path: Path) -> str:
    return '"' + path.stem.replace('"', '""') + '"'


def _cursor(version: float) -> duckdb.DuckDBPyConnection:
    """A cursor of its own on the published snapshot, its catalog in use (close it when done)."""
    path = settings().published_database
    cur = _snapshot(str(path), version).cursor()
    cur.execute(f"use {_catalog(path)}")
    return cur


@st.cache_data(ttl=60, show_spinner=False)
def _query(sql: str, params: tuple, version: float) -> pd.DataFrame:
    with _cursor(version) as cur:
        return cur.execute(sql, list(params)).df()


def query(sql: str, params: tuple = ()) -> pd.DataFrame:
    """Rows of ``sql`` (with ``?`` parameters) from the published snapshot, cached per snapshot.

    Area loaders (``apps/<area>_data.py``) call this; pages call the area loaders.
    """
    return _query(sql, tuple(params), snapshot_version())


TABLE_LIST_SQL = ("select schema_name || '.' || table_name as name from duckdb_tables()"
                  " where database_name = current_database()")


@st.cache_data(max_entries=2, show_spinner=False)
def _published_tables(version: float) -> frozenset[str]:
    """The table list of the snapshot published with ``version``: read once per publish, not
    once a minute like the loaders' frames (a published file never changes; a new publish is a
    new version), since most pages ask for it."""
    with _cursor(version) as cur:
        return frozenset(cur.execute(TABLE_LIST_SQL).df()["name"])


def published_tables() -> set[str]:
    """``schema.table`` of every table in the published snapshot: the one way a page asks whether
    a mart exists (a snapshot published before the mart did lacks it). One catalog query per
    publish; ``duckdb_tables()`` reads the catalog ~10x faster than ``information_schema``."""
    return set(_published_tables(snapshot_version()))


def missing_tables(names) -> list[str]:
    """Those of ``names`` (``schema.table``) the published snapshot lacks, in their order."""
    present = published_tables()
    return [name for name in names if name not in present]


def table_counts_frame(status: dict) -> pd.DataFrame:
    rows = [
        {"schema": name.split(".", 1)[0], "table": name.split(".", 1)[1], "rows": count}
        for name, count in status["tables"].items()
    ]
    return pd.DataFrame(rows, columns=["schema", "table", "rows"])


def loads_frame(status: dict) -> pd.DataFrame:
    return pd.DataFrame(
        status["loads"],
        columns=["entity", "files", "files_rejected", "rows_read", "rows_loaded", "rows_quarantined", "last_loaded_at"],
    )


def quarantine_frame(status: dict) -> pd.DataFrame:
    return pd.DataFrame(status["quarantine"]["by_entity"], columns=["entity", "rows", "files"])


def key_conflicts_frame(status: dict) -> pd.DataFrame:
    return pd.DataFrame(status.get("key_conflicts") or [], columns=["entity", "rule", "rows", "keys", "example_key"])


def ignored_files_frame(status: dict) -> pd.DataFrame:
    return pd.DataFrame(status.get("ignored_files") or [], columns=["path", "reason"])


def entities_frame(status: dict) -> pd.DataFrame:
    """Every contract entity, delivered or not (status["entities"])."""
    frame = pd.DataFrame(
        status.get("entities", []),
        columns=["entity", "delivered", "files", "rows_loaded", "rows_quarantined", "staging_rows",
                 "last_loaded_at", "needed_by"],
    )
    frame["delivered"] = frame["delivered"].map({True: "yes 已交付", False: "no 未交付"})
    return frame


def capabilities_frame(status: dict) -> pd.DataFrame:
    """Every capability: computed, a baseline, or not computed and why (status["capabilities"])."""
    from kernel.outcomes import STATUS_LABELS

    frame = pd.DataFrame(
        status.get("capabilities", []),
        columns=["area", "label", "status", "reason", "output_rows", "needs", "capability"],
    )
    frame["status"] = frame["status"].map(lambda s: STATUS_LABELS.get(s, s))
    return frame
