"""Prove two published snapshots hold the same marts: DuckDB's and Spark's (issue 8).

Set-based in DuckDB: both snapshot files are attached read-only and, per table, every column
is normalized to the figure the business reads, then the two row multisets are compared with
EXCEPT ALL in both directions. Normalization, and nothing looser:

- integers (counts, business minutes, ids) compare exactly, whatever their width;
- decimals and doubles compare rounded to 6 places -- money (decimal(18,2)) therefore to the
  cent and below; engines differ only in the last bits of a double;
- dates and timestamps compare as timestamps (a date_trunc may give a date on one engine and a
  midnight timestamp on the other; the instant is what must agree);
- everything else (text, booleans) exactly.

A table missing on one side, a column missing, a column of another kind, a row-count
difference or any row in one and not the other is a :class:`Difference`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

INTEGER = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
           "UINTEGER", "UBIGINT", "UHUGEINT")
FRACTIONAL = ("FLOAT", "DOUBLE", "REAL")
TEMPORAL = ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_NS", "TIMESTAMP_MS",
            "TIMESTAMP_S")
SAMPLE_ROWS = 5


@dataclass
class Difference:
    table: str
    problem: str
    only_in_left: list[tuple] = field(default_factory=list)
    only_in_right: list[tuple] = field(default_factory=list)

    def __str__(self) -> str:
        text = f"{self.table}: {self.problem}"
        for side, rows in (("left only", self.only_in_left), ("right only", self.only_in_right)):
            text += "".join(f"\n    {side}: {row}" for row in rows)
        return text


def kind_of(data_type: str) -> str:
    """The family a column is compared in: integer, number, temporal or the type itself."""
    upper = data_type.upper()
    if upper in INTEGER:
        return "integer"
    if upper.startswith("DECIMAL") or upper in FRACTIONAL:
        return "number"
    if upper in TEMPORAL:
        return "temporal"
    return upper


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def normalized(column: str, kind: str) -> str:
    col = _quote(column)
    if kind == "integer":
        return f"cast({col} as hugeint) as {col}"
    if kind == "number":
        return f"round(cast({col} as double), 6) as {col}"
    if kind == "temporal":
        return f"cast({col} as timestamp) as {col}"
    return col


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> dict:
    rows = con.execute(
        """
        select column_name, data_type from information_schema.columns
        where table_catalog = ? and table_schema = ? and table_name = ?
        order by ordinal_position
        """,
        [catalog, schema, table],
    ).fetchall()
    return {name.lower(): kind_of(data_type) for name, data_type in rows}


def tables_of(con: duckdb.DuckDBPyConnection, catalog: str, schemas: Iterable[str]) -> set[str]:
    rows = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_catalog = ? and list_contains(?, table_schema)",
        [catalog, list(schemas)],
    ).fetchall()
    return {name for (name,) in rows}


def compare_table(
    con: duckdb.DuckDBPyConnection, table: str, ignore_columns: Sequence[str] = ()
) -> Difference | None:
    """Compare ``table`` (``schema.name``) between the attached catalogs ``lhs`` and ``rhs``."""
    schema, name = table.split(".", 1)
    left = _columns(con, "lhs", schema, name)
    right = _columns(con, "rhs", schema, name)
    if set(left) != set(right):
        return Difference(table, f"columns differ: left only {sorted(set(left) - set(right))}, "
                                 f"right only {sorted(set(right) - set(left))}")
    kinds = {c: k for c, k in left.items() if right[c] != k}
    if kinds:
        return Difference(table, "column kinds differ: " + ", ".join(
            f"{c} {left[c]} vs {right[c]}" for c in kinds))
    columns = [c for c in left if c not in {i.lower() for i in ignore_columns}]
    select = ", ".join(normalized(c, left[c]) for c in columns)
    relation = f"{_quote(schema)}.{_quote(name)}"
    lhs = f"select {select} from lhs.{relation}"
    rhs = f"select {select} from rhs.{relation}"
    n_left = con.execute(f"select count(*) from lhs.{relation}").fetchone()[0]
    n_right = con.execute(f"select count(*) from rhs.{relation}").fetchone()[0]
    only_left = con.execute(f"({lhs}) except all ({rhs}) limit {SAMPLE_ROWS}").fetchall()
    only_right = con.execute(f"({rhs}) except all ({lhs}) limit {SAMPLE_ROWS}").fetchall()
    if n_left != n_right or only_left or only_right:
        missing = con.execute(f"select count(*) from (({lhs}) except all ({rhs}))").fetchone()[0]
        return Difference(table, f"rows {n_left} vs {n_right}, {missing} left rows unmatched "
                                 f"(columns {', '.join(columns)})", only_left, only_right)
    return None


def compare_snapshots(
    left: Path,
    right: Path,
    schemas: Sequence[str],
    ignore_columns: dict[str, Sequence[str]] | None = None,
) -> tuple[list[str], list[Difference]]:
    """Every table of ``schemas`` in both snapshot files; returns (tables compared, differences)."""
    ignore_columns = ignore_columns or {}
    with duckdb.connect() as con:
        con.execute(f"attach '{left}' as lhs (read_only)")
        con.execute(f"attach '{right}' as rhs (read_only)")
        lhs_tables = tables_of(con, "lhs", schemas)
        rhs_tables = tables_of(con, "rhs", schemas)
        differences = [Difference(t, "only in the left snapshot") for t in lhs_tables - rhs_tables]
        differences += [Difference(t, "only in the right snapshot") for t in rhs_tables - lhs_tables]
        compared = sorted(lhs_tables & rhs_tables)
        for table in compared:
            diff = compare_table(con, table, ignore_columns.get(table, ()))
            if diff:
                differences.append(diff)
    return compared, differences
