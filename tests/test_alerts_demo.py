"""Alerts on the demo (issue 19's "done when"): after the S=1 demo run, the evaluation sends the
overdue mails to a real local SMTP server and the SLA escalations to a WeCom robot on a local HTTP
receiver, as many as the published marts say (counted here with SQL of their own); a second
evaluation sends nothing new. The run's own store and settings are left alone: the alerts go to a
store of this test's own."""

from __future__ import annotations

import datetime as dt

import alert_receivers
import duckdb
import pytest

from kernel.config.alerts import AlertChannel, AlertRule, Alerts
from operational.db import session_scope
from pipelines.alerts.delivery import send_due
from pipelines.alerts.evaluate import evaluate

smtp = alert_receivers.smtp  # fixtures: a real SMTP server and an HTTP receiver on 127.0.0.1
webhook = alert_receivers.webhook

pytestmark = pytest.mark.slow


def expected(snapshot) -> tuple[int, int]:
    """(mails: overdue installments whose owner has an e-mail address, robot messages: open SLA
    clocks that reached a step, times their team's leads who are CRM users)."""
    with duckdb.connect(str(snapshot), read_only=True) as con:
        mails = con.execute("""select count(*) from finance.overdue_warnings w
                               join staging.stg_crm__users u on u.user_id = w.owner_id
                               where u.email is not null and u.is_active""").fetchone()[0]
        posts = con.execute("""
            with clocks as (select distinct e.ticket_no, e.metric, e.team from service.ticket_sla_escalations e
                            join service.ticket_sla s using (ticket_no, metric) where s.is_open)
            select count(*) from clocks c join staging.stg_callcenter__agents a
              on a.team = c.team and a.role = 'team_lead' and a.crm_user_id is not null
            join staging.stg_crm__users u on u.user_id = a.crm_user_id and u.is_active""").fetchone()[0]
    return mails, posts


def test_demo_run_then_evaluation_sends_the_expected_alerts_once(pipeline_run, tmp_path, smtp, webhook):
    snapshot = pipeline_run.settings.published_database
    store = f"sqlite:///{tmp_path / 'alerts_store.sqlite'}"
    config = Alerts(
        channels={"mail": AlertChannel(kind="email", url_env="T_SMTP"), "wecom": AlertChannel(kind="wecom", url_env="T_WECOM")},
        rules=[AlertRule(id="overdue", kind="overdue_installment", recipients=["owner"], channels=["mail"]),
               AlertRule(id="sla", kind="sla_escalation", recipients=["team_lead"], channels=["wecom"])])
    env = {"T_SMTP": smtp.url, "T_WECOM": webhook.url}
    mails, posts = expected(snapshot)
    assert mails > 0 and posts > 0  # the demo has both

    now = dt.datetime(2026, 12, 1, 10, 0)
    for attempt in (1, 2):
        report = evaluate(snapshot, store, config, now=now)
        with session_scope(store) as session:
            sent = send_due(session, config, now, env)
        assert [r.outcome for r in report.rules] == ["computed", "computed"]
        if attempt == 1:
            assert sent.failed == sent.gave_up == 0 and sent.sent == mails + posts
        else:
            assert sent.sent == 0 and report.rules[0].opened == report.rules[1].opened == 0
        now += dt.timedelta(hours=1)
    assert len(smtp.mails) == mails and len(webhook.received) == posts
    assert all("¥" in subject for _, subject, _ in smtp.mails)
