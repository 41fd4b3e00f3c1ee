"""Sensor and schedule that start the pipeline when landing files arrive, and daily."""

from __future__ import annotations

import hashlib

import dagster as dg

from kernel.contracts import load_contract
from kernel.settings import Settings
from pipelines.ingest.loader import discover
from pipelines.resources import LakehouseResource

EVERYTHING_JOB = "everything"


def landing_fingerprint(settings: Settings) -> str:
    """A digest of (path, size, mtime) of every landing file the loaders would read.

    Through the loaders' own ``discover``: what they skip (an Office ``~$`` lock file, a hidden
    ``.DS_Store``, a symbolic link, even a dangling one) starts no run.
    """
    digest = hashlib.sha256()
    for spec in load_contract().values():
        for path, rel in discover(spec, settings):
            stat = path.lstat()
            digest.update(f"{rel}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


@dg.sensor(
    job_name=EVERYTHING_JOB,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Runs the whole pipeline when files in the landing zone are added or changed.",
)
def landing_sensor(context: dg.SensorEvaluationContext, lakehouse: LakehouseResource):
    fingerprint = landing_fingerprint(lakehouse.settings)
    if fingerprint == context.cursor:
        return dg.SkipReason("no new or changed landing files")
    context.update_cursor(fingerprint)
    return dg.RunRequest(run_key=fingerprint[:16])


daily_schedule = dg.ScheduleDefinition(
    name="daily_everything",
    job_name=EVERYTHING_JOB,
    cron_schedule="0 6 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="The whole pipeline every morning at 06:00 Beijing time.",
)
