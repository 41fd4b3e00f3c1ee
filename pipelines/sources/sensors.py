"""Sensor and schedule that start the pipeline when landing files arrive, and daily."""

from __future__ import annotations

import dagster as dg

from pipelines.resources import LakehouseResource
from pipelines.run_inputs import landing_fingerprint

EVERYTHING_JOB = "everything"  # the whole pipeline, whatever changed (the UI's "rebuild all")
RUN_JOB = "crmlake_run"  # what changed and what it feeds: `crmlake run` (pipelines/run_what_changed.py)


@dg.sensor(
    job_name=RUN_JOB,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Runs what changed (`crmlake run`) when files in the landing zone are added or changed.",
)
def landing_sensor(context: dg.SensorEvaluationContext, lakehouse: LakehouseResource):
    fingerprint = landing_fingerprint(lakehouse.settings)
    if fingerprint == context.cursor:
        return dg.SkipReason("no new or changed landing files")
    context.update_cursor(fingerprint)
    return dg.RunRequest(run_key=fingerprint[:16])


daily_schedule = dg.ScheduleDefinition(
    name="daily_run",
    job_name=RUN_JOB,
    cron_schedule="0 6 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="`crmlake run` every morning at 06:00 Beijing time: what changed since the last run "
    "(store saves, files, settings), nothing if nothing did.",
)
