"""Where the raw layer, the quarantine and the ledger live, and how files get there safely.

One Parquet file per landing file, named after the landing path, so a corrected re-delivery
replaces exactly its own data and a Spark or DuckDB glob over the entity folder sees every
version of every record. ``0000_schema.parquet`` is an empty file with every contract column so
that ``read_parquet('<dir>/*.parquet', union_by_name=true)`` always has the full schema, even
before the first delivery. Every write goes to a hidden temporary name first and is renamed
into place, so a killed run never leaves half a file behind.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path, PurePosixPath

import polars as pl

from kernel.contracts import LINEAGE_COLUMNS, EntitySpec
from kernel.settings import Settings
from pipelines.ingest.casting import TIME_UNIT, field_schema

SCHEMA_FILE = "0000_schema.parquet"
TMP_SUFFIX = ".tmp"
IGNORED_FILES_NAME = "ignored_files.parquet"

LINEAGE_SCHEMA: dict[str, pl.DataType] = {
    "_source_file": pl.Utf8(),
    "_row_number": pl.Int64(),
    "_load_id": pl.Utf8(),
    "_loaded_at": pl.Datetime(TIME_UNIT),  # UTC, naive like every other UTC column in raw
    "_file_hash": pl.Utf8(),
}
assert tuple(LINEAGE_SCHEMA) == LINEAGE_COLUMNS

QUARANTINE_SCHEMA: dict[str, pl.DataType] = LINEAGE_SCHEMA | {
    "field": pl.Utf8(),
    "reason": pl.Utf8(),
    "raw_record": pl.Utf8(),
}


def raw_dir_of(spec: EntitySpec, settings: Settings) -> Path:
    """``raw_dir/<system>/<entity>``: one Parquet per landing file plus the schema file."""
    return settings.raw_dir / spec.system / spec.name


def quarantine_dir_of(spec: EntitySpec, settings: Settings) -> Path:
    return settings.quarantine_dir / spec.system / spec.name


def raw_glob(spec: EntitySpec, settings: Settings) -> str:
    """Glob dbt/Spark read the raw table with, e.g. ``.../raw/crm/accounts/*.parquet``."""
    return (raw_dir_of(spec, settings) / "*.parquet").as_posix()


def quarantine_glob(spec: EntitySpec, settings: Settings) -> str:
    return (quarantine_dir_of(spec, settings) / "*.parquet").as_posix()


def ledger_path(spec: EntitySpec, settings: Settings) -> Path:
    return settings.ledger_dir / f"{spec.raw_table}.parquet"


def ignored_files_path(settings: Settings) -> Path:
    """Landing files that are not loaded, and why (rewritten by every landing-zone scan).

    Next to the ledgers because it answers the same question ("what happened to my file?"),
    but it is not a ledger: publish keeps it out of ``meta.loads``.
    """
    return settings.ledger_dir / IGNORED_FILES_NAME


def file_key(rel: str) -> str:
    """Raw file name of a landing file: the relative path, "/" -> "__", extension dropped.

    ``crm/accounts/full_20261031/page_0003.json`` -> ``crm__accounts__full_20261031__page_0003``
    """
    path = PurePosixPath(rel)
    return str(path.with_suffix("")).replace("/", "__")


def raw_schema(spec: EntitySpec) -> dict[str, pl.DataType]:
    """Every column a raw file of ``spec`` can have except extras: fields, path fields, lineage,
    and the delete marker of a system that delivers deletes (True on a delete, else False)."""
    marker = {spec.delete_marker: pl.Boolean()} if spec.delete_marker else {}
    return (field_schema(spec) | {name: pl.Utf8() for name in spec.path_field_names}
            | marker | LINEAGE_SCHEMA)


def atomic_write_parquet(frame: pl.DataFrame, target: Path) -> None:
    """Write ``frame`` to ``target`` via a hidden temporary file and an atomic rename.

    The temporary name starts with a dot and does not end in ``.parquet``, so neither Spark nor
    a ``*.parquet`` glob ever reads a half-written file.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}{TMP_SUFFIX}")
    try:
        frame.write_parquet(tmp, compression="zstd", statistics=True)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def remove_stale_temporaries(folder: Path, name: str = "*") -> list[Path]:
    """Delete temporaries of ``folder/<name>`` a killed run left (callers hold the entity lock).

    Returns what was removed, so the caller can say so in the run log.
    """
    removed = []
    if folder.is_dir():
        for tmp in folder.glob(f".{name}.*{TMP_SUFFIX}"):
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def write_schema_files(spec: EntitySpec, settings: Settings) -> None:
    atomic_write_parquet(
        pl.DataFrame(schema=raw_schema(spec)), raw_dir_of(spec, settings) / SCHEMA_FILE
    )
    atomic_write_parquet(
        pl.DataFrame(schema=QUARANTINE_SCHEMA), quarantine_dir_of(spec, settings) / SCHEMA_FILE
    )
