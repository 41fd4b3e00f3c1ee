"""Raw-layer assets: one Dagster asset per contract entity of the file-based source systems, all
loaded by one step.

Each asset loads the entity's new or corrected landing files into Parquet (see
:mod:`pipelines.ingest`) and reports what it read, loaded and quarantined as metadata; each has its
blocking quality check (:mod:`pipelines.checks.raw_checks`).

Why one step for all of them: a step loads one entity at a time, and most entities are a few small
files, mostly Python. With one step per entity the run loaded 47 entities one after another on one
core (the S=10 full refresh: 28.5 s of load steps, its CPU ~35 s on 2 cores). Here the selected
entities are loaded by ``raw_load_workers`` threads at once, the largest first, and reported in the
contract's order. Entities share nothing while loading (their own folders, ledger and lock), so the
files, ledger rows and metadata are those of one entity at a time; a what-changed run still selects
single entities (the step is subsettable).
"""

import logging

import dagster as dg

from kernel.capabilities import capabilities_needing
from kernel.contracts import EntitySpec, entities_of
from kernel.settings import Settings, raw_load_workers
from pipelines.checks.raw_checks import raw_quality_checks
from pipelines.ingest import EntityLoadReport, load_entity
from pipelines.ingest.loader import discover
from pipelines.ordered_pool import each_in_order
from pipelines.resources import LakehouseResource

# the source systems delivered as landing files (the operational store is extracted on its own)
FILE_SYSTEMS = ("crm", "erp", "callcenter", "partners")


def raw_asset_key(spec: EntitySpec) -> dg.AssetKey:
    return dg.AssetKey(["raw", spec.system, spec.name])


def _asset_spec(spec: EntitySpec) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=raw_asset_key(spec),
        group_name=f"raw_{spec.system}",
        description=f"{spec.description}\n\nLanding files: `{spec.path}` ({spec.format}).",
        kinds={"parquet"},
        metadata={"landing_glob": spec.path, "format": spec.format, "business_key": list(spec.key)},
    )


class _Lines(logging.Handler):
    """Keeps an entity's log records while a worker thread loads it; the step replays them."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _load_quietly(spec: EntitySpec, settings: Settings) -> tuple[EntityLoadReport, list[logging.LogRecord]]:
    lines = _Lines()
    log = logging.getLogger(f"crmlake.raw_load.{spec.qualified_name}")
    log.propagate, log.level = False, logging.DEBUG
    log.handlers = [lines]
    try:
        return load_entity(spec, settings, log=log), lines.records
    finally:
        log.handlers = []


def _landing_bytes(spec: EntitySpec, settings: Settings) -> int:
    return sum(path.stat().st_size for path, _ in discover(spec, settings))


def _raw_loads(specs: list[EntitySpec]) -> dg.AssetsDefinition:
    by_key = {raw_asset_key(spec): spec for spec in specs}

    @dg.multi_asset(name="raw__landing_files", specs=[_asset_spec(spec) for spec in specs], can_subset=True)
    def raw_landing_files(context: dg.AssetExecutionContext, lakehouse: LakehouseResource):
        chosen = [spec for key, spec in by_key.items() if key in context.selected_asset_keys]
        failed = []
        settings = lakehouse.settings
        for spec, loaded, error in each_in_order(
            chosen, lambda spec: _load_quietly(spec, settings), raw_load_workers(),
            start_first=lambda spec: _landing_bytes(spec, settings), name="raw-load",
        ):
            if error:
                context.log.error(f"{spec.qualified_name}: load failed:\n{error}")
                failed.append(spec.qualified_name)
                continue
            report, records = loaded
            for record in records:
                getattr(context.log, record.levelname.lower(), context.log.info)(record.getMessage())
            if not report.files:
                needed_by = ", ".join(c.key for c in capabilities_needing(spec.qualified_name)) or "none"
                context.log.warning(
                    f"{spec.qualified_name}: not delivered (no landing file matches {spec.path}); "
                    f"capabilities that need it: {needed_by}"
                )
            yield dg.MaterializeResult(
                asset_key=raw_asset_key(spec),
                metadata={**report.to_metadata(), "delivered": bool(report.files)},
            )
        if failed:
            raise dg.Failure(description=f"raw load failed for {', '.join(failed)} (the others are loaded)")

    return raw_landing_files


def raw_definitions(systems: tuple[str, ...] = FILE_SYSTEMS) -> dg.Definitions:
    """The one loading step, and a blocking quality check per entity of ``systems`` (one step too)."""
    specs = [spec for system in systems for spec in entities_of(system)]
    return dg.Definitions(
        assets=[_raw_loads(specs)],
        asset_checks=[raw_quality_checks({raw_asset_key(spec): spec for spec in specs})],
    )
