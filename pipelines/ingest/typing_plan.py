"""Type the rows of many landing files of one entity in one Polars plan, then split them by file.

Running a typing plan has a fixed cost (~10-20 ms of ``collect_all`` per call) whatever the rows:
907 two-row partner workbooks paid it 907 times. Files with the same column layout (nearly all
files of an entity) are therefore stacked with a file-number column, typed by one plan and split
again, so each file still gets exactly its own rows in its own order. That is only the per-file
result because every expression of the plan is row-local (a value, its error, the row's summary):
an expression that looks at other rows (a window, an aggregate) must never be added here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl

from kernel.contracts import EntitySpec, FieldSpec
from pipelines.ingest.casting import error_expr, row_check_expr, value_expr
from pipelines.ingest.mapping import ColumnMapping
from pipelines.ingest.readers import RAW_TEXT, READ_ERROR, ROW, RawFrame

# Internal columns of a stack of files; no landing header looks like these.
_FILE = "__ingest_file"  # the file's position in its stack
_SOURCE = "__ingest_source_file"
_HASH = "__ingest_file_hash"
_FIELD = "__ingest_in_"  # + field position: the landing column mapped to that contract field
_IN_MARKER = "__ingest_in_marker"  # the landing delete-marker column
_EXTRA = "__ingest_extra_"  # + raw name: a landing column no field maps (kept as text)
_PATH_VALUE = "__ingest_path_"  # + path field name: a value taken from the file's path


@dataclass
class UntypedFile:
    """A landing file read and its columns mapped, waiting to be typed."""

    rel: str
    file_hash: str
    raw: RawFrame
    mapping: ColumnMapping
    marker: str | None  # the file's delete-marker column, if it has one
    path_values: dict[str, str | None]
    encoding: str | None = None
    warning: str | None = None

    def inputs(self, spec: EntitySpec) -> dict[str, str]:
        """Stack column name -> this file's landing column: the file's columns renamed so that
        files with other headers (partners name their columns as they like) share one plan."""
        mapped = {
            f"{_FIELD}{i}": self.mapping.fields[fs.name]
            for i, fs in enumerate(spec.fields)
            if self.mapping.fields[fs.name] is not None
        }
        marker = {_IN_MARKER: self.marker} if self.marker else {}
        extras = {_EXTRA + name: column for column, name in self.mapping.extras.items()}
        return mapped | marker | extras  # type: ignore[return-value]

    def layout(self, spec: EntitySpec) -> tuple:
        """Files of equal layout are typed by one plan: the same fields found, of the same
        dtypes, the same delete-marker and path fields (extras may differ)."""
        schema = self.raw.frame.schema
        return (
            tuple(
                (name, schema[column])
                for name, column in self.inputs(spec).items()
                if not name.startswith(_EXTRA)
            ),
            tuple(self.path_values),
        )


def lineage(
    load_id: str,
    loaded_at: datetime,
    source_file: pl.Expr | None = None,
    file_hash: pl.Expr | None = None,
) -> list[pl.Expr]:
    """The lineage columns of a row (``loaded_at``: naive UTC); by default of a stack's rows."""
    source_file = pl.col(_SOURCE) if source_file is None else source_file
    file_hash = pl.col(_HASH) if file_hash is None else file_hash
    return [
        source_file.alias("_source_file"),
        pl.col(ROW).alias("_row_number"),
        pl.lit(load_id, pl.Utf8).alias("_load_id"),
        pl.lit(loaded_at, pl.Datetime("us")).alias("_loaded_at"),
        file_hash.alias("_file_hash"),
    ]


LINEAGE_NAMES = ("_source_file", "_row_number", "_load_id", "_loaded_at", "_file_hash")


def raw_record(columns: list[str], stacked: dict[str, str] | None = None) -> pl.Expr:
    """The record as the landing file had it, as JSON text (original header names, in file
    order); ``stacked``: landing column -> its column in a stack, when read from one."""
    stacked = stacked or {}
    as_json = (
        pl.struct([pl.col(stacked.get(c, c)).alias(c) for c in columns]).struct.json_encode()
        if columns
        else pl.lit("{}", pl.Utf8)
    )
    return pl.coalesce(pl.col(RAW_TEXT), as_json).alias("raw_record")


def type_files(
    spec: EntitySpec, files: list[UntypedFile], load_id: str, loaded_at: datetime
) -> list[tuple[pl.DataFrame, pl.DataFrame]]:
    """(typed rows, quarantine rows) of each file, in the order given: one plan per layout."""
    groups: dict[tuple, list[int]] = {}
    for i, f in enumerate(files):
        groups.setdefault(f.layout(spec), []).append(i)
    typed: list[tuple[pl.DataFrame, pl.DataFrame]] = [None] * len(files)  # type: ignore[list-item]
    for members in groups.values():
        group = [files[i] for i in members]
        for i, pair in zip(members, _type_stack(spec, group, load_id, loaded_at), strict=True):
            typed[i] = pair
    return typed


def _stack(spec: EntitySpec, files: list[UntypedFile]) -> pl.DataFrame:
    """The files' rows one after the other under the stack's column names, each with its file
    number, path, hash and path values (a column only some files have is null in the others).
    Built column by column from the files' Series: a Polars operation per file would cost about
    what typing the file did."""
    inputs = [f.inputs(spec) for f in files]
    heights = [f.raw.height for f in files]
    file_of_row = pl.Series(np.repeat(np.arange(len(files), dtype=np.uint32), heights))

    def column(name: str, dtype: pl.DataType, landing: list[str | None]) -> pl.Series:
        parts = [
            pl.Series(name, [None] * f.raw.height, dtype)
            if c is None
            else f.raw.frame.get_column(c).cast(dtype)
            for f, c in zip(files, landing, strict=True)
        ]
        return pl.concat(parts, rechunk=True).alias(name)

    def per_file(name: str, values: list) -> pl.Series:
        return pl.Series(name, values, pl.Utf8).gather(file_of_row)

    first = files[0].raw.frame.schema
    names = list(dict.fromkeys(name for columns in inputs for name in columns))
    return pl.DataFrame(
        [
            column(ROW, pl.Int64(), [ROW] * len(files)),
            column(READ_ERROR, pl.Utf8(), [READ_ERROR] * len(files)),
            column(RAW_TEXT, pl.Utf8(), [RAW_TEXT] * len(files)),
            *[
                # a field's column has one dtype in a layout; extras are text
                column(
                    name,
                    pl.Utf8() if name.startswith(_EXTRA) else first[inputs[0][name]],
                    [columns.get(name) for columns in inputs],
                )
                for name in names
            ],
            file_of_row.alias(_FILE),
            per_file(_SOURCE, [f.rel for f in files]),
            per_file(_HASH, [f.file_hash for f in files]),
            *[
                per_file(_PATH_VALUE + p, [f.path_values[p] for f in files])
                for p in files[0].path_values
            ],
        ]
    )


def _split(frame: pl.DataFrame, count: int) -> list[pl.DataFrame]:
    """``frame`` of a stack of ``count`` files, cut back into one frame per file (in order)."""
    if count == 1:
        return [frame.drop(_FILE)]
    parts = frame.partition_by(_FILE, maintain_order=True, include_key=False, as_dict=True)
    empty = frame.clear().drop(_FILE)
    return [parts.get((k,), empty) for k in range(count)]


def _type_stack(
    spec: EntitySpec, files: list[UntypedFile], load_id: str, loaded_at: datetime
) -> list[tuple[pl.DataFrame, pl.DataFrame]]:
    """Files of one layout typed together (one ``collect_all``), then split by file."""
    first = files[0].inputs(spec)
    columns = tuple(
        (fs.name, f"{_FIELD}{i}" if f"{_FIELD}{i}" in first else None)
        for i, fs in enumerate(spec.fields)
    )
    plan = _typing_plan(spec, columns, _IN_MARKER if _IN_MARKER in first else None)
    stacked = _stack(spec, files)
    checked = stacked.lazy()
    for stage in plan.stages:
        checked = checked.with_columns(stage)
    is_bad = pl.col("__ingest_reason") != ""
    extras = [c.removeprefix(_EXTRA) for c in stacked.columns if c.startswith(_EXTRA)]
    path_names = list(files[0].path_values)
    loaded, quarantine = pl.collect_all(
        [
            checked.filter(~is_bad).select(
                *plan.outputs,
                *[
                    pl.when(pl.col(_EXTRA + c) == "")
                    .then(None)
                    .otherwise(pl.col(_EXTRA + c))
                    .cast(pl.Utf8)
                    .alias(c)
                    for c in extras
                ],
                *[pl.col(_PATH_VALUE + name).alias(name) for name in path_names],
                *lineage(load_id, loaded_at),
                _FILE,
            ),
            checked.filter(is_bad).select(
                *lineage(load_id, loaded_at),
                pl.col("__ingest_field").alias("field"),
                pl.col("__ingest_reason").alias("reason"),
                RAW_TEXT,
                *[c for c in stacked.columns if c.startswith((_FIELD, _EXTRA))],
                _FILE,
            ),
        ]
    )
    outputs = [e.meta.output_name() for e in plan.outputs]
    ends = [*path_names, *LINEAGE_NAMES]
    quarantined = [*LINEAGE_NAMES, "field", "reason"]
    no_bad_rows = quarantine.clear().select(*quarantined, pl.lit(None, pl.Utf8).alias("raw_record"))
    typed = []
    for f, rows, bad in zip(
        files, _split(loaded, len(files)), _split(quarantine, len(files)), strict=True
    ):
        own_extras = list(f.mapping.extras.values())
        if own_extras != extras:  # columns other files of the stack have: not this file's
            rows = rows.select(*outputs, *own_extras, *ends)
        if bad.height:
            stacked_of = {column: name for name, column in reversed(f.inputs(spec).items())}
            bad = bad.select(*quarantined, raw_record(f.raw.columns, stacked_of))
        else:
            bad = no_bad_rows
        typed.append((rows, bad))
    return typed


_MARKER = "__ingest_delete_marker"  # typed delete-marker value of a row (spec.delete_marker)


@dataclass(frozen=True)
class _TypingPlan:
    stages: tuple[tuple[pl.Expr, ...], ...]  # applied in order with with_columns
    outputs: tuple[pl.Expr, ...]  # the typed contract columns


@functools.lru_cache(maxsize=256)
def _typing_plan(
    spec: EntitySpec, columns: tuple[tuple[str, str | None], ...], marker: str | None = None
) -> _TypingPlan:
    """Typing and error expressions for one column mapping, built once per entity and mapping.

    Files of one entity nearly always share a mapping; building ~50 expressions per small
    file would otherwise cost as much as typing its rows. ``marker``: the file's delete-marker
    column (spec.delete_marker); on a marker row only the key and version fields are judged.
    """
    mapped = dict(columns)
    value_columns = [f"__ingest_value_{i}" for i in range(len(spec.fields))]
    errors: list[tuple[str, str]] = []  # (field, internal error column)
    error_exprs: list[pl.Expr] = []
    is_marker = pl.col(_MARKER).fill_null(False)

    def unless_marker(name: str, bad: pl.Expr) -> pl.Expr:
        if not spec.delete_marker or name in spec.marker_fields:
            return bad
        return pl.when(is_marker).then(None).otherwise(bad)

    for i, fs in enumerate(spec.fields):
        bad = error_expr(fs, mapped[fs.name], pl.col(value_columns[i]))
        if bad is not None:
            errors.append((fs.name, f"__ingest_error_{i}"))
            error_exprs.append(unless_marker(fs.name, bad).alias(f"__ingest_error_{i}"))
    typed = {fs.name: pl.col(value_columns[i]) for i, fs in enumerate(spec.fields)}
    for j, check in enumerate(spec.row_checks):
        errors.append((check.field, f"__ingest_check_{j}"))
        error_exprs.append(
            unless_marker(check.field, row_check_expr(check, typed)).alias(f"__ingest_check_{j}")
        )
    values = tuple(
        value_expr(fs, mapped[fs.name]).alias(value_columns[i]) for i, fs in enumerate(spec.fields)
    )
    if spec.delete_marker:
        marker_field = FieldSpec(name=spec.delete_marker, type="bool")
        values += (value_expr(marker_field, marker).alias(_MARKER),)
        if marker is not None:  # '"_deleted": "maybe"' is neither a delete nor a record
            errors.append((spec.delete_marker, "__ingest_marker_error"))
            bad = error_expr(marker_field, marker, pl.col(_MARKER))
            error_exprs.append(bad.alias("__ingest_marker_error"))
    # a record the reader could not split (cut CSV line, broken JSONL line) is reported as
    # such; listing its fields as "missing" too would only hide the real cause
    read_error = pl.col(READ_ERROR)
    field_errors = pl.concat_str(
        [pl.col(c) for _, c in errors] or [pl.lit(None, pl.Utf8)], separator="; ", ignore_nulls=True
    )
    failed = pl.concat_str(
        [pl.when(pl.col(c).is_not_null()).then(pl.lit(name)) for name, c in errors]
        or [pl.lit(None, pl.Utf8)],
        separator=", ",
        ignore_nulls=True,
    )
    summary = (
        pl.when(read_error.is_not_null())
        .then(read_error)
        .otherwise(field_errors)
        .alias("__ingest_reason"),
        pl.when(read_error.is_not_null() | (failed == ""))
        .then(None)
        .otherwise(failed)
        .alias("__ingest_field"),
    )
    outputs = tuple(
        pl.col(c).alias(fs.name) for c, fs in zip(value_columns, spec.fields, strict=True)
    )
    if spec.delete_marker:
        outputs += (is_marker.alias(spec.delete_marker),)
    return _TypingPlan(stages=(values, tuple(error_exprs), summary), outputs=outputs)
