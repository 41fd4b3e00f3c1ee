"""Publish a consistent, read-only snapshot of the warehouse for apps and analysts.

DuckDB allows one writer or many readers per file, never both. So the pipeline alone opens
``warehouse.duckdb``; after a run's blocking checks pass it copies the checkpointed file next
to the published one and swaps it in with an atomic rename. Readers that have the old file
open keep reading the old snapshot; new connections see the new one; a failed or killed run
never touches the published file, so the last good snapshot keeps serving.

The published file and its history copies are read-only on disk (0444): an analyst who forgets
``-readonly`` gets an error instead of changing what the apps serve, or taking the write lock
every app reader would then wait on. The rename replaces a read-only file fine on POSIX.

``meta.publish_log`` only lists publishes that happened. The warehouse keeps the log of
completed publishes; a run appends its own row there only *after* its swap succeeded. The
snapshot being published carries that log plus its own row, written into the copy alone, so a
publish killed before its swap appears nowhere. (Killed in the instant between the swap and
the append, it is missing from later snapshots' logs: never listed when it did not happen.)
A killed publish's half-written copy is removed, with a log line, when the next publish starts.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from kernel.engine import Engine
from kernel.outcomes import refresh_capability_tables
from kernel.publish_status import MANIFEST_NAME
from kernel.settings import Settings
from pipelines import duckdb_session
from pipelines.file_lock import file_lock
from pipelines.ingest.landing import IGNORED_SCHEMA
from pipelines.ingest.layout import IGNORED_FILES_NAME, ignored_files_path
from pipelines.spark.publish import create_table_macros, materialize_mirror, relation_counts

log = logging.getLogger("crmlake.publish")

KEEP_PREVIOUS_SNAPSHOTS = 3
READ_ONLY = 0o444  # the published file and its history: see the module docstring
TMP_GLOBS = (".crmlake.duckdb.*.tmp", ".crmlake.duckdb.*.tmp.wal")  # a copy, and its DuckDB log


@dataclass
class PublishResult:
    published_database: Path
    published_at: str
    run_id: str
    tables: dict[str, int]
    seconds: float


def _glob_has_files(folder: Path, pattern: str) -> bool:
    return folder.exists() and any(folder.glob(pattern))


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def refresh_meta_tables(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Load ledger, quarantine and ignored landing files (Parquet beside the raw layer) into
    schema ``meta``."""
    con.execute("create schema if not exists meta")
    ledgers = sorted(
        p.as_posix()
        for p in (settings.ledger_dir.glob("*.parquet") if settings.ledger_dir.exists() else [])
        if p.name != IGNORED_FILES_NAME
    )
    if ledgers:
        con.execute(
            "create or replace table meta.loads as select * from read_parquet("
            f"[{', '.join(map(_sql_text, ledgers))}], union_by_name=true, filename=true)"
        )
    _refresh_ignored_files(con, settings)
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


def _refresh_ignored_files(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """``meta.ignored_files (path, reason)``: landing files not loaded (pipelines/ingest/landing.py).

    Always present, empty when the ingest step has not scanned the landing zone yet.
    """
    columns = ", ".join(f"{name} varchar" for name in IGNORED_SCHEMA)
    source = ignored_files_path(settings)
    if source.exists():
        names = ", ".join(f"{name}::varchar as {name}" for name in IGNORED_SCHEMA)
        con.execute(
            f"create or replace table meta.ignored_files as select {names} "
            f"from read_parquet({_sql_text(source.as_posix())}) order by path"
        )
    else:
        con.execute(f"create or replace table meta.ignored_files ({columns})")


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


def _writable_on_windows(path: Path) -> None:
    """Windows refuses to replace or delete a read-only file; POSIX only asks the folder."""
    if os.name == "nt" and path.exists():
        os.chmod(path, 0o644)


def _keep_previous(settings: Settings) -> None:
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
            os.chmod(target, READ_ONLY)
    for old in sorted(history.glob("crmlake-*.duckdb"))[:-KEEP_PREVIOUS_SNAPSHOTS]:
        _writable_on_windows(old)
        old.unlink(missing_ok=True)


@contextmanager
def _publish_lock(settings: Settings, *, wait: bool = True) -> Iterator[bool]:
    """One publish at a time, so a starting publish may delete every other temporary copy."""
    with file_lock(settings.published_dir / ".publish.lock", wait=wait) as held:
        yield held


def _remove_stale_temporaries(settings: Settings) -> None:
    """The half-written copies of killed publishes (callers hold the publish lock)."""
    for pattern in TMP_GLOBS:
        for stale in settings.published_dir.glob(pattern):
            stale.unlink(missing_ok=True)
            log.info("removed stale temporary file %s (a killed publish's)", stale)


def remove_stale_publish_temporaries(settings: Settings) -> None:
    """At the start of every run: the copies a killed publish left, unless a publish is running.

    A run that fails before it publishes would otherwise leave them until the next publish.
    """
    if not settings.published_dir.is_dir():
        return
    with _publish_lock(settings, wait=False) as held:
        if held:  # else a publish of another run is under way: its copy is not stale
            _remove_stale_temporaries(settings)


def _log_row(run_id: str, published_at: datetime, counts: dict[str, int]) -> list:
    return [run_id, published_at, len(counts), sum(counts.values())]


def publish_snapshot(settings: Settings, run_id: str, engine: Engine = "duckdb") -> PublishResult:
    """Copy the warehouse to the published path atomically; return what was published.

    On Spark the warehouse file is a mirror of views over Spark's Parquet tables, so its
    relations are materialized into the copy instead (pipelines/spark/publish.py).
    """
    started = time.perf_counter()
    settings.published_dir.mkdir(parents=True, exist_ok=True)
    with _publish_lock(settings):
        _remove_stale_temporaries(settings)
        counts, log_row = _swap_in_new_snapshot(settings, run_id, engine)
    # only now is it published: the next snapshots list it (see the module docstring)
    with duckdb_session.connect(str(settings.warehouse_path)) as con:
        con.execute("insert into meta.publish_log values (?, ?, ?, ?)", log_row)

    result = PublishResult(
        published_database=settings.published_database,
        published_at=log_row[1].isoformat(timespec="seconds") + "Z",
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


def _swap_in_new_snapshot(
    settings: Settings, run_id: str, engine: Engine
) -> tuple[dict[str, int], list]:
    """Copy, check and rename the warehouse into place; (table counts, this publish's log row)."""
    published_at = datetime.now(UTC).replace(tzinfo=None)
    tmp = settings.published_dir / f".crmlake.duckdb.{run_id}.tmp"
    with duckdb_session.connect(str(settings.warehouse_path)) as con:
        refresh_meta_tables(con, settings)
        refresh_capability_tables(con)
        counts = relation_counts(con) if engine == "spark" else table_counts(con)
        con.execute("checkpoint")
        if engine == "spark":
            materialize_mirror(con, tmp)
    log_row = _log_row(run_id, published_at, counts)
    try:
        if engine != "spark":
            shutil.copyfile(settings.warehouse_path, tmp)
        else:  # the table macros the DuckDB build's copy carries (finance.ar_aging_at, ...)
            create_table_macros(tmp, settings)
        with duckdb_session.connect(str(tmp)) as copy:  # this snapshot's own row: in the copy only
            copy.execute("insert into meta.publish_log values (?, ?, ?, ?)", log_row)
        counts["meta.publish_log"] = counts.get("meta.publish_log", 0) + 1
        with duckdb_session.connect(str(tmp), read_only=True) as check:
            copied = table_counts(check)
        if copied != counts:
            raise RuntimeError(f"published copy differs from the warehouse: {tmp}")
        os.chmod(tmp, READ_ONLY)
        _keep_previous(settings)
        _writable_on_windows(settings.published_database)
        os.replace(tmp, settings.published_database)
    finally:
        tmp.unlink(missing_ok=True)
        tmp.with_name(f"{tmp.name}.wal").unlink(missing_ok=True)
    return counts, log_row
