"""The dispatch pool's grab timeout (issue 21): a sensor asks the store every minute whether a grab
offer's time is up and, only then, starts the one-op job that force-assigns those orders by rule
(``operational.workflows.dispatch.force_assign_expired``).

Why a sensor and not a schedule: a per-minute schedule would start a run every minute all day for
a pool that is empty most of the time; the sensor's question is one count over an index, and the
run list shows a run only when an order was actually forced. An order is never assigned before its
deadline (the rule compares ``grab_deadline <= now``); it may be up to one sensor interval after
it. ``crmlake``-less sites can call the same function from cron.
"""

import dagster as dg

from kernel.config import current_business_settings
from operational.db import now_local, session_scope
from operational.reference import Reference
from operational.workflows.dispatch import expired_offers, force_assign_expired
from pipelines.resources import LakehouseResource
from pipelines.sources.operational.extract import store_exists


@dg.op(description="Force-assign the dispatch pool's grab offers nobody took in time (nearest free engineer).")
def force_assign_expired_offers(context: dg.OpExecutionContext, lakehouse: LakehouseResource) -> dict:
    settings = lakehouse.settings
    snapshot = settings.published_database
    reference = Reference.load(snapshot) if snapshot.exists() else Reference()
    with session_scope(settings.operational_url) as session:
        outcome = force_assign_expired(session, dispatch=current_business_settings(settings.config_dir).service.dispatch,
                                       reference=reference)
    context.log.info(f"dispatch pool: {outcome['due']} offer(s) due, {outcome['force_assigned']} force-assigned, "
                     f"{outcome['no_engineer_free']} waiting for a free engineer")
    return outcome


@dg.job(description="派单池超时: grab offers nobody took in time are force-assigned by rule.")
def dispatch_timeout_job():
    force_assign_expired_offers()


@dg.sensor(job=dispatch_timeout_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Every minute: is a dispatch-pool grab offer past its deadline? Then force-assign it.")
def dispatch_timeout_sensor(context: dg.SensorEvaluationContext, lakehouse: LakehouseResource):
    url = lakehouse.settings.operational_url
    if not store_exists(url):  # never create a store by asking it
        return dg.SkipReason("no operational store yet")
    try:
        with session_scope(url, readonly=True) as session:
            due = expired_offers(session)
    except Exception as exc:  # a store not reachable or not migrated yet: say why, start nothing
        return dg.SkipReason(f"not computed: the store could not be asked ({type(exc).__name__}: {exc})")
    if not due:
        return dg.SkipReason("no grab offer is past its deadline")
    # one run per minute at most: a slow run is not started twice for the same offers
    return dg.RunRequest(run_key=f"dispatch-timeout-{now_local():%Y%m%d%H%M}")


defs = dg.Definitions(jobs=[dispatch_timeout_job], sensors=[dispatch_timeout_sensor])
