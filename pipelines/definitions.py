"""The Dagster code location: merges the per-domain definitions, nothing else."""

import dagster as dg

from kernel.runtime import prepare_process
from kernel.settings import get_settings
from pipelines.alerts import assets as alert_assets
from pipelines.dbt import assets as dbt_assets
from pipelines.finance import assets as finance_assets
from pipelines.jobs import crmlake_run_job, everything_job, ingest_job
from pipelines.partner import assets as partner_assets
from pipelines.publish.assets import publish_definitions
from pipelines.resources import LakehouseResource
from pipelines.sales import assets as sales_assets
from pipelines.service import assets as service_assets
from pipelines.sources import landing_zone, raw_assets
from pipelines.sources.crm_api import jobs as crm_api_jobs
from pipelines.sources.operational import assets as operational
from pipelines.sources.operational import dispatch_timeout, lead_pool
from pipelines.sources.operational.sensors import store_sensor
from pipelines.sources.sensors import daily_schedule, landing_sensor
from pipelines.sources.settings import assets as business_settings

prepare_process()  # telemetry off, dbt on PATH
# Read once; the one `lakehouse` resource carries them to every asset and sensor.
settings = get_settings()

# Every domain's assets; publish runs after all of them.
domains = dg.Definitions.merge(
    raw_assets.raw_definitions(),  # the landing files of crm, erp, callcenter and partners
    landing_zone.defs,
    operational.defs,
    business_settings.defs,
    dbt_assets.defs,
    partner_assets.defs,
    finance_assets.defs,
    sales_assets.defs,
    service_assets.defs,
)

defs = dg.Definitions.merge(
    domains,
    publish_definitions(domains.assets),
    alert_assets.defs,  # after publish: alert rules -> the store's outbox -> e-mail, webhooks
    lead_pool.defs,
    dispatch_timeout.defs,  # the dispatch pool's grab timeout: force-assign by rule
    crm_api_jobs.defs,  # the 销售易 API pull: its landing files start runs through the landing sensor
    dg.Definitions(
        jobs=[crmlake_run_job, everything_job, ingest_job],
        schedules=[daily_schedule],
        sensors=[landing_sensor, store_sensor],
        resources={
            "lakehouse": LakehouseResource.from_settings(settings),
            "dbt": dbt_assets.dbt_resource(),
        },
        # DuckDB has one writer per file and the machine may have 2 cores: run steps in order.
        executor=dg.in_process_executor,
    ),
)
