"""The publish step: the last asset of every full run."""


import dagster as dg

from pipelines.dbt.assets import dbt_models
from pipelines.publish.snapshot import publish_snapshot
from pipelines.resources import LakehouseResource


@dg.asset(
    key=dg.AssetKey(["published", "snapshot"]),
    group_name="publish",
    deps=[dbt_models],
    kinds={"duckdb"},
    description="Read-only DuckDB snapshot for apps and analysts, swapped in atomically "
    "only after every upstream blocking check and dbt test passed.",
)
def published_snapshot(
    context: dg.AssetExecutionContext, lakehouse: LakehouseResource
) -> dg.MaterializeResult:
    result = publish_snapshot(lakehouse.settings, context.run.run_id)
    return dg.MaterializeResult(
        metadata={
            "published_database": dg.MetadataValue.path(str(result.published_database)),
            "tables": len(result.tables),
            "total_rows": sum(result.tables.values()),
            "row_counts": dg.MetadataValue.json(result.tables),
            "seconds": result.seconds,
        }
    )


defs = dg.Definitions(assets=[published_snapshot])
