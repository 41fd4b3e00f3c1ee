"""The CRM pull as a Dagster job on a daily schedule, before the daily pipeline run.

A job, not assets: its product is landing files, which the landing-zone sensor already turns into
a run of the raw assets and everything downstream; as assets it would also join the
"everything" job and every `crmlake run`, which must work without a tenant. The schedule is on
by default only where the tenant's credentials are in the environment.
"""

import os

import dagster as dg

from kernel.config import load_business_settings
from pipelines.resources import LakehouseResource
from pipelines.sources.crm_api.client import client_for
from pipelines.sources.crm_api.extract import extract_crm
from pipelines.sources.crm_api.secrets import ENV, MissingCredentials


@dg.op(description="Pull every CRM entity changed since its watermark from 销售易's OpenAPI into the landing zone.")
def extract_crm_api(context: dg.OpExecutionContext, lakehouse: LakehouseResource) -> int:
    settings = lakehouse.settings
    config = load_business_settings(settings.config_dir).crm_api
    try:
        client = client_for(config)
    except MissingCredentials as exc:
        raise dg.Failure(description=str(exc)) from None
    with client:
        results = extract_crm(client, settings, config, on_entity=lambda p: context.log.info(p.line()))
    failed = [p for p in results if p.error]
    written = sum(p.records for p in results)
    context.add_output_metadata({
        "records_written": written,
        "pages_written": sum(p.pages for p in results),
        "entities_failed": ", ".join(p.entity for p in failed) or "none",
        "deleted_in_crm": sum(p.deleted or 0 for p in results),
    })
    if failed:
        raise dg.Failure(description="not extracted: " + "; ".join(p.line() for p in failed))
    return written


@dg.job(description="销售易 OpenAPI -> landing zone (crm/<entity>/delta_*/page_*.json); the landing sensor runs the rest.")
def crm_api_extract_job():
    extract_crm_api()


crm_api_schedule = dg.ScheduleDefinition(
    job=crm_api_extract_job,
    cron_schedule="15 5 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=(dg.DefaultScheduleStatus.RUNNING if all(os.environ.get(v) for v in ENV.values())
                    else dg.DefaultScheduleStatus.STOPPED),
    description="Every day at 05:15 Asia/Shanghai, before the 06:00 pipeline run; on when the tenant's credentials are set.",
)

defs = dg.Definitions(jobs=[crm_api_extract_job], schedules=[crm_api_schedule])
