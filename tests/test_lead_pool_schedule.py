"""The lead pool's automatic return runs as a Dagster job on a daily schedule (公海回收)."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import sqlalchemy as sa
from store_fixtures import REP1, make_reference, viewer

from operational.db import now_local, session_scope
from operational.models import Lead
from operational.workflows import leads


def test_schedule_runs_daily_before_the_pipeline_in_shanghai_time():
    from pipelines.sources.operational.lead_pool import lead_pool_schedule

    assert lead_pool_schedule.cron_schedule == "30 5 * * *"
    assert lead_pool_schedule.execution_timezone == "Asia/Shanghai"
    assert lead_pool_schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_job_returns_a_stale_lead_and_keeps_a_fresh_one(tmp_path, monkeypatch):
    from pipelines.sources.operational.lead_pool import lead_pool_return_job

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    monkeypatch.setenv("CRMLAKE_OPERATIONAL_URL", url)
    monkeypatch.setenv("CRMLAKE_CONFIG_DIR", str(tmp_path / "config"))  # no folder: 30 days
    rep, ref = viewer("sales_rep", REP1), make_reference()
    with session_scope(url) as s:
        stale = leads.create_lead(s, rep, {"lead_name": "久未跟进"}, reference=ref).id
        fresh = leads.create_lead(s, rep, {"lead_name": "刚跟进"}, reference=ref).id
    with session_scope(url) as s:
        long_ago = now_local() - dt.timedelta(days=45)
        s.execute(sa.update(Lead).where(Lead.id == stale)
                  .values(created_at=long_ago, assigned_at=long_ago, last_follow_up_at=None))

    from pipelines.resources import LakehouseResource

    result = lead_pool_return_job.execute_in_process(resources={"lakehouse": LakehouseResource.from_settings()})

    assert result.success and result.output_for_node("return_stale_leads") == 1
    with session_scope(url, readonly=True) as s:
        assert s.get(Lead, stale).is_in_pool and s.get(Lead, stale).owner_id is None
        assert s.get(Lead, fresh).owner_id == REP1
