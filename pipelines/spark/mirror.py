"""The DuckDB side of a Spark run: the warehouse file mirrors what Spark built.

On ``CRMLAKE_ENGINE=spark`` dbt builds every model as a Parquet table under the Spark
warehouse dir. The Python assets between dbt models (ML scores, commission statements, QA
engine, company resolution) keep their code: they open ``warehouse.duckdb`` as on DuckDB, where

- :func:`refresh_mirror` (after each dbt step) has put one view per Spark table, so they read
  the marts Spark built, and
- the tables they write stay DuckDB tables, which :func:`export_python_tables` (before each dbt
  step) copies to Parquet under ``<lakehouse>/spark/exchange/<schema>/<table>/``, where the
  Spark target's ``source()`` reads them (``macros/engine/sources.sql``).

The publish step then materializes this mirror into the read-only snapshot, so the apps need
no change.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import duckdb

from kernel.settings import Settings
from pipelines.spark.paths import exchange_dir, spark_warehouse_dir

log = logging.getLogger("crmlake.spark")

SKIP_SCHEMAS = ("meta",)  # publish bookkeeping, not a Python asset's output


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def spark_tables(settings: Settings) -> dict[tuple[str, str], Path]:
    """Every table folder Spark wrote that holds Parquet files, keyed (schema, table)."""
    found = {}
    for db_dir in sorted(spark_warehouse_dir(settings).glob("*.db")):
        for table_dir in sorted(p for p in db_dir.iterdir() if p.is_dir()):
            if (table_dir / "_SUCCESS").exists() and any(table_dir.glob("*.parquet")):
                found[(db_dir.name.removesuffix(".db"), table_dir.name)] = table_dir
    return found


def remove_failed_writes(settings: Settings) -> list[str]:
    """Delete table folders a killed Spark write left behind (no ``_SUCCESS``, no catalog entry).

    Spark refuses to create a managed table over a non-empty folder (LOCATION_ALREADY_EXISTS),
    so one killed run would otherwise block every later build of that model.
    """
    removed = []
    for db_dir in spark_warehouse_dir(settings).glob("*.db"):
        for table_dir in (p for p in db_dir.iterdir() if p.is_dir()):
            if not (table_dir / "_SUCCESS").exists():
                shutil.rmtree(table_dir)
                removed.append(f"{db_dir.name}/{table_dir.name}")
    if removed:
        log.warning("removed unfinished Spark table folders: %s", ", ".join(removed))
    return removed


def _view_sql(con: duckdb.DuckDBPyConnection, folder: Path) -> str:
    """SELECT over a Spark table's files; Spark's zoned timestamps become local wall-clock.

    The Spark session runs in UTC and every business timestamp is a local wall-clock value
    (macros/timestamps.sql), so the UTC reading of the instant is the value DuckDB stores.
    """
    source = f"read_parquet('{folder}/*.parquet')"
    columns = con.execute(f"describe select * from {source}").fetchall()
    items = [
        f"timezone('UTC', {_quote(name)}) as {_quote(name)}"
        if kind == "TIMESTAMP WITH TIME ZONE"
        else _quote(name)
        for name, kind, *_ in columns
    ]
    return f"select {', '.join(items)} from {source}"


def _relation_kinds(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    rows = con.execute(
        """
        select table_schema, table_name, table_type from information_schema.tables
        where table_catalog = current_database()
        """
    ).fetchall()
    return {(schema, name): kind for schema, name, kind in rows}


def refresh_mirror(settings: Settings) -> int:
    """One view in ``warehouse.duckdb`` per Spark table (replacing stale ones); returns the count."""
    tables = spark_tables(settings)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        kinds = _relation_kinds(con)
        for (schema, table), folder in tables.items():
            name = f"{_quote(schema)}.{_quote(table)}"
            con.execute(f"create schema if not exists {_quote(schema)}")
            if kinds.get((schema, table)) == "BASE TABLE":  # left by a DuckDB run here
                con.execute(f"drop table {name}")
            con.execute(f"create or replace view {name} as {_view_sql(con, folder)}")
        for (schema, table), kind in kinds.items():  # a model Spark no longer has
            if kind == "VIEW" and (schema, table) not in tables and schema not in SKIP_SCHEMAS:
                con.execute(f"drop view {_quote(schema)}.{_quote(table)}")
    log.info("mirrored %d Spark tables into %s", len(tables), settings.warehouse_path)
    return len(tables)


def python_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Base tables of the mirror: on Spark only the Python assets write tables there."""
    return sorted(
        key
        for key, kind in _relation_kinds(con).items()
        if kind == "BASE TABLE" and key[0] not in SKIP_SCHEMAS
    )


def export_python_tables(settings: Settings) -> list[str]:
    """Copy every Python-asset table to ``exchange/<schema>/<table>/data.parquet`` for Spark."""
    if not settings.warehouse_path.exists():
        return []
    root = exchange_dir(settings)
    exported = []
    with duckdb.connect(str(settings.warehouse_path)) as con:
        for schema, table in python_tables(con):
            target = root / schema / table
            staging = root / schema / f".{table}.tmp"
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir(parents=True)
            con.execute(
                f"copy (select * from {_quote(schema)}.{_quote(table)}) "
                f"to '{staging / 'data.parquet'}' (format parquet)"
            )
            shutil.rmtree(target, ignore_errors=True)
            staging.rename(target)
            exported.append(f"{schema}.{table}")
    log.info("exported %d Python tables for Spark: %s", len(exported), ", ".join(exported))
    return exported
