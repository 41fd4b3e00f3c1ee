"""Publish on Spark: materialize the DuckDB mirror into the snapshot file the apps open.

On DuckDB the snapshot is a byte copy of the warehouse. On Spark the warehouse file holds
views over Spark's Parquet tables (pipelines/spark/mirror.py) plus the Python assets' tables;
a copy of it would keep pointing at files the next run rewrites. So every view and table is
copied as a table into a fresh DuckDB file: the same schemas, names and types the apps read
on DuckDB, one self-contained snapshot.
"""

from __future__ import annotations

from pathlib import Path

import duckdb


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def relation_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row counts of every table and view of the current database, keyed ``schema.table``."""
    names = con.execute(
        """
        select table_schema, table_name from information_schema.tables
        where table_catalog = current_database()
        order by 1, 2
        """
    ).fetchall()
    return {
        f"{schema}.{table}": con.execute(
            f"select count(*) from {_quote(schema)}.{_quote(table)}"
        ).fetchone()[0]
        for schema, table in names
    }


def materialize_mirror(con: duckdb.DuckDBPyConnection, target: Path) -> None:
    """Copy every relation of the open mirror ``con`` as a table into a new file ``target``."""
    target.unlink(missing_ok=True)
    con.execute(f"attach '{target}' as snapshot")
    try:
        names = con.execute(
            """
            select table_schema, table_name from information_schema.tables
            where table_catalog = current_database()
            order by 1, 2
            """
        ).fetchall()
        for schema in sorted({s for s, _ in names}):
            con.execute(f"create schema if not exists snapshot.{_quote(schema)}")
        for schema, table in names:
            name = f"{_quote(schema)}.{_quote(table)}"
            con.execute(f"create table snapshot.{name} as select * from {name}")
    finally:
        con.execute("detach snapshot")
