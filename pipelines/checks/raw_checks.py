"""Blocking Great Expectations checks on every raw table, surfaced as Dagster asset checks.

A failing check stops everything downstream of its raw asset (dbt staging, publish), so a
bad delivery never reaches the published snapshot; the previous snapshot keeps serving. A raw
table unchanged since its suite last passed is not validated again (pipelines/checks/check_cache).
"""


import dagster as dg
import duckdb

from kernel.contracts import EntitySpec
from kernel.settings import Settings
from pipelines.checks.check_cache import raw_state_key, remember, remembered
from pipelines.ingest import raw_glob, read_ledger
from pipelines.resources import LakehouseResource


def read_raw_frame(spec: EntitySpec, settings: Settings):
    """The whole raw table of an entity as a pandas frame (all files, union by column name)."""
    with duckdb.connect() as con:
        return con.execute(
            f"select * from read_parquet('{raw_glob(spec, settings)}', union_by_name=true)"
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

        result = validate_raw(
            spec,
            read_raw_frame(spec, settings),
            expected_rows=expected_raw_rows(ledger),
            ledger=ledger.to_pandas(),
        )
        metadata = result.to_metadata()
        # warnings too: the data flows on past them, so the check must say what it saw
        description = "; ".join(result.blocking_failures or result.warnings) or None
        if result.success:
            remember(spec, settings, key, metadata, description)
        return dg.AssetCheckResult(
            passed=result.success,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata=metadata,
            description=description,
        )

    return _check
