"""Store sensor: starts the pipeline when rows in the operational store changed since the
last extraction (one aggregate per table against the watermark; no rows read)."""

import hashlib
import json

import dagster as dg

from pipelines.resources import LakehouseResource
from pipelines.sources.operational.extract import pending_changes
from pipelines.sources.sensors import RUN_JOB


@dg.sensor(
    job_name=RUN_JOB,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Runs what changed (`crmlake run`) when records were saved in the operational "
    "store after the last extraction.",
)
def store_sensor(context: dg.SensorEvaluationContext, lakehouse: LakehouseResource):
    pending = pending_changes(lakehouse.settings)
    if not pending:
        return dg.SkipReason("no store changes since the last extraction")
    # The same pending state asks once: Dagster drops a run key it has already seen.
    digest = hashlib.sha256(json.dumps(pending, sort_keys=True).encode()).hexdigest()
    context.log.info(f"store changed: {', '.join(sorted(pending))}")
    return dg.RunRequest(run_key=f"ops-{digest[:16]}", tags={"trigger": "store_sensor"})
