"""Jobs: the whole pipeline, and ingestion alone."""

from __future__ import annotations

import dagster as dg

from pipelines.sources.sensors import EVERYTHING_JOB

everything_job = dg.define_asset_job(
    EVERYTHING_JOB,
    selection=dg.AssetSelection.all(),
    description="Landing files -> raw Parquet -> quality checks -> dbt staging and marts -> publish.",
)

ingest_job = dg.define_asset_job(
    "ingest_raw",
    selection=dg.AssetSelection.key_prefixes("raw"),
    description="Load new landing files into the raw layer and check them; no dbt, no publish.",
)
