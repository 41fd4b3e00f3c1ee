"""The load ledger: which landing file was loaded, with which bytes, when, and with what counts.

One Parquet file per entity (``ledger_dir/<system>__<entity>.parquet``), one row per landing
path ever seen, rewritten atomically. The hash makes loads idempotent (an unchanged file is
skipped); a new hash at a known path is a corrected re-delivery that supersedes the earlier one,
whose hash is kept in ``superseded_hashes``. Rows are never deleted: a landing file that
disappeared stays "loaded" because sources are append-only.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl

from kernel.contracts import EntitySpec
from pipelines.ingest.casting import TIME_UNIT
from pipelines.ingest.layout import atomic_write_parquet

LEDGER_SCHEMA: dict[str, pl.DataType] = {
    "source_file": pl.Utf8(),  # landing-relative posix path (= _source_file in raw)
    "file_hash": pl.Utf8(),  # sha256 of the bytes currently loaded from that path
    "file_size": pl.Int64(),
    "status": pl.Utf8(),  # loaded | rejected
    "load_id": pl.Utf8(),
    "loaded_at": pl.Datetime(TIME_UNIT),  # UTC
    "rows_read": pl.Int64(),
    "rows_loaded": pl.Int64(),
    "rows_quarantined": pl.Int64(),
    "encoding": pl.Utf8(),
    "message": pl.Utf8(),  # rejection reason, encoding warning, supersession note
    "contract_fingerprint": pl.Utf8(),  # a rejected file is retried when the contract changes
    "superseded_hashes": pl.List(pl.Utf8()),  # earlier deliveries at this path, oldest first
}


def contract_fingerprint(spec: EntitySpec) -> str:
    """Changes whenever what the loader accepts for ``spec`` changes (fields, types, synonyms)."""
    material = repr((spec.path, spec.format, spec.encoding, spec.fields, spec.path_fields))
    if spec.row_checks:  # only then, so entities without any keep their fingerprint
        material += repr(spec.row_checks)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:16]


def read_ledger_file(path: Path) -> pl.DataFrame:
    if not path.exists():
        return pl.DataFrame(schema=LEDGER_SCHEMA)
    frame = pl.read_parquet(path)
    missing = [c for c in LEDGER_SCHEMA if c not in frame.columns]
    frame = frame.with_columns(pl.lit(None, LEDGER_SCHEMA[c]).alias(c) for c in missing)
    return frame.select(pl.col(c).cast(t) for c, t in LEDGER_SCHEMA.items())


class Ledger:
    """The ledger of one entity, held in memory during a load and flushed atomically."""

    def __init__(self, path: Path):
        self.path = path
        self.rows: dict[str, dict] = {
            r["source_file"]: r for r in read_ledger_file(path).to_dicts()
        }
        self.dirty = False

    def get(self, source_file: str) -> dict | None:
        return self.rows.get(source_file)

    def record(self, row: dict) -> None:
        previous = self.rows.get(row["source_file"])
        history = list(previous["superseded_hashes"] or []) if previous else []
        if previous and previous["file_hash"] != row["file_hash"]:
            history.append(previous["file_hash"])
        self.rows[row["source_file"]] = {**row, "superseded_hashes": history}
        self.dirty = True

    def frame(self) -> pl.DataFrame:
        rows = sorted(self.rows.values(), key=lambda r: r["source_file"])
        return pl.DataFrame(rows, schema=LEDGER_SCHEMA)

    def flush(self) -> None:
        if self.dirty:
            atomic_write_parquet(self.frame(), self.path)
            self.dirty = False
