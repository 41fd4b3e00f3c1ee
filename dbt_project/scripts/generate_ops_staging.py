"""Write models/staging/ops/ from the operational store's SQLAlchemy models.

The store (operational/models) changes with the entry screens; its staging layer is pure
mechanics (one model per extracted table: rename ``id``, cast, keep the latest version, leave
soft-deleted rows out), so it is generated rather than hand-kept, and committed so that dbt,
Spark and reviewers see it without running Python. The mechanics live once, in
macros/ops_staging.sql, which casts each column to the ``data_type`` written here into
_ops__sources.yml; each model is a one-line call of it naming the table and its key. Every file it writes says so in its first
lines. tests/test_ops_extraction.py fails when a store model changed and this was not rerun:

    python dbt_project/scripts/generate_ops_staging.py

Only this folder is generated: the extracts' staging models and the unioned models
(models/intermediate/unioned) are hand-owned.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import sqlalchemy as sa
import yaml

from kernel.contracts import LINEAGE_COLUMNS
from pipelines.sources.operational.extract import column_dtype, store_tables

PROJECT_DIR = Path(__file__).resolve().parents[1]
OPS_DIR = Path("models") / "staging" / "ops"
COMMAND = "python dbt_project/scripts/generate_ops_staging.py"
SQL_HEADER = f"-- GENERATED from operational/models: do not edit. Regenerate: {COMMAND}\n"
YAML_HEADER = f"# GENERATED from operational/models: do not edit. Regenerate: {COMMAND}\n"
RAW_LOCATION = (
    "read_parquet('{{{{ env_var('CRMLAKE_RAW_DIR', '../data/lakehouse/raw') }}}}/ops/{table}/"
    "*.parquet', union_by_name=true)"
)

# Store table -> the singular its ``id`` is named after, where dropping the "s" is wrong.
SINGULAR = {
    "opportunity_stage_history": "stage_change",  # as the CRM's staging names it
    "payment_installments": "installment",  # the CRM's receipts say installmentId
    "deliveries": "delivery",
    "deal_registrations": "registration",  # the partner portal's key is registration_id
}

# Column groups, in the order of the source's (and so the model's) columns, lineage last.
GROUPS = ("ids", "attributes", "flags", "amounts", "numbers", "dates", "timestamps", "lineage")
COMMON_DESCRIPTIONS = {
    "source_system": "System the row was entered in: always 'ops' (the operational store).",
    "version": "Optimistic-concurrency version of the row in the store (1 on insert, +1 per save).",
    "created_at": "When the row was created in the store, Asia/Shanghai local time.",
    "created_by": "App user (app_users.id) who created the row.",
    "updated_at": "When the row last changed in the store, Asia/Shanghai local time.",
    "updated_by": "App user (app_users.id) who last changed the row.",
    "deleted_at": "Soft-delete time in the store; always empty here (deleted rows are left out).",
}
RAW_LINEAGE = {  # raw column -> (staging name, data type, description); macros/ops_staging.sql
    "_source_file": (
        "source_file",
        "varchar",
        "Raw file of the extraction that carried the row (ops/<table>/<load>.parquet).",
    ),
    "_row_number": (
        "source_row_number",
        "bigint",
        "Position of the row in that file (1-based).",
    ),
    "_loaded_at": (
        "loaded_at",
        "timestamp",
        "When the raw loader loaded the file, Asia/Shanghai local time (raw keeps it in UTC); "
        "of two copies of the same version, the later load wins.",
    ),
}
RAW_LINEAGE_DESCRIPTIONS = {
    "_source_file": "Raw file of the extraction, relative to the raw dir.",
    "_row_number": "Position of the row in that file (1-based).",
    "_load_id": "Id of the extraction that wrote the row.",
    "_loaded_at": "When the extraction ran (UTC).",
    "_file_hash": "Digest of the rows the extraction wrote.",
}


@dataclass(frozen=True)
class Column:
    raw: str
    name: str
    data_type: str
    group: str
    description: str
    required: bool


def singular(table: str) -> str:
    if table in SINGULAR:
        return SINGULAR[table]
    return table[:-3] + "y" if table.endswith("ies") else table.removesuffix("s")


def _typed(column: sa.Column) -> tuple[str, str]:
    """(DuckDB data type, group) of a store column, via its raw Parquet type.

    macros/ops_staging.sql casts to the project's type macro of that data type.
    """
    dtype = column_dtype(column)
    if isinstance(dtype, pl.Decimal):
        return f"decimal({dtype.precision},{dtype.scale})", "amounts"
    return {
        pl.Int64: ("bigint", "numbers"),
        pl.Float64: ("double", "numbers"),
        pl.Boolean: ("boolean", "flags"),
        pl.Date: ("date", "dates"),
        pl.Datetime: ("timestamp", "timestamps"),
        pl.Utf8: ("varchar", "attributes"),
    }[dtype.base_type()]


def columns_of(table: sa.Table) -> list[Column]:
    """Staging columns of a store table in select-list order, lineage last."""
    key = f"{singular(table.name)}_id"
    if key in table.c.keys():
        raise ValueError(f"store table {table.name}: id would be renamed to {key}, which exists")
    cols = []
    for c in table.c:
        data_type, group = _typed(c)
        name = key if c.name == "id" else c.name
        if c.name in ("version", "source_system"):
            group = "attributes"
        elif c.name == "id" or name.endswith(("_id", "_no", "_code")):
            group = "ids"
        if c.name == "id":
            text = (
                f"Store record id of the {singular(table.name).replace('_', ' ')} (primary key; "
                "store ids start at 9,000,000,000,000,000)."
            )
        else:
            text = COMMON_DESCRIPTIONS.get(c.name) or name.replace("_", " ").capitalize() + "."
        cols.append(
            Column(
                raw=c.name,
                name=name,
                data_type=data_type,
                group=group,
                description=f"{text} Store column `{c.name}`.",
                required=c.name == "id" or not c.nullable,
            )
        )
    for raw, (name, data_type, text) in RAW_LINEAGE.items():
        cols.append(Column(raw, name, data_type, "lineage", text, required=True))
    return sorted(cols, key=lambda c: (GROUPS.index(c.group), c.raw != "id"))


def model_sql(table: sa.Table) -> str:
    key = f"{singular(table.name)}_id"
    return f"""\
{SQL_HEADER}-- ops.{table.name}: rows of the operational store's table {table.name} (entry screens), as
-- extracted into raw/ops. One row per {key}: the latest version; soft-deleted rows left out.
{{{{ ops_staging('{table.name}', key='{key}') }}}}
"""


def source_table(table: sa.Table) -> dict:
    columns = [
        {
            "name": c.raw,
            "description": "Store record id (primary key)." if c.raw == "id" else c.description,
            "data_type": c.data_type,
        }
        for c in columns_of(table)
        if c.group != "lineage"
    ]
    columns.append(
        {
            "name": "_op",
            "description": "What the extraction saw: insert (version 1), update, or delete "
            "(deleted_at set).",
            "data_type": "varchar",
        }
    )
    for raw in LINEAGE_COLUMNS:
        data_type = {"_row_number": "bigint", "_loaded_at": "timestamp"}.get(raw, "varchar")
        columns.append(
            {"name": raw, "description": RAW_LINEAGE_DESCRIPTIONS[raw], "data_type": data_type}
        )
    return {
        "name": table.name,
        "description": f"Changes of store table {table.name}: one Parquet file per extraction, "
        "every row version extracted (inserts, updates, soft deletes); key id, versions ordered "
        "by version.",
        "config": {"meta": {"external_location": RAW_LOCATION.format(table=table.name)}},
        "columns": columns,
    }


def model_entry(table: sa.Table) -> dict:
    key = f"{singular(table.name)}_id"
    columns = []
    for c in columns_of(table):
        tests: list = ["unique"] if c.name == key else []
        tests += ["not_null"] if c.required else []
        if c.name == "source_system":
            tests.append(
                {"accepted_values": {"arguments": {"values": ["ops"]}, "config": {"severity": "warn"}}}
            )
        item: dict = {"name": c.name, "description": c.description, "data_type": c.data_type}
        if tests:
            item["data_tests"] = tests
        columns.append(item)
    return {
        "name": f"stg_ops__{table.name}",
        "description": f"Rows of the store's table {table.name}: one row per {key}, the latest "
        "version extracted, soft-deleted rows left out.",
        "columns": columns,
    }


class _Dumper(yaml.SafeDumper):
    """dbt-style YAML: list items indented under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)


_Dumper.add_multi_representer(str, yaml.SafeDumper.represent_str)  # SQLAlchemy's quoted names


def dump_yaml(doc: dict) -> str:
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


SOURCES_NOTE = """\
# Sources of the operational store: the changes pipelines/sources/operational extracts into
# $CRMLAKE_RAW_DIR/ops/<table>/*.parquet (an empty, typed 0000_schema.parquet in every folder,
# so the sources exist before the store has data).
"""
MODELS_NOTE = """\
# Staging models of the operational store: one per extracted table, the latest version of each
# row, soft-deleted rows left out. models/intermediate/unioned joins them with the extracts'
# rows of the same entities (store ids start at 9e15: the unique tests there prove no collision).
"""


def planned_files() -> dict[Path, str]:
    """Relative path -> content of every file of models/staging/ops."""
    tables = store_tables()
    sources = {
        "sources": [
            {
                "name": "ops",
                "description": "Operational store (the entry screens' database, "
                "operational/models), read by change extraction.",
                "loader": "pipelines/sources/operational (change extraction to Parquet)",
                "tables": [source_table(t) for t in tables],
            }
        ]
    }
    files = {
        OPS_DIR / "_ops__sources.yml": YAML_HEADER + SOURCES_NOTE + "\n" + dump_yaml(sources),
        OPS_DIR / "_ops__models.yml": YAML_HEADER
        + MODELS_NOTE
        + "\n"
        + dump_yaml({"models": [model_entry(t) for t in tables]}),
    }
    files |= {OPS_DIR / f"stg_ops__{t.name}.sql": model_sql(t) for t in tables}
    return files


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR)
    args = parser.parse_args(argv)
    files = planned_files()
    folder = args.project_dir / OPS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for stale in set(folder.iterdir()) - {args.project_dir / rel for rel in files}:
        stale.unlink()  # a store table that is gone takes its model with it
        print(f"removed {stale.relative_to(args.project_dir)}")
    for rel, content in files.items():
        (args.project_dir / rel).write_text(content, encoding="utf-8")
    print(f"wrote {len(files)} files to {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
