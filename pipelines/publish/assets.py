"""The publish step: the last asset of every full run, downstream of every other asset."""

from collections.abc import Sequence

import dagster as dg

from pipelines.publish.snapshot import publish_snapshot
from pipelines.resources import LakehouseResource

PUBLISHED_KEY = dg.AssetKey(["published", "snapshot"])


def publish_definitions(upstream: Sequence[dg.AssetsDefinition]) -> dg.Definitions:
    """The publish asset, depending on every asset in ``upstream`` (raw, dbt, models, ...).

    Built from the other definitions so a new domain is published without touching this file.
    """
    upstream_keys = sorted(
        {key for assets_def in upstream for key in assets_def.keys}, key=lambda k: k.path
    )

    @dg.asset(
        key=PUBLISHED_KEY,
        group_name="publish",
        deps=upstream_keys,
        kinds={"duckdb", "spark"},
        description="Read-only DuckDB snapshot for apps and analysts, swapped in atomically "
        "only after every upstream blocking check and dbt test passed.",
    )
    def published_snapshot(
        context: dg.AssetExecutionContext, lakehouse: LakehouseResource
    ) -> dg.MaterializeResult:
        result = publish_snapshot(lakehouse.settings, context.run.run_id, lakehouse.engine_name)
        return dg.MaterializeResult(
            metadata={
                "published_database": dg.MetadataValue.path(str(result.published_database)),
                "tables": len(result.tables),
                "total_rows": sum(result.tables.values()),
                "row_counts": dg.MetadataValue.json(result.tables),
                "seconds": result.seconds,
                "engine": lakehouse.engine_name,
            }
        )

    return dg.Definitions(assets=[published_snapshot])
