"""Publish on Spark: materialize the DuckDB mirror into the snapshot file the apps open.

On DuckDB the snapshot is a byte copy of the warehouse. On Spark the warehouse file holds
views over Spark's Parquet tables (pipelines/spark/mirror.py) plus the Python assets' tables;
a copy of it would keep pointing at files the next run rewrites. So every view and table is
copied as a table into a fresh DuckDB file: the same schemas, names and types the apps read
on DuckDB, one self-contained snapshot.

The warehouse's table macros (``finance.ar_aging_at``, ``sales.pipeline_as_of``, ...) are not
relations, and dbt-spark cannot create them: :func:`create_table_macros` runs the same dbt
macros that the DuckDB build's on-run-end hook runs, on the DuckDB target, against the new file.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from kernel.settings import Settings
from pipelines.dbt.project import DBT_PROJECT_DIR

log = logging.getLogger("crmlake.publish")

# The dbt macros that create the warehouse's table macros: the on-run-end hook of
# dbt_project.yml, which runs them on the DuckDB target only.
TABLE_MACRO_HOOKS = ("finance_table_macros", "sales_table_macros")


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


def create_table_macros(snapshot: Path, settings: Settings) -> None:
    """Create the warehouse table macros in the materialized ``snapshot`` from the dbt macros.

    One ``dbt compile --inline`` on the DuckDB target with the warehouse path pointed at
    ``snapshot``: compiling the inline call runs the hooks (they create the macros with
    run_query) without building anything, in one dbt parse. Its manifest and logs go to a
    scratch folder so the Spark build's manifest is left alone.
    """
    started = time.perf_counter()
    dbt = Path(sys.executable).parent / "dbt"
    inline = "".join(f"{{{{ {hook}() }}}}" for hook in TABLE_MACRO_HOOKS)
    with tempfile.TemporaryDirectory(prefix="crmlake-table-macros-") as scratch:
        env = {
            **os.environ,
            **settings.as_env(),
            "CRMLAKE_ENGINE": "duckdb",
            "CRMLAKE_WAREHOUSE_PATH": str(snapshot),
            "DBT_LOG_PATH": scratch,
        }
        done = subprocess.run(
            [str(dbt) if dbt.exists() else "dbt", "compile", "--inline", inline,
             "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
             "--target", "duckdb", "--target-path", scratch, "--no-partial-parse"],
            cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True,
        )
    if done.returncode != 0:
        raise RuntimeError(
            f"dbt could not create the table macros in {snapshot}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    with duckdb.connect(str(snapshot), read_only=True) as con:
        created = [f"{schema}.{name}" for schema, name in con.execute(
            "select schema_name, function_name from duckdb_functions() "
            "where function_type = 'table_macro' and not internal order by 1, 2").fetchall()]
    log.info("table macros %s created in the Spark snapshot by dbt (%s) in %.1fs",
             ", ".join(created) or "(none: their tables are missing)",
             ", ".join(TABLE_MACRO_HOOKS), time.perf_counter() - started)
