"""Write a Python asset's result into the warehouse with fixed column types.

A model that falls back to its baseline or finds no input returns an empty or differently
inferred frame; casting every column to its declared type keeps the table's shape the same in
every case, so dbt models and apps downstream never see a column change type.
"""

from __future__ import annotations

import duckdb
import pandas as pd


def write_typed(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, columns: dict[str, str]) -> None:
    """Replace ``schema.table`` with ``frame`` cast to ``columns`` (name -> SQL type), in that order."""
    schema = table.split(".", 1)[0]
    con.execute(f"create schema if not exists {schema}")
    con.register("_typed_frame", frame.reindex(columns=list(columns)))
    try:
        select = ", ".join(f'cast("{c}" as {t}) as "{c}"' for c, t in columns.items())
        con.execute(f"create or replace table {table} as select {select} from _typed_frame")
    finally:
        con.unregister("_typed_frame")
