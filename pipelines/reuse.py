"""A Python asset whose input tables, code and settings are exactly those of its last successful
materialization keeps its tables instead of recomputing them.

Why: a run rebuilds everything downstream of what changed, and the graph is wide: a lead saved on
an entry screen reaches the win-probability model (four backtest fits and a final one) and the
payment-risk model through the as-of date and the unioned layers, although neither reads a lead.
dbt rebuilds their input tables with the same rows; this notices it and skips the fit. A model
that depends only on its inputs and fixed seeds gives the same tables again, so an incremental
run still publishes exactly what a full rebuild does (tests/test_incremental_equivalence.py).

The key is one aggregate per input table (row count and the sum of DuckDB's row hashes: order
does not matter, a duplicated row counts twice), the code and settings digests of
:mod:`pipelines.run_inputs` and the DuckDB version. ``crmlake run --full-refresh`` forgets every
key first. The row hash is not cryptographic: reuse saves work, it is not a security boundary
(the rows themselves come from the checked raw layer).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import duckdb

from kernel.settings import Settings


def reuse_dir(settings: Settings) -> Path:
    return settings.lakehouse_dir / "reuse"


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    return con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, name]
    ).fetchone()[0] > 0


def inputs_key(con: duckdb.DuckDBPyConnection, settings: Settings, tables: Iterable[str], extra: str = "") -> str | None:
    """The key of ``tables`` (``schema.name``) as they are now, and of ``extra`` (anything else the
    asset reads, as text); None if a table is missing."""
    from pipelines.run_inputs import code_fingerprint, settings_fingerprint

    digest = hashlib.sha256(
        f"{duckdb.__version__}|{code_fingerprint()}|{settings_fingerprint(settings)}|{extra}\n".encode()
    )
    for table in sorted(tables):
        if not _exists(con, table):
            return None
        rows, hashes = con.execute(f"select count(*), coalesce(sum(hash(t)::hugeint), 0) from {table} as t").fetchone()
        digest.update(f"{table}|{rows}|{hashes}\n".encode())
    return digest.hexdigest()


def _entry(settings: Settings, asset: str) -> Path:
    return reuse_dir(settings) / f"{asset}.json"


def reusable(con: duckdb.DuckDBPyConnection, settings: Settings, asset: str, key: str | None,
             outputs: Iterable[str]) -> dict | None:
    """What the last materialization of ``asset`` reported, if ``key`` is its key and its output
    tables are all still there; else None (compute)."""
    if key is None:
        return None
    try:
        entry = json.loads(_entry(settings, asset).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if entry.get("key") != key or not all(_exists(con, table) for table in outputs):
        return None
    return entry.get("metadata") or {}


def remember(settings: Settings, asset: str, key: str | None, metadata: dict) -> None:
    """Keep ``key`` (and the metadata to report again) after a successful materialization."""
    path = _entry(settings, asset)
    if key is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps({"key": key, "metadata": metadata}, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)


def forget_all(settings: Settings) -> None:
    """``--full-refresh``: every asset computes again."""
    shutil.rmtree(reuse_dir(settings), ignore_errors=True)


def run_or_reuse(con: duckdb.DuckDBPyConnection, settings: Settings, asset: str, *, inputs: Iterable[str],
                 outputs: Iterable[str], compute, extra: str = "") -> tuple[dict, bool]:
    """``compute()`` (which writes ``outputs`` and returns the metadata to report) unless the inputs
    are those of the last success; returns (metadata, reused). The key is forgotten before
    computing, so a run that fails half-way is never taken for a finished one."""
    inputs, outputs = list(inputs), list(outputs)
    key = inputs_key(con, settings, inputs, extra)
    metadata = reusable(con, settings, asset, key, outputs)
    if metadata is not None:
        return metadata, True
    _entry(settings, asset).unlink(missing_ok=True)
    metadata = compute()
    remember(settings, asset, key, metadata)
    return metadata, False
