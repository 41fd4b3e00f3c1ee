"""Jobs: what changed (what the sensors and the schedule start), the whole pipeline, ingestion alone."""

from __future__ import annotations

import dagster as dg

from pipelines.resources import LakehouseResource
from pipelines.run_what_changed import run_what_changed
from pipelines.sources.sensors import EVERYTHING_JOB, RUN_JOB


@dg.op(description="Runs what changed since the last successful run: nothing, some assets, or everything.")
def run_what_changed_op(context, lakehouse: LakehouseResource) -> None:
    outcome = run_what_changed(lakehouse.settings, instance=context.instance, say=context.log.info)
    if outcome.ran and not outcome.success:
        raise dg.Failure(description=f"pipeline run {outcome.run_id} failed; nothing new was published",
                         metadata={"reasons": outcome.reasons})


@dg.job(name=RUN_JOB, description="`crmlake run` in Dagster, what the sensors and the daily schedule start; "
        "the pipeline run it starts, if anything changed, is its own run in the run list.")
def crmlake_run_job():
    run_what_changed_op()


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
