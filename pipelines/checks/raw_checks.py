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
failure is always reported as the whole-table suite reports it.
"""


import dagster as dg
import duckdb

from kernel.contracts import EntitySpec
from kernel.settings import Settings
from pipelines.checks.check_cache import IncrementalBase, incremental_base, raw_state_key, remember, remembered
from pipelines.ingest import raw_glob, read_ledger
from pipelines.ingest.layout import SCHEMA_FILE, raw_dir_of
from pipelines.resources import LakehouseResource


def read_raw_frame(spec: EntitySpec, settings: Settings):
    """The whole raw table of an entity as a pandas frame (all files, union by column name)."""
    with duckdb.connect() as con:
        return con.execute(
            f"select * from read_parquet('{raw_glob(spec, settings)}', union_by_name=true)"
        ).df()


def read_new_rows(spec: EntitySpec, settings: Settings, base: IncrementalBase):
    """The new files' rows with the schema file's columns, or None when a new row names a
    landing file an old row names (the lineage key could repeat across the parts)."""
    raw = raw_dir_of(spec, settings)
    new = [str(raw / name) for name in base.new_files]
    with duckdb.connect() as con:
        if base.old_files:
            (shared,) = con.execute(
                "select count(*) from read_parquet(?) where _source_file in "
                "(select distinct _source_file from read_parquet(?))",
                [[str(raw / name) for name in base.old_files], new],
            ).fetchone()
            if shared:
                return None
        return con.execute(
            "select * from read_parquet(?, union_by_name=true)", [[str(raw / SCHEMA_FILE), *new]]
        ).df()


def expected_raw_rows(ledger) -> int:
    """Rows the ledger says are loaded (one ledger row per landing path, its current version)."""
    return int(ledger["rows_loaded"].sum()) if ledger.height else 0


def raw_quality_check(spec: EntitySpec, asset_key: dg.AssetKey) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=asset_key,
        name="raw_suite",
        blocking=True,
        description=f"Great Expectations suite raw_{spec.raw_table}: columns, required values, "
        "lineage uniqueness, value ranges and reconciliation with the load ledger.",
    )
    def _check(lakehouse: LakehouseResource) -> dg.AssetCheckResult:
        settings = lakehouse.settings
        ledger = read_ledger(spec, settings)
        if not ledger.height:  # never delivered: nothing to check (absent is not broken)
            return dg.AssetCheckResult(
                passed=True,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={"delivered": False},
                description=f"{spec.qualified_name} not delivered: no landing file matches {spec.path}",
            )
        key = raw_state_key(spec, settings)
        if (verdict := remembered(spec, settings, key)) is not None:  # nothing new since it passed
            return dg.AssetCheckResult(
                passed=True,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={**verdict["metadata"], "reused": True},
                description=verdict["description"],
            )
        from quality import validate_raw  # GX imports slowly: only when a check runs

        if (base := incremental_base(spec, settings)) is not None:
            new_rows = read_new_rows(spec, settings, base)
            if new_rows is not None:
                result = validate_raw(
                    spec, new_rows, expected_rows=expected_raw_rows(ledger) - base.validated_rows,
                    ledger=ledger.to_pandas(),
                )
                if result.success:
                    metadata = {**result.to_metadata(), "incremental": True,
                                "new_files": len(base.new_files), "rows_validated": len(new_rows)}
                    description = "; ".join(result.warnings) or None
                    remember(spec, settings, key, metadata, description,
                             rows=base.validated_rows + len(new_rows))
                    return dg.AssetCheckResult(
                        passed=True, severity=dg.AssetCheckSeverity.ERROR,
                        metadata=metadata, description=description,
                    )
        frame = read_raw_frame(spec, settings)
        result = validate_raw(
            spec,
            frame,
            expected_rows=expected_raw_rows(ledger),
            ledger=ledger.to_pandas(),
        )
        metadata = result.to_metadata()
        # warnings too: the data flows on past them, so the check must say what it saw
        description = "; ".join(result.blocking_failures or result.warnings) or None
        if result.success:
            remember(spec, settings, key, metadata, description, rows=len(frame))
        return dg.AssetCheckResult(
            passed=result.success,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata=metadata,
            description=description,
        )

    return _check
