"""Raw assets of the operational store: one asset ``raw/ops/<table>`` per extractable table.

One multi-asset so a run opens the store once; it can be subset (``key:raw/ops/opportunities``).
The dbt source ``ops.<table>`` maps to the same key (see pipelines/dbt/translator.py), so the
staging models ``stg_ops__<table>`` and the unioned CRM staging models sit downstream of it.
"""

import dagster as dg

from pipelines.resources import LakehouseResource
from pipelines.sources.operational.extract import (
    OPS_SYSTEM,
    extract_changes,
    store_tables,
    write_schema_files,
)

GROUP = f"raw_{OPS_SYSTEM}"


def ops_asset_key(table_name: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", OPS_SYSTEM, table_name])


def _spec(table) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=ops_asset_key(table.name),
        group_name=GROUP,
        kinds={"parquet"},
        description=(
            f"Changes of store table `{table.name}` since the last watermark (inserts, updates, "
            "soft deletes as `_op`), one Parquet file per extraction."
        ),
        metadata={"store_table": table.name, "business_key": ["id"]},
        skippable=True,
    )


TABLES = store_tables()


@dg.multi_asset(
    specs=[_spec(t) for t in TABLES],
    can_subset=True,
    name="extract_operational_store",
    description="Extract the operational store's changes since the watermark into raw/ops.",
)
def operational_extract(context: dg.AssetExecutionContext, lakehouse: LakehouseResource):
    settings = lakehouse.settings
    write_schema_files(settings.raw_dir, TABLES)  # dbt reads every ops table, even in a subset run
    wanted = [t for t in TABLES if ops_asset_key(t.name) in context.selected_asset_keys]
    results = extract_changes(settings, wanted)
    for name, extract in results.items():
        if extract.rows:
            context.log.info(f"ops.{name}: {extract.rows} rows -> {extract.file}")
        if extract.quarantined:  # the others still flow: the bad record must not stop publishing
            context.log.warning(
                f"ops.{name}: {extract.quarantined} record(s) with values their column cannot hold "
                f"quarantined ({settings.quarantine_dir / OPS_SYSTEM / name}); correct them in the store"
            )
        yield dg.MaterializeResult(asset_key=ops_asset_key(name), metadata=extract.to_metadata())


defs = dg.Definitions(assets=[operational_extract])
