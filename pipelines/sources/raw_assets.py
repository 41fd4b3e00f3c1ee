"""Factory for raw-layer assets: one Dagster asset per contract entity.

Each asset loads the entity's new or corrected landing files into Parquet (see
:mod:`pipelines.ingest`) and reports what it read, loaded and quarantined as metadata.
"""


import dagster as dg

from kernel.capabilities import capabilities_needing
from kernel.contracts import EntitySpec, entities_of
from pipelines.checks.raw_checks import raw_quality_check
from pipelines.ingest import load_entity
from pipelines.resources import LakehouseResource


def raw_asset_key(spec: EntitySpec) -> dg.AssetKey:
    return dg.AssetKey(["raw", spec.system, spec.name])


def _raw_asset(spec: EntitySpec) -> dg.AssetsDefinition:
    @dg.asset(
        key=raw_asset_key(spec),
        group_name=f"raw_{spec.system}",
        description=f"{spec.description}\n\nLanding files: `{spec.path}` ({spec.format}).",
        kinds={"parquet"},
        metadata={"landing_glob": spec.path, "format": spec.format, "business_key": list(spec.key)},
    )
    def _load(context: dg.AssetExecutionContext, lakehouse: LakehouseResource) -> dg.MaterializeResult:
        report = load_entity(spec, lakehouse.settings, log=context.log)
        if not report.files:
            needed_by = ", ".join(c.key for c in capabilities_needing(spec.qualified_name)) or "none"
            context.log.warning(
                f"{spec.qualified_name}: not delivered (no landing file matches {spec.path}); "
                f"capabilities that need it: {needed_by}"
            )
        return dg.MaterializeResult(metadata={**report.to_metadata(), "delivered": bool(report.files)})

    return _load


def raw_definitions(system: str) -> dg.Definitions:
    """Assets and blocking quality checks for every entity of one source system."""
    specs = entities_of(system)
    return dg.Definitions(
        assets=[_raw_asset(spec) for spec in specs],
        asset_checks=[raw_quality_check(spec, raw_asset_key(spec)) for spec in specs],
    )
