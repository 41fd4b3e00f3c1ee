"""Publish a consistent, read-only snapshot of the warehouse for apps and analysts.

DuckDB allows one writer or many readers per file, never both. So the pipeline alone opens
``warehouse.duckdb``; after a run's blocking checks pass it copies the checkpointed file next
to the published one and swaps it in with an atomic rename. Readers that have the old file
open keep reading the old snapshot; new connections see the new one; a failed or killed run
never touches the published file, so the last good snapshot keeps serving.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.engine import Engine
from pipelines.outcomes import refresh_capability_tables
from pipelines.settings import Settings
from pipelines.spark.publish import materialize_mirror, relation_counts

log = logging.getLogger("crmlake.publish")

KEEP_PREVIOUS_SNAPSHOTS = 3
MANIFEST_NAME = "manifest.json"


@dataclass
class PublishResult:
    published_database: Path
    published_at: str
    run_id: str
    tables: dict[str, int]
    seconds: float


def _glob_has_files(folder: Path, pattern: str) -> bool:
    return folder.exists() and any(folder.glob(pattern))


def refresh_meta_tables(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Load ledger and quarantine (kept as Parquet beside the raw layer) into schema ``meta``."""
    con.execute("create schema if not exists meta")
    if _glob_has_files(settings.ledger_dir, "*.parquet"):
        con.execute(
            "create or replace table meta.loads as "
            f"select * from read_parquet('{settings.ledger_dir}/*.parquet', union_by_name=true, filename=true)"
        )
    if _glob_has_files(settings.quarantine_dir, "*/*/*.parquet"):
        con.execute(
            "create or replace table meta.quarantine as "
            f"select * from read_parquet('{settings.quarantine_dir}/*/*/*.parquet', union_by_name=true, filename=true)"
        )
        con.execute(
            """
            create or replace table meta.quarantine_summary as
            select
                split_part(replace(filename, '\\', '/'), '/', -3) as system,
                split_part(replace(filename, '\\', '/'), '/', -2) as entity,
                _source_file as source_file,
                field,
                count(*) as rows,
                min(reason) as example_reason
            from meta.quarantine
            group by all
            order by system, entity, source_file, field
            """
        )
    con.execute(
        """
        create table if not exists meta.publish_log (
            run_id varchar, published_at timestamp, tables integer, total_rows bigint
        )
        """
    )


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Exact row counts of every base table, keyed ``schema.table``."""
    names = con.execute(
        """
        select table_schema, table_name from information_schema.tables
        where table_type = 'BASE TABLE' and table_catalog = current_database()
        order by 1, 2
        """
    ).fetchall()
    counts = {}
    for schema, table in names:
        counts[f"{schema}.{table}"] = con.execute(
            f'select count(*) from "{schema}"."{table}"'
        ).fetchone()[0]
    return counts


def _write_json_atomic(path: Path, payload: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def _keep_previous(settings: Settings, published_at: str) -> None:
    """Keep the outgoing snapshot (a hard link, no copy) for rollback; prune old ones."""
    current = settings.published_database
    if not current.exists():
        return
    history = settings.published_dir / "history"
    history.mkdir(exist_ok=True)
    stamp = datetime.fromtimestamp(current.stat().st_mtime, UTC).strftime("%Y%m%dT%H%M%S%f")
    target = history / f"crmlake-{stamp}.duckdb"
    if not target.exists():
        try:
            os.link(current, target)
        except OSError:
            shutil.copyfile(current, target)
    for old in sorted(history.glob("crmlake-*.duckdb"))[:-KEEP_PREVIOUS_SNAPSHOTS]:
        old.unlink(missing_ok=True)


def publish_snapshot(settings: Settings, run_id: str, engine: Engine = "duckdb") -> PublishResult:
    """Copy the warehouse to the published path atomically; return what was published.

    On Spark the warehouse file is a mirror of views over Spark's Parquet tables, so its
    relations are materialized into the copy instead (pipelines/spark/publish.py).
    """
    started = time.perf_counter()
    settings.published_dir.mkdir(parents=True, exist_ok=True)
    for stale in settings.published_dir.glob(".crmlake.duckdb.*.tmp"):  # left by a killed run
        stale.unlink(missing_ok=True)
    published_at = datetime.now(UTC).replace(tzinfo=None)

    tmp = settings.published_dir / f".crmlake.duckdb.{run_id}.tmp"
    with duckdb.connect(str(settings.warehouse_path)) as con:
        refresh_meta_tables(con, settings)
        refresh_capability_tables(con)
        counts = relation_counts(con) if engine == "spark" else table_counts(con)
        con.execute(
            "insert into meta.publish_log values (?, ?, ?, ?)",
            [run_id, published_at, len(counts), sum(counts.values())],
        )
        counts["meta.publish_log"] = counts.get("meta.publish_log", 0) + 1
        con.execute("checkpoint")
        if engine == "spark":
            materialize_mirror(con, tmp)

    try:
        if engine != "spark":
            shutil.copyfile(settings.warehouse_path, tmp)
        with duckdb.connect(str(tmp), read_only=True) as check:
            copied = table_counts(check)
        if copied != counts:
            raise RuntimeError(f"published copy differs from the warehouse: {tmp}")
        _keep_previous(settings, published_at.isoformat())
        os.replace(tmp, settings.published_database)
    finally:
        tmp.unlink(missing_ok=True)

    result = PublishResult(
        published_database=settings.published_database,
        published_at=published_at.isoformat(timespec="seconds") + "Z",
        run_id=run_id,
        tables=counts,
        seconds=round(time.perf_counter() - started, 3),
    )
    _write_json_atomic(
        settings.published_dir / MANIFEST_NAME,
        {
            "published_database": str(result.published_database),
            "published_at": result.published_at,
            "run_id": run_id,
            "tables": counts,
        },
    )
    log.info(
        "published %s tables (%s rows) to %s in %.1fs",
        len(counts),
        sum(counts.values()),
        result.published_database,
        result.seconds,
    )
    return result
