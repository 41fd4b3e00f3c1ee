"""The lead pool's automatic return (公海回收) as a Dagster job on a daily schedule.

Leads without follow-up for ``lead_pool_days`` (settings folder, ``sales.yml``) go back to the pool. The rule lives
in ``operational.workflows.leads.auto_return_stale`` (one set-based UPDATE with audit rows);
this module only decides when it runs: every morning before reps start, Asia/Shanghai time.
"""

import dagster as dg

from operational.db import session_scope
from operational.workflows.leads import auto_return_stale, pool_days
from pipelines.resources import LakehouseResource


@dg.op(description="Return leads without follow-up for N days to the lead pool (公海).")
def return_stale_leads(context: dg.OpExecutionContext, lakehouse: LakehouseResource) -> int:
    settings = lakehouse.settings  # the store and the settings folder come with the resource
    days = pool_days(settings.config_dir)
    with session_scope(settings.operational_url) as session:
        returned = auto_return_stale(session, days=days)
    context.log.info(f"{len(returned)} lead(s) without follow-up for {days} days returned to the pool")
    return len(returned)


@dg.job(description="公海回收: leads without follow-up for N days return to the pool.")
def lead_pool_return_job():
    return_stale_leads()


lead_pool_schedule = dg.ScheduleDefinition(
    job=lead_pool_return_job,
    cron_schedule="30 5 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every day at 05:30 Asia/Shanghai, before the 06:00 pipeline run.",
)

defs = dg.Definitions(jobs=[lead_pool_return_job], schedules=[lead_pool_schedule])
