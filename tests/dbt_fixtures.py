"""Small raw-layer fixtures for the dbt tests: typed Parquet files for every contract entity.

Writes the layout the raw loaders write (``<raw_dir>/<system>/<entity>/*.parquet`` with an
empty ``0000_schema.parquet`` holding every column) so dbt can be built without the loaders:

- ``0001_first_load.parquet``: records 1..3 (record 3 with its optional fields empty);
- ``0002_second_load.parquet``, loaded a day later: record 1 again, plus a column the
  contract does not know (the loaders keep such keys as extra string columns).

For an entity with a version field, the second load carries an *older* version of record 1
(an out-of-order delta) and the first load's version must win; without a version field the
second load is a re-delivery and wins (except erp.invoices: the first-loaded invoice stands).
``FixtureExpectation`` says which.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from kernel.contracts import LINEAGE_COLUMNS, EntitySpec, FieldSpec, load_contract

RECORDS = (1, 2, 3)
FIRST_LOADED_AT = datetime(2025, 2, 1, 10, 0, 0)
SECOND_LOADED_AT = datetime(2025, 2, 2, 10, 0, 0)
BASE_EPOCH_MS = 1735689600000  # 2025-01-01 00:00:00 UTC
# entities whose first-loaded row of a key stands (a number issued once, issue 14)
FIRST_LOAD_STANDS = ("erp.invoices",)

ARROW_TYPES = {
    "string": pa.string(),
    "int64": pa.int64(),
    "decimal": pa.decimal128(18, 2),
    "float64": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
    "epoch_ms": pa.int64(),
    "timestamp": pa.timestamp("us"),
    "timestamp_utc": pa.timestamp("us"),
}
LINEAGE_TYPES = {
    "_source_file": pa.string(),
    "_row_number": pa.int64(),
    "_load_id": pa.string(),
    "_loaded_at": pa.timestamp("us"),
    "_file_hash": pa.string(),
}


@dataclass(frozen=True)
class FixtureExpectation:
    entity: EntitySpec
    distinct_keys: int
    winning_file: str  # source_file of record 1 in staging
    losing_file: str


def schema_of(entity: EntitySpec) -> pa.Schema:
    fields = [pa.field(f.name, ARROW_TYPES[f.type]) for f in entity.fields]
    fields += [pa.field(p, pa.string()) for p in entity.path_field_names]
    fields += [pa.field(entity.delete_marker, pa.bool_())] if entity.delete_marker else []
    fields += [pa.field(c, LINEAGE_TYPES[c]) for c in LINEAGE_COLUMNS]
    return pa.schema(fields)


def _looks_like_reference(name: str) -> bool:
    lowered = name.lower()
    return lowered.endswith(("id", "_no", "no", "code")) or lowered in ("queue", "team")


def field_value(entity: EntitySpec, f: FieldSpec, record: int, version_days: int = 0):
    """A value of the field's type for a record; references point at records 1..3."""
    if f.values:
        return f.values[(record - 1) % len(f.values)]
    if f.type == "string":
        if f.name in entity.key or _looks_like_reference(f.name):
            return f"{f.name}-{record}"
        return f"测试{f.name}{record}号"  # Chinese text must pass unchanged
    if f.type == "int64":
        return record
    if f.type == "decimal":
        if f.max is not None and f.max <= 1:
            return Decimal("0.05") * record
        return Decimal(f"{record * 1000}.50")
    if f.type == "float64":
        return 1.5 * record
    if f.type == "bool":
        return record % 2 == 1
    if f.type == "date":
        return date(2025, 1, record)
    if f.type == "epoch_ms":
        return BASE_EPOCH_MS + record * 3_600_000 + version_days * 86_400_000
    if f.type in ("timestamp", "timestamp_utc"):
        return datetime(2025, 1, record, 9, 30) + timedelta(days=version_days)
    raise ValueError(f"no fixture value for type {f.type}")


def _row(entity: EntitySpec, record: int, version_days: int, lineage: dict) -> dict:
    row = {}
    for f in entity.fields:
        optional = not f.required and f.name not in entity.key
        if record == 3 and optional:
            row[f.name] = None
            continue
        days = version_days if f.name == entity.version else 0
        row[f.name] = field_value(entity, f, record, days)
    for p in entity.path_field_names:
        row[p] = f"{p}-{record}"
    return {**row, **lineage}


def write_entity(raw_dir: Path, entity: EntitySpec) -> FixtureExpectation:
    folder = Path(raw_dir) / entity.system / entity.name
    folder.mkdir(parents=True, exist_ok=True)
    schema = schema_of(entity)
    pq.write_table(schema.empty_table(), folder / "0000_schema.parquet")

    first_file = f"{entity.system}/{entity.name}/first/page_1"
    second_file = f"{entity.system}/{entity.name}/second/page_1"

    def lineage(source_file: str, row_number: int, load: int, loaded_at: datetime) -> dict:
        return {
            "_source_file": source_file,
            "_row_number": row_number,
            "_load_id": f"load-{load}",
            "_loaded_at": loaded_at,
            "_file_hash": f"hash-{load}",
        }

    # Record 1's version in the first load is two days newer than the one the second load
    # brings (when the entity has a version field at all).
    first = [
        _row(entity, r, 2 if r == 1 else 0, lineage(first_file, i, 1, FIRST_LOADED_AT))
        for i, r in enumerate(RECORDS, start=1)
    ]
    pq.write_table(pa.Table.from_pylist(first, schema=schema), folder / "0001_first_load.parquet")

    second = [_row(entity, 1, 1, lineage(second_file, 1, 2, SECOND_LOADED_AT))]
    second_schema = schema.append(pa.field("unexpectedField", pa.string()))
    second[0]["unexpectedField"] = "额外字段"
    pq.write_table(
        pa.Table.from_pylist(second, schema=second_schema), folder / "0002_second_load.parquet"
    )

    first_wins = entity.version or entity.qualified_name in FIRST_LOAD_STANDS
    winner, loser = (first_file, second_file) if first_wins else (second_file, first_file)
    return FixtureExpectation(entity, len(RECORDS), winner, loser)


def write_raw_fixture(raw_dir: Path) -> dict[str, FixtureExpectation]:
    """Write fixtures for every contract entity; returns what staging should make of them.

    The operational store's tables get their empty schema files only (as before any entry).
    """
    from pipelines.sources.operational.extract import write_schema_files

    write_schema_files(raw_dir)
    return {name: write_entity(raw_dir, e) for name, e in load_contract().items()}
