"""Change extraction: rows of the operational store changed since the last watermark -> raw Parquet.

The store (the entry screens' database, SQLite or PostgreSQL) keeps only the current version of
each row; every business table carries ``id``, ``version``, ``updated_at`` and ``deleted_at``.
An extraction reads, per table, the rows whose ``updated_at`` is at or after the watermark minus
a short look-back (a transaction that committed late with an earlier timestamp is not lost),
drops the (id, version, deleted) triples the raw layer already holds (equal timestamps and the
look-back make the windows overlap on purpose), and writes what is left as ONE Parquet file per
table and extraction under ``raw/ops/<table>/`` with the raw layer's lineage columns plus
``_op``: delete when ``deleted_at`` is set, insert for an id raw has not seen, else update.
A second run with no changes writes nothing.

The watermark lives in the lakehouse (``ledger/ops__watermarks.parquet``), not in the store: the
store does not know its readers. ``0000_schema.parquet`` (empty, typed from the SQLAlchemy model)
is always kept per table so dbt builds before the store has any data or even exists.

A stored value the raw type cannot hold (a number beyond ``DECIMAL(p, s)`` or with more decimals,
text in a numeric column on SQLite, a date that is not one: written around the entry screens)
never stops the extraction: rows are read as text and typed set-based, a row with such a value
goes to ``<quarantine_dir>/ops/<table>/<load_id>.parquet`` with table, id and field (the ingest
quarantine's columns, so ``meta.quarantine`` and ``crmlake status`` show it) and every other row
and table is extracted. A soft delete of such a row is still extracted (its bad values empty):
the record leaves the lakehouse. A quarantined row version is quarantined once, not each run.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from kernel.settings import Settings
from pipelines.file_lock import file_lock
from pipelines.ingest.layout import (
    LINEAGE_SCHEMA,
    QUARANTINE_SCHEMA,
    SCHEMA_FILE,
    atomic_write_parquet,
)

OPS_SYSTEM = "ops"
# Columns that make a store table extractable (the mixin every business table has).
CHANGE_COLUMNS = ("id", "version", "updated_at", "deleted_at")
# How far before the watermark each extraction looks again. Timestamps are set by the writing
# process before it commits, so a slow transaction can commit a timestamp older than one already
# extracted; re-reading a window and dropping what raw holds catches it.
LOOKBACK = timedelta(minutes=10)
WATERMARK_FILE = "ops__watermarks.parquet"
WATERMARK_SCHEMA: dict[str, pl.DataType] = {
    "table_name": pl.Utf8(),
    "watermark": pl.Datetime("us"),  # max(updated_at) extracted so far, store local time
    "rows_at_watermark": pl.Int64(),  # rows with exactly that updated_at (same-second saves)
    "extracted_at": pl.Datetime("us"),  # UTC, last extraction that wrote rows
    "load_id": pl.Utf8(),
}
OP_COLUMN = "_op"
# A row version raw holds once: a soft delete that kept its version still counts as new.
VERSION_KEY: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "version": pl.Int64(),
    "_deleted": pl.Boolean(),
}
BATCH_ROWS = 50_000
# updated_at values the sensor takes for times (outside: text stored around the entry screens)
STAMP_RANGE = (datetime(1000, 1, 1), datetime(9999, 12, 31, 23, 59, 59))


# ---------------------------------------------------------------------------- the store's tables


def store_metadata() -> sa.MetaData:
    """The store's SQLAlchemy metadata (the models define what raw/ops holds)."""
    from operational.models import Base

    return Base.metadata


def store_tables(metadata: sa.MetaData | None = None) -> list[sa.Table]:
    """The tables to extract: every store table with the change columns, by name."""
    metadata = metadata if metadata is not None else store_metadata()
    return sorted(
        (t for t in metadata.tables.values() if set(CHANGE_COLUMNS) <= set(t.c.keys())),
        key=lambda t: t.name,
    )


def column_dtype(column: sa.Column) -> pl.DataType:
    """Raw Parquet type of a store column (JSON and unknown types travel as text)."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return pl.Boolean()
    if isinstance(kind, sa.Integer):
        return pl.Int64()
    if isinstance(kind, sa.Float):
        return pl.Float64()
    if isinstance(kind, sa.Numeric):
        return pl.Decimal(kind.precision or 18, kind.scale if kind.scale is not None else 2)
    if isinstance(kind, sa.DateTime):
        return pl.Datetime("us")
    if isinstance(kind, sa.Date):
        return pl.Date()
    return pl.Utf8()


def raw_schema(table: sa.Table) -> dict[str, pl.DataType]:
    """Every column of ``raw/ops/<table>``: the model's columns, ``_op``, then lineage."""
    fields = {c.name: column_dtype(c) for c in table.c}
    return fields | {OP_COLUMN: pl.Utf8()} | LINEAGE_SCHEMA


def quarantine_dir_of(table: sa.Table | str, quarantine_dir: Path) -> Path:
    """``<quarantine_dir>/ops/<table>``: one Parquet file per extraction that found bad rows."""
    name = table if isinstance(table, str) else table.name
    return quarantine_dir / OPS_SYSTEM / name


def raw_dir_of(table: sa.Table | str, raw_dir: Path) -> Path:
    """``<raw_dir>/ops/<table>``: the schema file plus one Parquet file per extraction."""
    name = table if isinstance(table, str) else table.name
    return raw_dir / OPS_SYSTEM / name


def write_schema_files(raw_dir: Path, tables: Sequence[sa.Table] | None = None) -> None:
    """An empty, typed ``0000_schema.parquet`` per table, so dbt reads a table with no data."""
    for table in tables if tables is not None else store_tables():
        target = raw_dir_of(table, raw_dir) / SCHEMA_FILE
        frame = pl.DataFrame(schema=raw_schema(table))
        if target.exists() and pl.read_parquet_schema(target) == frame.schema:
            continue  # idempotent: don't touch a file that already says the same
        atomic_write_parquet(frame, target)


# ---------------------------------------------------------------------------- connecting


def store_exists(url: str) -> bool:
    """False for a SQLite file that is not there (extraction must not create an empty store)."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return True
    database = parsed.database
    return bool(database) and (database == ":memory:" or Path(database).expanduser().exists())


@contextmanager
def store_connection(url: str) -> Iterator[sa.Connection]:
    """A read-only use of the store: its own engine, a plain (deferred) read transaction."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def existing_tables(conn: sa.Connection, tables: Sequence[sa.Table]) -> list[sa.Table]:
    """The tables the store has already created (a store not yet migrated has none)."""
    present = set(sa.inspect(conn).get_table_names())
    return [t for t in tables if t.name in present]


# ---------------------------------------------------------------------------- watermarks


def watermark_path(settings: Settings) -> Path:
    return settings.ledger_dir / WATERMARK_FILE


def read_watermarks(settings: Settings) -> pl.DataFrame:
    path = watermark_path(settings)
    if not path.exists():
        return pl.DataFrame(schema=WATERMARK_SCHEMA)
    return pl.read_parquet(path).select(pl.col(c).cast(t) for c, t in WATERMARK_SCHEMA.items())


def watermark_of(watermarks: pl.DataFrame, table_name: str) -> datetime | None:
    return _mark_of(watermarks, table_name)[0]


def _mark_of(watermarks: pl.DataFrame, table_name: str) -> tuple[datetime | None, int]:
    row = watermarks.filter(pl.col("table_name") == table_name)
    return (row["watermark"][0], row["rows_at_watermark"][0]) if row.height else (None, 0)


def write_watermarks(settings: Settings, rows: Sequence[dict]) -> None:
    """Upsert the watermark of each table in ``rows`` (one atomic rewrite)."""
    if not rows:
        return
    updates = pl.DataFrame(rows, schema=WATERMARK_SCHEMA)
    kept = read_watermarks(settings).join(updates.select("table_name"), on="table_name", how="anti")
    atomic_write_parquet(pl.concat([kept, updates]).sort("table_name"), watermark_path(settings))


# ---------------------------------------------------------------------------- extraction


@dataclass(frozen=True)
class TableExtract:
    """What one extraction took from one table."""

    table: str
    inserts: int = 0
    updates: int = 0
    deletes: int = 0
    skipped: int = 0  # rows in the window the raw layer already had
    quarantined: int = 0  # rows with a value the raw type cannot hold (newly quarantined)
    file: str | None = None  # raw file written, relative to the raw dir
    watermark: datetime | None = None
    rows_at_watermark: int = 0

    @property
    def rows(self) -> int:
        return self.inserts + self.updates + self.deletes

    def to_metadata(self) -> dict:
        return {
            "rows": self.rows,
            "inserts": self.inserts,
            "updates": self.updates,
            "deletes": self.deletes,
            "already_extracted": self.skipped,
            "quarantined": self.quarantined,
            "file": self.file or "",
            "watermark": str(self.watermark) if self.watermark else "",
        }


def _select(table: sa.Table, since: datetime | None) -> sa.Select:
    """Every column as text: a value the column's type cannot hold must not fail the read."""
    query = sa.select(*(sa.cast(c, sa.Text).label(c.name) for c in table.c))
    if since is not None:
        query = query.where(
            sa.or_(table.c.updated_at >= since - LOOKBACK, table.c.updated_at.is_(None))
        )
    return query.order_by(table.c.updated_at, table.c.id)


def read_text(conn: sa.Connection, table: sa.Table, since: datetime | None) -> pl.DataFrame:
    """Rows changed at or after ``since`` (all rows if None), every column as stored text."""
    schema = {c.name: pl.Utf8() for c in table.c}
    batches = pl.read_database(
        _select(table, since), connection=conn, iter_batches=True, batch_size=BATCH_ROWS
    )
    frames = [b.select(pl.col(c).cast(pl.Utf8) for c in schema) for b in batches]
    return pl.concat(frames) if frames else pl.DataFrame(schema=schema)


_TRUE, _FALSE = ("1", "true", "t"), ("0", "false", "f")
_SCALE = 12  # decimals a stored number is read with before it is held to its column's scale


def typed(column: str, dtype: pl.DataType) -> pl.Expr:
    """Text of one column as its raw type; null where the text is not a value of that type."""
    text = pl.col(column).str.strip_chars()
    if dtype == pl.Utf8():
        return pl.col(column)
    if dtype == pl.Boolean():
        low = text.str.to_lowercase()
        return pl.when(low.is_in(_TRUE)).then(True).when(low.is_in(_FALSE)).then(False)
    if isinstance(dtype, pl.Decimal):
        wide = text.cast(pl.Decimal(38, _SCALE), strict=False)  # also reads SQLite's 1.5e+19
        exact = wide.cast(dtype, strict=False)  # null beyond the precision
        return pl.when(exact.cast(pl.Decimal(38, _SCALE)) == wide).then(exact)  # no lost decimals
    if dtype == pl.Date():
        return text.str.to_date("%Y-%m-%d", strict=False)
    if isinstance(dtype, pl.Datetime):
        return pl.coalesce(
            text.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us", strict=False),
            text.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", time_unit="us", strict=False),
            text.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us")),
        )
    return text.cast(dtype, strict=False)


def _type_name(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Decimal):
        return f"DECIMAL({dtype.precision},{dtype.scale})"
    return {pl.Int64(): "BIGINT", pl.Boolean(): "BOOLEAN", pl.Date(): "DATE"}.get(
        dtype, str(dtype).upper()
    )


def type_rows(table: sa.Table, text: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.Series]:
    """(typed rows, bad values, every row's ``updated_at``): set-based, one expression per column.

    A bad value is one stored text that does not read as its column's raw type; its row is left
    out of the typed rows unless it is a soft delete (then only the value is emptied: the delete
    still reaches raw). ``bad`` has one row per (row, field): id, version, deleted, field, value
    and the whole row as JSON.
    """
    schema = {c.name: column_dtype(c) for c in table.c}
    keys = ("id", "version", "updated_at", "deleted_at")
    frame = text.with_row_index("_i").with_columns(
        *(typed(c, t).alias(f"_t_{c}") for c, t in schema.items()),
    )
    bad_flags = {c: pl.col(c).is_not_null() & pl.col(f"_t_{c}").is_null() for c in schema}
    frame = frame.with_columns(
        pl.any_horizontal(*bad_flags.values()).alias("_any_bad"),
        pl.any_horizontal(*(bad_flags[k] for k in keys)).alias("_key_bad"),
        pl.col("_t_deleted_at").is_not_null().alias("_deleted"),
    )
    record = pl.struct(list(schema)).struct.json_encode()  # only of the bad rows
    bad = pl.concat(
        [
            frame.filter(flag).select(
                pl.col("id").alias("_id_text"),
                pl.col("version").alias("_version_text"),
                pl.col("_t_id").alias("_id"),
                "_deleted",
                pl.col("deleted_at").is_not_null().alias("_deleted_text"),  # as the JSON says
                "_key_bad",
                pl.lit(column).alias("field"),
                pl.col(column).alias("value"),
                record.alias("_record"),
                pl.lit(_type_name(schema[column])).alias("type"),
            )
            for column, flag in bad_flags.items()
        ],
        how="vertical_relaxed",
    )
    kept = frame.filter(~pl.col("_any_bad") | (pl.col("_deleted") & ~pl.col("_key_bad")))
    good = kept.select(*(pl.col(f"_t_{c}").alias(c) for c in schema), "_deleted")
    stamps = frame["_t_updated_at"].alias("updated_at")  # bad rows count for the watermark too
    return good, bad.filter(~pl.col("_deleted") | pl.col("_key_bad")), stamps


def _quarantine_key() -> pl.Expr:
    return pl.concat_str(
        [pl.col("_id_text"), pl.col("_version_text"), pl.col("_deleted_text").cast(pl.Utf8)],
        separator="|",
        ignore_nulls=True,
    )


def already_quarantined(table: sa.Table, settings: Settings) -> pl.Series:
    """Keys (id|version|deleted, as stored text) of the row versions quarantined before."""
    folder = quarantine_dir_of(table, settings.quarantine_dir)
    if not any(folder.glob("*.parquet")):
        return pl.Series("key", [], pl.Utf8)
    record = pl.col("raw_record")
    return (
        pl.scan_parquet(folder / "*.parquet")
        .select(
            pl.concat_str(
                [
                    record.str.json_path_match("$.id"),
                    record.str.json_path_match("$.version"),
                    record.str.json_path_match("$.deleted_at").is_not_null().cast(pl.Utf8),
                ],
                separator="|",
                ignore_nulls=True,
            ).alias("key")
        )
        .unique()
        .collect()["key"]
    )


def write_quarantine(
    table: sa.Table, bad: pl.DataFrame, settings: Settings, *, load_id: str, loaded_at: datetime
) -> int:
    """New bad row versions -> ``<quarantine_dir>/ops/<table>/<load_id>.parquet``; how many rows."""
    seen = already_quarantined(table, settings)
    fresh = bad.filter(~_quarantine_key().is_in(seen.implode()))
    if fresh.height == 0:
        return 0
    value = pl.col("value")
    reason = pl.format(
        f"ops.{table.name} id {{}} version {{}}: {{}} = {{}} is not a {{}} (stored around the entry "
        "screens; correct the record in the store) 运营库记录的值超出字段类型，请在运营库中更正",
        pl.col("_id_text").fill_null("?"),
        pl.col("_version_text").fill_null("?"),
        pl.col("field"),
        pl.when(value.str.len_chars() > 60)
        .then(value.str.slice(0, 60) + pl.lit("…"))
        .otherwise(value),
        pl.col("type"),
    )
    digest = hashlib.sha256(json.dumps(fresh["_record"].to_list()).encode("utf-8")).hexdigest()
    frame = fresh.select(
        pl.lit(f"{OPS_SYSTEM}/{table.name}", pl.Utf8).alias("_source_file"),
        pl.col("_id").alias("_row_number"),  # a store table's row is its record id
        pl.lit(load_id, pl.Utf8).alias("_load_id"),
        pl.lit(loaded_at, pl.Datetime("us")).alias("_loaded_at"),
        pl.lit(digest, pl.Utf8).alias("_file_hash"),
        pl.col("field"),
        reason.alias("reason"),
        pl.col("_record").alias("raw_record"),
    ).select(pl.col(c).cast(t) for c, t in QUARANTINE_SCHEMA.items())
    atomic_write_parquet(
        frame, quarantine_dir_of(table, settings.quarantine_dir) / f"{load_id}.parquet"
    )
    return frame["_row_number"].n_unique() if frame.height else 0


def already_extracted(table: sa.Table, settings: Settings) -> pl.DataFrame:
    """(id, version, deleted) of every row version raw/ops/<table> holds."""
    folder = raw_dir_of(table, settings.raw_dir)
    if not any(folder.glob("*.parquet")):
        return pl.DataFrame(schema=VERSION_KEY)
    return (
        pl.scan_parquet(folder / "*.parquet", missing_columns="insert", extra_columns="ignore")
        .select(
            pl.col("id").cast(pl.Int64),
            pl.col("version").cast(pl.Int64),
            (pl.col(OP_COLUMN) == "delete").alias("_deleted"),
        )
        .unique()
        .collect()
    )


def with_op(fresh: pl.DataFrame, seen: pl.DataFrame) -> pl.DataFrame:
    """``_op``: delete when ``deleted_at`` is set, insert for an id raw has not seen, else update."""
    known = pl.col("id").is_in(seen["id"].implode())
    op = (
        pl.when(pl.col("_deleted"))
        .then(pl.lit("delete"))
        .when(known)
        .then(pl.lit("update"))
        .otherwise(pl.lit("insert"))
    )
    return fresh.with_columns(op.alias(OP_COLUMN))


def new_load_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%S%f}Z-{uuid.uuid4().hex[:8]}"


def extract_table(
    conn: sa.Connection,
    table: sa.Table,
    settings: Settings,
    since: datetime | None,
    *,
    load_id: str,
    loaded_at: datetime,
) -> TableExtract:
    """Extract one table's changes since ``since`` into one new raw file (none if no change)."""
    window, bad, stamps = type_rows(table, read_text(conn, table, since))
    quarantined = write_quarantine(table, bad, settings, load_id=load_id, loaded_at=loaded_at)
    seen = already_extracted(table, settings)
    fresh = window.join(seen, on=list(VERSION_KEY), how="anti", nulls_equal=True)
    fresh = with_op(fresh, seen).sort("updated_at", "id", nulls_last=True)
    marks = [d for d in (since, stamps.max()) if d is not None]
    watermark = max(marks) if marks else None
    at_mark = int((stamps == watermark).sum()) if watermark else 0
    if fresh.height == 0:
        return TableExtract(
            table.name,
            skipped=window.height,
            quarantined=quarantined,
            watermark=watermark,
            rows_at_watermark=at_mark,
        )

    name = f"{load_id}.parquet"
    relative = f"{OPS_SYSTEM}/{table.name}/{name}"
    digest = hashlib.sha256(fresh.write_csv().encode("utf-8")).hexdigest()
    frame = fresh.with_columns(
        pl.lit(relative, pl.Utf8).alias("_source_file"),
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("_row_number"),
        pl.lit(load_id, pl.Utf8).alias("_load_id"),
        pl.lit(loaded_at, pl.Datetime("us")).alias("_loaded_at"),
        pl.lit(digest, pl.Utf8).alias("_file_hash"),
    ).select(pl.col(c).cast(t) for c, t in raw_schema(table).items())
    atomic_write_parquet(frame, raw_dir_of(table, settings.raw_dir) / name)
    counts = dict(frame.group_by(OP_COLUMN).len().iter_rows())
    return TableExtract(
        table.name,
        inserts=counts.get("insert", 0),
        updates=counts.get("update", 0),
        deletes=counts.get("delete", 0),
        skipped=window.height - fresh.height,
        quarantined=quarantined,
        file=relative,
        watermark=watermark,
        rows_at_watermark=at_mark,
    )


@contextmanager
def _extraction_lock(settings: Settings) -> Iterator[None]:
    """One extraction at a time: two must not both write the same change."""
    with file_lock(settings.ledger_dir / ".ops__extract.lock"):
        yield


def extract_changes(
    settings: Settings,
    tables: Sequence[sa.Table] | None = None,
    *,
    url: str | None = None,
) -> dict[str, TableExtract]:
    """Extract every table's changes since its watermark; returns what each table gave.

    Always refreshes the empty schema files first, so a missing or empty store still leaves a
    raw layer dbt can build on.
    """
    tables = list(tables) if tables is not None else store_tables()
    url = url or settings.operational_url
    write_schema_files(settings.raw_dir, tables)
    results = {t.name: TableExtract(t.name) for t in tables}
    if not store_exists(url):
        return results
    now = datetime.now(UTC).replace(tzinfo=None)
    load_id = new_load_id(now)
    with _extraction_lock(settings), store_connection(url) as conn:
        watermarks = read_watermarks(settings)
        for table in existing_tables(conn, tables):
            since = watermark_of(watermarks, table.name)
            results[table.name] = extract_table(
                conn, table, settings, since, load_id=load_id, loaded_at=now
            )
        moved = [
            {
                "table_name": r.table,
                "watermark": r.watermark,
                "rows_at_watermark": r.rows_at_watermark,
                "extracted_at": now,
                "load_id": load_id,
            }
            for r in results.values()
            if r.watermark is not None
            and (r.watermark, r.rows_at_watermark) != _mark_of(watermarks, r.table)
        ]
        write_watermarks(settings, moved)
    return results


def pending_changes(settings: Settings, tables: Sequence[sa.Table] | None = None) -> dict[str, str]:
    """Tables changed since their watermark (table -> ``<newest updated_at>#<rows at mark>``).

    The sensor's cheap check, one aggregate per table and no rows read: the newest
    ``updated_at`` is beyond the watermark, or the number of rows stamped exactly at the
    watermark moved (timestamps have whole seconds: a save in the second of the last
    extraction does not move the maximum).
    """
    url = settings.operational_url
    if not store_exists(url):
        return {}
    tables = list(tables) if tables is not None else store_tables()
    watermarks = read_watermarks(settings)
    pending: dict[str, str] = {}
    with store_connection(url) as conn:
        for table in existing_tables(conn, tables):
            mark, rows_at_mark = _mark_of(watermarks, table.name)
            at_mark = sa.func.count().filter(table.c.updated_at == mark) if mark else sa.literal(0)
            # a stamp that is not a time (text written around the screens, SQLite) must not
            # become the maximum nor stop the sensor; the extraction quarantines its row
            stamped = table.c.updated_at.between(STAMP_RANGE[0], STAMP_RANGE[1])
            newest_stamp = sa.func.max(table.c.updated_at).filter(stamped)
            try:
                newest, count = conn.execute(sa.select(newest_stamp, at_mark)).one()
                newest = _as_datetime(newest) if newest is not None else None
            except (ValueError, TypeError, sa.exc.StatementError):
                newest, count = None, -1
            if newest is None and count != -1:
                continue
            if newest is None or mark is None or newest > mark or count != rows_at_mark:
                pending[table.name] = f"{newest.isoformat() if newest else 'unreadable'}#{count}"
    return pending


def _as_datetime(value: datetime | str) -> datetime:
    """SQLite returns max() of a DateTime column as text; PostgreSQL as a datetime."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
