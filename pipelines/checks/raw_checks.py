"""Blocking Great Expectations checks on every raw table, surfaced as Dagster asset checks.

A failing check stops everything downstream of its raw asset (dbt staging, publish), so a
bad delivery never reaches the published snapshot; the previous snapshot keeps serving. A raw
table unchanged since its suite last passed is not validated again (pipelines/checks/check_cache).

A table that only gained files since its suite passed (a daily delivery) is validated on the new
files' rows: their pass, with the old rows' pass, is the whole table's pass. Row-level
expectations hold row by row; a ``mostly`` share met by both parts is met by their union; the
columns come from the schema file, which has every contract column; the row count is reconciled
as remembered rows + new rows against the ledger; and the lineage key stays unique across the
parts when no new row names a landing file an old row names (checked with one DuckDB query).
Anything else (a new part that fails, a replaced file) falls back to the whole table, so a
failure is always reported as the whole-table suite reports it. The same argument lets a whole
validation go part by part (:data:`ROWS_PER_PART` rows at a time), which keeps the check's memory
bounded at S=100.
"""


from dataclasses import replace

import dagster as dg

from kernel.contracts import EntitySpec
from kernel.settings import Settings, raw_check_engine, raw_load_workers
from pipelines import duckdb_session
from pipelines.checks.check_cache import (
    incremental_base,
    raw_data_files,
    raw_state_key,
    remember,
    remembered,
)
from pipelines.checks.gx_memory import release_validation_memory
from pipelines.ingest import raw_glob, read_ledger
from pipelines.ingest.layout import SCHEMA_FILE, raw_dir_of
from pipelines.ordered_pool import each_in_order
from pipelines.resources import LakehouseResource

RAW_SUITE = "raw_suite"  # the check's name on every raw asset


def expected_raw_rows(ledger) -> int:
    """Rows the ledger says are loaded (one ledger row per landing path, its current version)."""
    return int(ledger["rows_loaded"].sum()) if ledger.height else 0


# Rows validated in one pandas frame at most: GX's pandas path holds a table in memory several
# times over, and the largest S=100 tables (millions of rows) took the check past 11 GB.
ROWS_PER_PART = 500_000


def _parts(files: list[str], rows: dict[str, int]) -> list[list[str]]:
    parts: list[list[str]] = [[]]
    size = 0
    for name in files:
        if parts[-1] and size + rows[name] > ROWS_PER_PART:
            parts.append([])
            size = 0
        parts[-1].append(name)
        size += rows[name]
    return [part for part in parts if part]


def _suite_columns(spec: EntitySpec) -> str:
    """The columns the suite reads (``quality.validate.gx_frame`` keeps no other): the rest of a raw
    table (extra landing columns) is never read into pandas, a third of a check's time at S=10."""
    from quality.raw_suites import raw_columns

    names = [*raw_columns(spec), *([spec.delete_marker] if spec.delete_marker else [])]
    listed = ", ".join("'" + name.replace("'", "''") + "'" for name in names)
    return f"columns(c -> list_contains([{listed}], c))"


def _text(value: str) -> str:
    """A SQL string literal (a path with a quote in it stays one literal)."""
    return "'" + value.replace("'", "''") + "'"


def _read_files(paths: list[str] | str) -> str:
    """The DuckDB table expression of these raw files (or a glob), columns matched by name."""
    listed = _text(paths) if isinstance(paths, str) else "[" + ", ".join(_text(p) for p in paths) + "]"
    return f"read_parquet({listed}, union_by_name=true)"


def validate_rows(spec: EntitySpec, settings: Settings, names: list[str], *, expected_rows: int | None, ledger):
    """One suite run on the rows of the raw data files ``names`` (the schema file adds every column).

    On DuckDB (the default engine) the suite is SQL over the files; on GX the rows are read into
    one pandas frame first and released after (:mod:`pipelines.checks.gx_memory`).
    """
    from quality.validate import validate_raw, validate_raw_sql

    raw = raw_dir_of(spec, settings)
    source = _read_files([str(raw / SCHEMA_FILE), *(str(raw / name) for name in names)])
    if set(names) == set(raw_data_files(spec, settings)):  # the whole table: its glob, not 9,000 names
        source = _read_files(raw_glob(spec, settings))
    with duckdb_session.connect() as con:
        if raw_check_engine() == "duckdb":
            return validate_raw_sql(spec, con, source, expected_rows=expected_rows, ledger=ledger)
        frame = con.execute(f"select {_suite_columns(spec)} from {source}").df()
    result = validate_raw(spec, frame, expected_rows=expected_rows, ledger=ledger)
    del frame  # before the release: its Arrow pages go back too
    release_validation_memory()
    return result


def validate_in_parts(spec: EntitySpec, settings: Settings, ledger, files: list[str], known_rows: int):
    """Validate the rows of raw data ``files`` part by part; None when the whole table must decide.

    ``known_rows``: rows of the table's other data files, validated before (their verdict passed).
    Every part passing, the row count reconciling (known + these == the ledger's) and no landing
    file in two raw files (the lineage key then cannot repeat across parts) is the whole table
    passing; anything else returns None and the caller validates the whole table, so a failure
    reads exactly as the whole-table suite words it. DuckDB streams: one part there.
    """
    raw = raw_dir_of(spec, settings)
    everything = [str(raw / name) for name in sorted(raw_data_files(spec, settings))]
    if not files:
        return None
    with duckdb_session.connect() as con:
        (shared,) = con.execute(
            "select count(*) from (select _source_file from read_parquet(?, filename=true) "
            "group by _source_file having count(distinct filename) > 1)", [everything],
        ).fetchone()
        rows = dict(con.execute(
            "select parse_filename(file_name), num_rows from parquet_file_metadata(?)",
            [[str(raw / name) for name in files]],
        ).fetchall())
    if shared or known_rows + sum(rows.values()) != expected_raw_rows(ledger):
        return None
    results = []
    ledger_frame = ledger.to_pandas()
    parts = [files] if raw_check_engine() == "duckdb" else _parts(files, rows)
    for part in parts:
        result = validate_rows(spec, settings, part, expected_rows=sum(rows[name] for name in part),
                               ledger=ledger_frame)
        if not result.success:
            return None
        results.append(result)
    first = results[0]
    stats = {k: sum(r.statistics.get(k, 0) for r in results) for k in first.statistics}
    return replace(
        first,
        warnings=list(dict.fromkeys(w for r in results for w in r.warnings)),
        statistics=stats,
        row_count=sum(r.row_count for r in results),
        expected_rows=expected_raw_rows(ledger) - known_rows,
        seconds=sum(r.seconds for r in results),
    ), len(results)


def raw_suite_result(spec: EntitySpec, settings: Settings, asset_key: dg.AssetKey) -> dg.AssetCheckResult:
    """The verdict of ``spec``'s suite on its raw table: remembered, on the new files, or whole."""

    def verdict(passed: bool, metadata: dict, description: str | None) -> dg.AssetCheckResult:
        return dg.AssetCheckResult(asset_key=asset_key, check_name=RAW_SUITE, passed=passed,
                                   severity=dg.AssetCheckSeverity.ERROR, metadata=metadata,
                                   description=description)

    ledger = read_ledger(spec, settings)
    if not ledger.height:  # never delivered: nothing to check (absent is not broken)
        return verdict(True, {"delivered": False},
                       f"{spec.qualified_name} not delivered: no landing file matches {spec.path}")
    key = raw_state_key(spec, settings)
    if (remembered_verdict := remembered(spec, settings, key)) is not None:  # nothing new since it passed
        return verdict(True, {**remembered_verdict["metadata"], "reused": True}, remembered_verdict["description"])
    base = incremental_base(spec, settings)
    files = list(base.new_files) if base else sorted(raw_data_files(spec, settings))
    known = base.validated_rows if base else 0
    if (parted := validate_in_parts(spec, settings, ledger, files, known)) is not None:
        result, parts = parted
        metadata = {**result.to_metadata(), "parts": parts, "rows_validated": result.row_count}
        if base:
            metadata |= {"incremental": True, "new_files": len(base.new_files)}
        description = "; ".join(result.warnings) or None
        remember(spec, settings, key, metadata, description, rows=known + result.row_count)
        return verdict(True, metadata, description)
    result = validate_rows(spec, settings, sorted(raw_data_files(spec, settings)),
                           expected_rows=expected_raw_rows(ledger), ledger=ledger.to_pandas())
    metadata = result.to_metadata()
    # warnings too: the data flows on past them, so the check must say what it saw
    description = "; ".join(result.blocking_failures or result.warnings) or None
    if result.success:
        remember(spec, settings, key, metadata, description, rows=result.row_count)
    return verdict(result.success, metadata, description)


def _suite_workers() -> int:
    """Suites evaluated at once: each is its own in-memory DuckDB connection over its own files; GX's
    pandas engine keeps shared state, so it validates one table at a time."""
    return raw_load_workers() if raw_check_engine() == "duckdb" else 1


def raw_quality_checks(asset_keys: dict[dg.AssetKey, EntitySpec]) -> dg.AssetChecksDefinition:
    """One blocking ``raw_suite`` check per raw asset, all evaluated by one subsettable step, several
    tables at once (one step per suite was ~0.1 s of Dagster's own work each, 48 of them a run)."""
    specs = [
        dg.AssetCheckSpec(
            RAW_SUITE, asset=key, blocking=True,
            description=f"Great Expectations suite raw_{spec.raw_table}: columns, required values, "
            "lineage uniqueness, value ranges and reconciliation with the load ledger.",
        )
        for key, spec in asset_keys.items()
    ]

    @dg.multi_asset_check(name="raw__suites", specs=specs, can_subset=True)
    def raw_suites(context: dg.AssetCheckExecutionContext, lakehouse: LakehouseResource):
        settings = lakehouse.settings
        chosen = [(key, spec) for key, spec in asset_keys.items()
                  if dg.AssetCheckKey(key, RAW_SUITE) in context.selected_asset_check_keys]
        failed = []
        for (_, spec), result, error in each_in_order(
            chosen, lambda key_spec: raw_suite_result(key_spec[1], settings, key_spec[0]),
            _suite_workers(), name="raw-suite",
        ):
            if error:
                context.log.error(f"raw_{spec.raw_table}: suite failed to run:\n{error}")
                failed.append(spec.qualified_name)
            else:
                yield result
        if failed:
            raise dg.Failure(description=f"raw suites failed to run for {', '.join(failed)}")

    return raw_suites
