"""Alerts that reach people (issue 19), hand-worked on small hand-made inputs.

Each case builds a tiny published snapshot (a temp DuckDB with only the tables the rule reads)
and a temp SQLite store, runs the evaluation and the delivery, and reads what a real local SMTP
server (aiosmtpd) and a local HTTP receiver on 127.0.0.1 caught:

- an installment 3 days overdue mails its owner once; a re-run sends nothing; 7 days later a
  reminder; paid (gone from the warnings) a "cleared" mail and the alert closes;
- an SLA clock at 75 % tells the team lead (mail + WeCom robot); at 100 % the same alert
  escalates and the store ticket's priority goes P3 -> P2, audited; a re-run raises nothing more;
- an alert found in quiet hours waits and goes out with the others as one digest when they end;
- a failing channel (the webhook answers 500) is retried with a growing wait and reported while
  the mail goes out; after max_attempts it is given up;
- a rule whose mart is missing is "not computed" and keeps its open alerts.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import alert_receivers
import duckdb
import pytest
import sqlalchemy as sa

from kernel.config import ConfigError, load_business_settings
from kernel.config.alerts import AlertChannel, AlertRule, Alerts
from operational import alerts as store_alerts
from operational.db import session_scope
from operational.errors import PermissionDenied
from operational.ids import next_id
from operational.models import AuditLog
from operational.models.alerts import Alert, AlertDelivery
from operational.models.service import Ticket
from operational.scope import Viewer
from pipelines.alerts.delivery import send_due
from pipelines.alerts.evaluate import evaluate
from pipelines.alerts.messages import yuan

smtp = alert_receivers.smtp  # fixtures: a real SMTP server and an HTTP receiver on 127.0.0.1
webhook = alert_receivers.webhook

OWNER, MANAGER, LEAD = 1001, 1002, 1003
DAY = dt.datetime(2026, 11, 2, 10, 0)


# ---------------------------------------------------------------- hand-made inputs

def _users(con) -> None:
    con.execute("create schema if not exists staging")
    con.execute("create table staging.stg_crm__users (user_id bigint, user_name varchar, email varchar, manager_id bigint, is_active boolean)")
    con.execute("insert into staging.stg_crm__users values (?, '张伟', 'zhangwei@example.com', ?, true), "
                "(?, '王经理', 'wang@example.com', null, true), (?, '李组长', 'li.lead@example.com', null, true)",
                [OWNER, MANAGER, MANAGER, LEAD])
    con.execute("create table staging.stg_callcenter__agents (agent_id varchar, team varchar, role varchar, crm_user_id bigint)")
    con.execute("insert into staging.stg_callcenter__agents values ('A1', '一线热线组', 'team_lead', ?), ('A2', '一线热线组', 'agent', null)", [LEAD])


def snapshot(path: Path, *, overdue: list[tuple[int, int, str]] = (), escalations: list[tuple[str, float]] = (),
             ticket_open: bool = True, with_finance: bool = True) -> Path:
    """A published snapshot holding ``overdue`` (installment id, days overdue, open amount) and the
    SLA escalation steps (action, share) reached by ticket TK1's resolution clock."""
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        _users(con)
        if with_finance:
            con.execute("create schema finance")
            con.execute("""create table finance.overdue_warnings (warning_id varchar, installment_id bigint, owner_id bigint,
                owner_name varchar, account_name varchar, contract_no varchar, order_no varchar, batch_no integer,
                amount decimal(18,2), open_amount decimal(18,2), due_date date, days_overdue integer, as_of_date date)""")
            for installment, days, open_amount in overdue:
                con.execute("insert into finance.overdue_warnings values (?, ?, ?, '张伟', '上海华测导航技术股份有限公司', 'HT2026-00010', "
                            "'SO1', 2, 20000, ?, date '2026-10-01', ?, date '2026-10-01' + ?::integer)",
                            [f"OW-{installment}", installment, OWNER, Decimal(open_amount), days, days])
        con.execute("create schema service")
        con.execute("""create table service.ticket_sla_escalations (ticket_no varchar, metric varchar, action varchar,
            at_share double, priority varchar, raised_to_priority varchar, team varchar, triggered_at timestamp)""")
        con.execute("""create table service.ticket_sla (ticket_no varchar, metric varchar, is_open boolean, target_minutes integer,
            business_minutes double, due_at timestamp, account_id bigint)""")
        con.execute("insert into service.ticket_sla values ('TK1', 'resolution', ?, 960, 800, timestamp '2026-11-02 18:00', 1)", [ticket_open])
        for action, share in escalations:
            con.execute("insert into service.ticket_sla_escalations values ('TK1', 'resolution', ?, ?, 'P3', ?, '一线热线组', timestamp '2026-11-02 09:00')",
                        [action, share, "P2" if action == "raise_priority" else None])
    return path


def config(smtp=None, webhook=None, **rule_changes) -> Alerts:
    channels = {}
    if smtp:
        channels["mail"] = AlertChannel(kind="email", url_env="TEST_ALERTS_SMTP_URL")
    if webhook:
        channels["wecom"] = AlertChannel(kind="wecom", url_env="TEST_ALERTS_WECOM_URL")
    names = list(channels)
    overdue = {"id": "overdue", "kind": "overdue_installment", "recipients": ["owner"], "channels": names,
               "repeat_every_days": 7, **rule_changes}
    sla = {"id": "sla", "kind": "sla_escalation", "recipients": ["team_lead"], "channels": names}
    return Alerts(channels=channels, rules=[AlertRule(**overdue), AlertRule(**sla)], retry_minutes=5, max_attempts=3)


def env(smtp=None, webhook=None) -> dict[str, str]:
    out = {}
    if smtp:
        out["TEST_ALERTS_SMTP_URL"] = smtp.url
    if webhook:
        out["TEST_ALERTS_WECOM_URL"] = webhook.url
    return out


@pytest.fixture
def store(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'store.sqlite'}"


def run(snap: Path, store: str, cfg: Alerts, now: dt.datetime, environment: dict):
    report = evaluate(snap, store, cfg, now=now)
    with session_scope(store) as session:
        sent = send_due(session, cfg, now, environment)
    return report, sent


# ---------------------------------------------------------------- overdue installment

def test_overdue_installment_mails_its_owner_once_reminds_after_n_days_and_closes_when_paid(tmp_path, store, smtp):
    cfg, environment = config(smtp), env(smtp)
    snap = tmp_path / "crmlake.duckdb"

    report, sent = run(snapshot(snap, overdue=[(501, 3, "12345.6")]), store, cfg, DAY, environment)
    assert [r.opened for r in report.rules] == [1, 0] and sent.sent == 1
    (to, subject, text), = smtp.mails
    assert to == ["zhangwei@example.com"]
    assert "逾期回款" in subject and "¥12,345.60" in subject
    assert "已逾期 3 天" in text and "3 days overdue" in text  # Chinese, then the English line
    assert "/overdue?installment_id=501" in text

    run(snapshot(snap, overdue=[(501, 4, "12345.6")]), store, cfg, DAY + dt.timedelta(days=1), environment)
    assert len(smtp.mails) == 1  # one more day overdue: same reminder step, nothing sent

    run(snapshot(snap, overdue=[(501, 10, "12345.6")]), store, cfg, DAY + dt.timedelta(days=7), environment)
    assert len(smtp.mails) == 2 and "再次提醒" in smtp.mails[1][1] and "已逾期 10 天" in smtp.mails[1][2]

    run(snapshot(snap, overdue=[]), store, cfg, DAY + dt.timedelta(days=8), environment)  # paid
    assert len(smtp.mails) == 3 and "已解除" in smtp.mails[2][1]
    with session_scope(store, readonly=True) as s:
        alert = s.scalars(sa.select(Alert)).one()
        statuses = s.scalars(sa.select(AlertDelivery.status)).all()
    assert alert.state == "closed" and alert.closed_at == DAY + dt.timedelta(days=8)
    assert statuses == ["sent"] * 3

    run(snapshot(snap, overdue=[]), store, cfg, DAY + dt.timedelta(days=9), environment)
    assert len(smtp.mails) == 3  # cleared stays cleared


def test_an_alert_whose_condition_comes_back_opens_again_beside_a_new_one(tmp_path, store, smtp):
    # 501 overdue (opened), paid (closed), overdue again on day 20 while 502 falls overdue the
    # same day: 501's row opens again (same id, acknowledgement cleared) and 502 is a new alert;
    # each gets its own "open" mail, and 501's deliveries read open, close, open.
    cfg, environment = config(smtp), env(smtp)
    snap = tmp_path / "crmlake.duckdb"
    run(snapshot(snap, overdue=[(501, 3, "100")]), store, cfg, DAY, environment)
    with session_scope(store) as s:
        first = s.scalars(sa.select(Alert)).one()
        first_id, first.acknowledged_at, first.acknowledged_by = first.id, DAY, "login:1"
    run(snapshot(snap, overdue=[]), store, cfg, DAY + dt.timedelta(days=1), environment)
    report, sent = run(snapshot(snap, overdue=[(501, 22, "100"), (502, 2, "200")]), store, cfg,
                       DAY + dt.timedelta(days=20), environment)

    assert [r.opened for r in report.rules] == [2, 0] and sent.sent == 2
    with session_scope(store, readonly=True) as s:
        alerts = {a.subject_id: a for a in s.scalars(sa.select(Alert))}
        events = {subject: [d.event for d in s.scalars(sa.select(AlertDelivery).where(AlertDelivery.alert_id == a.id)
                                                       .order_by(AlertDelivery.id))]
                  for subject, a in alerts.items()}
    assert sorted(alerts) == ["501", "502"]
    again, new = alerts["501"], alerts["502"]
    assert again.id == first_id and again.state == "open" and again.closed_at is None
    assert again.acknowledged_at is None and again.acknowledged_by is None
    assert again.opened_at == DAY + dt.timedelta(days=20) and "已逾期 22 天" in again.body
    assert new.id > first_id and new.state == "open"
    assert events == {"501": ["open", "close", "open"], "502": ["open"]}
    assert len(smtp.mails) == 4 and "已解除" in smtp.mails[1][1]
    assert sorted("¥200.00" in m[1] for m in smtp.mails[2:]) == [False, True]


def test_amount_band_and_manager_chain_route_large_amounts_up(tmp_path, store, smtp):
    cfg = config(smtp, min_amount=Decimal(100_000), recipients=["owner", "manager_chain"])
    run(snapshot(tmp_path / "s.duckdb", overdue=[(1, 5, "99999.99"), (2, 5, "250000")]), store, cfg, DAY, env(smtp))
    assert sorted(m[0][0] for m in smtp.mails) == ["wang@example.com", "zhangwei@example.com"]
    assert all("¥250,000.00" in m[1] for m in smtp.mails)


# ---------------------------------------------------------------- SLA

def _store_ticket(store: str) -> int:
    with session_scope(store) as s:
        now = DAY - dt.timedelta(hours=5)
        ticket = Ticket(id=next_id(s), ticket_no="TK1", account_id=1, channel="phone", priority="P3", category="故障报修",
                        subject="打印机无法联网", call_id="C1", status="in_progress", team="一线热线组",
                        created_at=now, updated_at=now, version=1, source_system="ops")
        s.add(ticket)
        s.flush()
        return ticket.id


def test_sla_75_then_100_tells_the_team_lead_then_raises_priority_in_the_store(tmp_path, store, smtp, webhook):
    ticket_id = _store_ticket(store)
    cfg, environment = config(smtp, webhook), env(smtp, webhook)
    snap = tmp_path / "crmlake.duckdb"

    run(snapshot(snap, escalations=[("notify_team_lead", 0.75)]), store, cfg, DAY, environment)
    (to, subject, text), = smtp.mails
    assert to == ["li.lead@example.com"] and "SLA 75%" in subject and "通知组长" in text
    (post,) = webhook.received
    assert post["path"].endswith("key=robotkey") and post["json"]["msgtype"] == "text"
    assert "@李组长" in post["json"]["text"]["content"] and "TK1" in post["json"]["text"]["content"]
    with session_scope(store, readonly=True) as s:
        assert s.get(Ticket, ticket_id).priority == "P3"  # 75 %: only told

    escalated = snapshot(snap, escalations=[("notify_team_lead", 0.75), ("raise_priority", 1.0)])
    report, _ = run(escalated, store, cfg, DAY + dt.timedelta(hours=2), environment)
    assert len(smtp.mails) == 2 and "升级" in smtp.mails[1][1] and "P3 → P2" in smtp.mails[1][2]
    assert report.rules[1].actions == ["ticket TK1: raised P3 -> P2"]
    with session_scope(store, readonly=True) as s:
        ticket = s.get(Ticket, ticket_id)
        audit = s.scalars(sa.select(AuditLog).where(AuditLog.table_name == "tickets", AuditLog.record_id == ticket_id)).all()
    assert ticket.priority == "P2" and ticket.version == 2
    assert [(a.action, a.changed_by_name) for a in audit] == [("raise_priority", "alerts")]
    assert '"priority": "P3"' in audit[0].before_json and '"priority": "P2"' in audit[0].after_json

    report, _ = run(escalated, store, cfg, DAY + dt.timedelta(hours=3), environment)
    assert len(smtp.mails) == 2 and len(webhook.received) == 2 and report.rules[1].actions == []
    with session_scope(store, readonly=True) as s:
        assert s.get(Ticket, ticket_id).priority == "P2"

    run(snapshot(snap, escalations=[("notify_team_lead", 0.75), ("raise_priority", 1.0)], ticket_open=False),
        store, cfg, DAY + dt.timedelta(hours=4), environment)
    assert "已解除" in smtp.mails[-1][1]  # resolved: the alert closes


# ---------------------------------------------------------------- quiet hours, digest

def test_quiet_hours_hold_alerts_and_send_one_digest_when_they_end(tmp_path, store, smtp):
    cfg = config(smtp, quiet_hours="22:00-08:00")
    night = dt.datetime(2026, 11, 2, 23, 0)
    _, sent = run(snapshot(tmp_path / "s.duckdb", overdue=[(1, 2, "1000"), (2, 9, "2500000.5")]), store, cfg, night, env(smtp))
    assert sent.sent == 0 and smtp.mails == []
    with session_scope(store) as s:
        assert send_due(s, cfg, dt.datetime(2026, 11, 3, 7, 59), env(smtp)).sent == 0
        assert send_due(s, cfg, dt.datetime(2026, 11, 3, 8, 0), env(smtp)).sent == 2
    (to, subject, text), = smtp.mails
    assert to == ["zhangwei@example.com"] and "Digest" in subject and "2 条提醒" in subject
    assert "¥1,000.00" in text and "¥2,500,000.50" in text


def test_digest_rule_waits_for_digest_time(tmp_path, store, smtp):
    cfg = config(smtp, delivery="digest")
    run(snapshot(tmp_path / "s.duckdb", overdue=[(1, 2, "1000")]), store, cfg, DAY, env(smtp))
    assert smtp.mails == []
    with session_scope(store) as s:
        assert send_due(s, cfg, dt.datetime(2026, 11, 3, 8, 30), env(smtp)).sent == 1


# ---------------------------------------------------------------- a failing channel

def test_failing_channel_retries_with_growing_wait_and_never_blocks_the_mail(tmp_path, store, smtp, webhook):
    webhook.state["status"] = 500
    cfg, environment = config(smtp, webhook), env(smtp, webhook)
    _, sent = run(snapshot(tmp_path / "s.duckdb", overdue=[(1, 2, "1000")]), store, cfg, DAY, environment)
    assert sent.sent == 1 and sent.failed == 1 and len(smtp.mails) == 1
    assert "wecom" in sent.errors[0] and "500" in sent.errors[0]
    with session_scope(store) as s:
        row = s.scalars(sa.select(AlertDelivery).where(AlertDelivery.channel == "wecom")).one()
        assert (row.status, row.attempts, row.not_before) == ("failed", 1, DAY + dt.timedelta(minutes=5))
        assert "500" in row.last_error
        assert send_due(s, cfg, DAY + dt.timedelta(minutes=4), environment).failed == 0  # not yet due
        assert send_due(s, cfg, DAY + dt.timedelta(minutes=5), environment).failed == 1
        s.refresh(row)
        assert (row.attempts, row.not_before) == (2, DAY + dt.timedelta(minutes=15))  # 5, then 10 minutes
        assert send_due(s, cfg, DAY + dt.timedelta(minutes=15), environment).gave_up == 1
        s.refresh(row)
        assert row.status == "gave_up" and row.attempts == 3
    assert len(webhook.received) == 3 and len(smtp.mails) == 1


def test_failed_channel_succeeds_on_retry(tmp_path, store, smtp, webhook):
    webhook.state["status"] = 500
    cfg, environment = config(smtp, webhook), env(smtp, webhook)
    run(snapshot(tmp_path / "s.duckdb", overdue=[(1, 2, "1000")]), store, cfg, DAY, environment)
    webhook.state["status"] = 200
    with session_scope(store) as s:
        assert send_due(s, cfg, DAY + dt.timedelta(minutes=5), environment).sent == 1
        assert s.scalars(sa.select(AlertDelivery.status)).all() == ["sent", "sent"]


def test_missing_channel_secret_is_reported_not_raised(tmp_path, store, smtp):
    cfg = config(smtp)
    _, sent = run(snapshot(tmp_path / "s.duckdb", overdue=[(1, 2, "1000")]), store, cfg, DAY, {})
    assert sent.failed == 1 and "TEST_ALERTS_SMTP_URL is not set" in sent.errors[0]


# ---------------------------------------------------------------- not computed, inbox

def test_a_rule_whose_mart_is_missing_keeps_its_alerts(tmp_path, store):
    cfg = config()
    snap = tmp_path / "s.duckdb"
    run(snapshot(snap, overdue=[(1, 2, "1000")]), store, cfg, DAY, {})
    report, _ = run(snapshot(snap, with_finance=False), store, cfg, DAY, {})
    assert report.rules[0].outcome == "not computed: the published snapshot has no finance.overdue_warnings"
    with session_scope(store, readonly=True) as s:
        assert s.scalars(sa.select(Alert.state)).all() == ["open"]


def test_inbox_lists_my_alerts_and_acknowledge_is_audited(tmp_path, store):
    run(snapshot(tmp_path / "s.duckdb", overdue=[(1, 2, "1000")]), store, config(), DAY, {})
    me = Viewer(user_id=7, username="zhangwei", role="sales_rep", crm_user_id=OWNER)
    other = Viewer(user_id=8, username="lisi", role="sales_rep", crm_user_id=9999)
    with session_scope(store) as s:
        (alert,) = store_alerts.my_alerts(s, me)
        assert store_alerts.my_alerts(s, other) == []
        with pytest.raises(PermissionDenied):
            store_alerts.acknowledge(s, other, alert.id, DAY)
        store_alerts.acknowledge(s, me, alert.id, DAY)
    with session_scope(store, readonly=True) as s:
        assert s.get(Alert, alert.id).acknowledged_by == "zhangwei"
        assert s.scalars(sa.select(AuditLog.action).where(AuditLog.table_name == "alerts")).all() == ["acknowledge"]


# ---------------------------------------------------------------- the settings file

@pytest.mark.parametrize(("text", "key", "words"), [
    ("rules:\n  - {id: a, kind: overdue_installment, hours: 4}\n", "rules[0]", "hours is not a setting of kind overdue_installment"),
    ("rules:\n  - {id: a, kind: sla_escalation, channels: [mail]}\n", "", "channel mail is not defined under channels"),
    ("rules:\n  - {id: a, kind: stalled_opportunity, recipients: [boss]}\n", "rules[0].recipients", "'boss' is not a recipient"),
    ("rules:\n  - {id: a, kind: overdue_installment, quiet_hours: '22:00'}\n", "rules[0].quiet_hours", "22:00-08:00"),
    ("channels:\n  mail: {kind: email, url_env: 'smtp://user:secret@host'}\n", "channels.mail.url_env", "not an environment variable name"),
])
def test_alerts_yml_errors_name_the_file_and_the_key(tmp_path, text, key, words):
    (tmp_path / "alerts.yml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_business_settings(tmp_path)
    assert err.value.path.name == "alerts.yml" and err.value.key == key and words in str(err.value)


def test_alerts_yml_fills_kind_defaults():
    rule = AlertRule(id="x", kind="overdue_installment")
    assert (rule.days_overdue, rule.repeat_every_days, rule.hours) == (0, 7, None)
    assert yuan(Decimal("1234567.891")) == "¥1,234,567.89" and yuan(None) == "¥—"


# ---------------------------------------------------------------- the command and the asset

def _home(tmp_path: Path, smtp) -> Path:
    home = tmp_path / "home"
    (home / "published").mkdir(parents=True)
    (home / "config").mkdir()
    snapshot(home / "published" / "crmlake.duckdb", overdue=[(7, 3, "8888.8")])
    (home / "config" / "alerts.yml").write_text(
        "channels:\n  mail: {kind: email, url_env: TEST_ALERTS_SMTP_URL}\n"
        "rules:\n  - {id: overdue, kind: overdue_installment, recipients: [owner], channels: [mail]}\n", encoding="utf-8")
    return home


def test_crmlake_alerts_evaluate_send_reads_alerts_yml_and_sends_once(tmp_path, smtp, monkeypatch, capsys):
    from tools.cli import main

    home = _home(tmp_path, smtp)
    monkeypatch.setenv("CRMLAKE_HOME", str(home))
    monkeypatch.setenv("TEST_ALERTS_SMTP_URL", smtp.url)
    assert main(["alerts", "evaluate", "--send"]) == 0
    assert main(["alerts", "evaluate", "--send"]) == 0
    out = capsys.readouterr().out
    assert "overdue: 1 conditions (0 without recipient), 1 opened" in out and "1 sent" in out
    assert "0 opened, 0 re-notified, 0 closed, 1 unchanged" in out and "0 sent" in out
    assert [m[0] for m in smtp.mails] == [["zhangwei@example.com"]] and "¥8,888.80" in smtp.mails[0][1]
    assert main(["alerts", "status"]) == 0
    assert "overdue" in capsys.readouterr().out


def test_the_asset_after_publish_evaluates_and_sends(tmp_path, smtp, monkeypatch):
    import dagster as dg

    from kernel.settings import get_settings
    from pipelines.alerts.assets import alerts_outbox
    from pipelines.resources import LakehouseResource

    home = _home(tmp_path, smtp)
    monkeypatch.setenv("TEST_ALERTS_SMTP_URL", smtp.url)
    settings = get_settings({"CRMLAKE_HOME": str(home)})
    result = dg.materialize([alerts_outbox], resources={"lakehouse": LakehouseResource.from_settings(settings)})
    assert result.success
    (materialization,) = result.asset_materializations_for_node(alerts_outbox.op.name)
    assert materialization.metadata["sent"].value == 1 and len(smtp.mails) == 1


def test_a_person_without_e_mail_is_given_up_at_once_and_keeps_the_inbox_alert(tmp_path, store, smtp):
    snap = snapshot(tmp_path / "s.duckdb", overdue=[(1, 2, "1000")])
    with duckdb.connect(str(snap)) as con:
        con.execute("insert into staging.stg_crm__users values (1004, '赵六', null, null, true)")
        con.execute("update finance.overdue_warnings set owner_id = 1004")
    cfg = config(smtp)
    _, sent = run(snap, store, cfg, DAY, env(smtp))
    assert (sent.sent, sent.failed, sent.gave_up) == (0, 0, 1) and "no e-mail address" in sent.errors[0]
    with session_scope(store, readonly=True) as s:
        assert s.scalars(sa.select(Alert.recipient_key)).all() == ["crm:1004"]  # still in 赵六's inbox


def test_an_inactive_owner_s_alert_goes_to_the_manager_by_default_rule(tmp_path, store, smtp):
    from kernel.config.alerts import DEFAULT_RULES

    snap = snapshot(tmp_path / "s.duckdb", overdue=[(1, 2, "1000")])
    with duckdb.connect(str(snap)) as con:
        con.execute("update staging.stg_crm__users set is_active = false where user_id = ?", [OWNER])
    rule = DEFAULT_RULES[0].model_copy(update={"channels": ["mail"]})
    cfg = Alerts(channels={"mail": AlertChannel(kind="email", url_env="TEST_ALERTS_SMTP_URL")}, rules=[rule])
    run(snap, store, cfg, DAY, env(smtp))
    assert [m[0] for m in smtp.mails] == [["wang@example.com"]]


# ---------------------------------------------------------------- the other rule kinds

def _as_of(con, day: str) -> None:
    con.execute("create schema if not exists intermediate")
    con.execute(f"create table intermediate.int_snapshot_as_of as select date '{day}' as as_of_date")


def test_approval_waiting_goes_to_the_owner_s_own_approver_and_closes_when_decided(tmp_path, store):
    from operational.auth import create_user
    from operational.models.orders import Approval

    snap = snapshot(tmp_path / "s.duckdb")
    with session_scope(store) as s:
        mine = create_user(s, "wang", "a-long-password-1", "sales_manager", crm_user_id=MANAGER)
        create_user(s, "other_mgr", "a-long-password-2", "sales_manager", crm_user_id=None)
        approval_id = next_id(s)
        created = DAY - dt.timedelta(hours=30)
        s.add(Approval(id=approval_id, owner_id=OWNER, object_type="quote", object_id=42, approver_role="sales_manager",
                       reason="折扣 20%", status="pending", created_at=created, updated_at=created, version=1))
        mine_key = f"login:{mine.id}"
    rule = AlertRule(id="approvals", kind="approval_waiting", recipients=["approver"], hours=24)
    cfg = Alerts(rules=[rule])
    assert evaluate(snap, store, cfg, now=DAY - dt.timedelta(hours=8)).rules[0].conditions == 0  # 22 hours: not yet
    report = evaluate(snap, store, cfg, now=DAY)
    with session_scope(store) as s:
        alert = s.scalars(sa.select(Alert)).one()
        assert report.rules[0].opened == 1 and alert.recipient_key == mine_key and "已等待 30 小时" in alert.title
        s.get(Approval, approval_id).status = "approved"
    assert evaluate(snap, store, cfg, now=DAY + dt.timedelta(hours=1)).rules[0].closed == 1


def test_registration_protection_ending_tells_the_channel_manager(tmp_path, store):
    snap = snapshot(tmp_path / "s.duckdb")
    with duckdb.connect(str(snap)) as con:
        _as_of(con, "2026-11-02")
        con.execute("create schema partner")
        con.execute("""create table partner.deal_registrations as select * from (values
            (11, 7001, '甲公司', 500000.00, 'protected', date '2026-11-07'),
            (12, 7001, '乙公司', 100.00, 'protected', date '2026-11-12'),
            (13, 7001, '丙公司', 100.00, 'protection expired', date '2026-11-01'))
            t(registration_id, partner_id, customer_name, estimated_amount, protection_status, protected_until)""")
        con.execute("create table staging.stg_partners__partners as select 7001 as partner_id, ? as channel_manager_id", [MANAGER])
    rule = AlertRule(id="reg", kind="registration_expiring", recipients=["channel_manager"], days_before_end=7)
    evaluate(snap, store, Alerts(rules=[rule]), now=DAY)
    with session_scope(store, readonly=True) as s:
        (alert,) = s.scalars(sa.select(Alert)).all()
    assert (alert.subject_id, alert.recipient_key) == ("11", f"crm:{MANAGER}")
    assert "剩 5 天" in alert.title and "¥500,000.00" in alert.body


def test_stalled_opportunity_alerts_on_the_activities_marts_idle_days_and_routes_up(tmp_path, store):
    # the idle days come from sales.opportunity_idle_days (its own hand-worked cases:
    # tests/test_activities_discounts.py); the rule adds its threshold and amount band
    snap = snapshot(tmp_path / "s.duckdb")
    with duckdb.connect(str(snap)) as con:
        _as_of(con, "2026-11-02")
        con.execute("create schema sales")
        con.execute("""create table sales.opportunity_idle_days as select * from (values
            (21, ?, '大项目', '甲公司', '方案报价', 2000000.00, 43, '张伟'),
            (22, ?, '有跟进', '乙公司', '方案报价', 2000000.00, 3, '张伟'),
            (24, ?, '小单', '丁公司', '方案报价', 20000.00, 90, '张伟'))
            t(opportunity_id, owner_id, opportunity_name, account_name, stage, amount, idle_days, owner_name)""",
                    [OWNER, OWNER, OWNER])
    rule = AlertRule(id="stalled", kind="stalled_opportunity", recipients=["owner", "manager_chain"], stalled_days=30,
                     min_amount=Decimal(1_000_000))
    evaluate(snap, store, Alerts(rules=[rule]), now=DAY)
    with session_scope(store, readonly=True) as s:
        alerts = s.scalars(sa.select(Alert).order_by(Alert.recipient_key)).all()
    # 22 is idle 3 days (under 30), 24 is under the rule's ¥1,000,000 band
    assert [(a.subject_id, a.recipient_key) for a in alerts] == [("21", f"crm:{OWNER}"), ("21", f"crm:{MANAGER}")]
    assert "43 天" in alerts[0].title and "¥2,000,000.00" in alerts[0].title


@pytest.mark.parametrize(("url", "path", "text_of"), [
    ("wecombot://wecomkey", "/cgi-bin/webhook/send?key=wecomkey", lambda j: j["text"]["content"]),
    ("dingtalk://dingtoken", "/robot/send?access_token=dingtoken", lambda j: j["text"]["content"]),
    ("feishu://feishu-token", "/open-apis/bot/v2/hook/feishu-token/", lambda j: j["content"]["text"]),
])
def test_the_three_workplace_robots_carry_the_chinese_message(webhook, url, path, text_of):
    from pipelines.alerts.delivery import send_one

    send_one(url, "【提醒 Alert】逾期回款 ¥12,345.60", "@张伟\n已逾期 3 天\n3 days overdue")
    (post,) = webhook.received
    assert post["path"] == path
    assert "¥12,345.60" in text_of(post["json"]) and "已逾期 3 天" in text_of(post["json"])


def test_two_senders_at_once_send_each_message_once(tmp_path, store, smtp, monkeypatch):
    from pipelines.alerts import delivery

    cfg = config(smtp)
    evaluate(snapshot(tmp_path / "s.duckdb", overdue=[(1, 2, "1000"), (2, 3, "2000")]), store, cfg, now=DAY)
    groups = delivery._groups

    def the_other_sender_runs_first(rows):  # after this sender read the due rows, before it sends
        monkeypatch.setattr(delivery, "_groups", groups)
        with session_scope(store) as other:
            assert send_due(other, cfg, DAY, env(smtp)).sent == 2
        return groups(rows)

    monkeypatch.setattr(delivery, "_groups", the_other_sender_runs_first)
    with session_scope(store) as s:
        assert send_due(s, cfg, DAY, env(smtp)).sent == 0
    assert len(smtp.mails) == 2


def test_commission_statement_of_an_ended_open_month_is_ready_for_finance(tmp_path, store):
    from operational.auth import create_user

    snap = snapshot(tmp_path / "s.duckdb")
    with duckdb.connect(str(snap)) as con:
        _as_of(con, "2026-11-02")
        con.execute("""create table finance.commission_statements as select * from (values
            (?, '张伟', '华东销售一组', date '2026-10-01', date '2026-10-31', 12000.00, 500.00, 12500.00, 'open'),
            (?, '张伟', '华东销售一组', date '2026-11-01', date '2026-11-30', 100.00, 0.00, 100.00, 'open'),
            (?, '张伟', '华东销售一组', date '2026-09-01', date '2026-09-30', 9000.00, 0.00, 9000.00, 'locked'))
            t(user_id, user_name, department_name, period_start, period_end, commission_amount, adjustment_amount, total_amount, status)""",
                    [OWNER, OWNER, OWNER])
    with session_scope(store) as s:
        finance = create_user(s, "caiwu", "a-long-password-3", "finance").id
    rule = AlertRule(id="commission", kind="commission_ready", recipients=["role:finance", "owner"])
    evaluate(snap, store, Alerts(rules=[rule]), now=DAY)
    with session_scope(store, readonly=True) as s:
        alerts = s.scalars(sa.select(Alert).order_by(Alert.recipient_key)).all()
    october = f"{OWNER}|2026-10-01|2026-10-31"
    assert [(a.subject_id, a.recipient_key) for a in alerts] == [(october, f"crm:{OWNER}"), (october, f"login:{finance}")]
    assert "2026-10 ¥12,500.00" in alerts[0].title


def test_partner_requests_waiting_go_to_the_partner_s_channel_manager(tmp_path, store):
    from operational.models.partners import DealRegistration, SpecialPriceRequest

    snap = snapshot(tmp_path / "s.duckdb")
    with duckdb.connect(str(snap)) as con:
        con.execute("create table staging.stg_partners__partners as select 7001 as partner_id, ? as channel_manager_id", [MANAGER])
    with session_scope(store) as s:
        old, fresh = DAY - dt.timedelta(hours=50), DAY - dt.timedelta(hours=2)
        s.add(SpecialPriceRequest(id=next_id(s), partner_id=7001, product_id=5, product_code="GNSS-R10", status="pending",
                                  quantity=Decimal(10), requested_price=Decimal("8800"), requested_at=old,
                                  created_at=old, updated_at=old, version=1))
        s.add(DealRegistration(id=next_id(s), partner_id=7001, customer_name="甲公司", status="pending", protection_days=90,
                               estimated_amount=Decimal("300000"), submitted_at=fresh, created_at=fresh, updated_at=fresh, version=1))
    rule = AlertRule(id="approvals", kind="approval_waiting", recipients=["approver"], hours=24)
    evaluate(snap, store, Alerts(rules=[rule]), now=DAY)
    with session_scope(store, readonly=True) as s:
        (alert,) = s.scalars(sa.select(Alert)).all()  # the registration has waited 2 hours only
    assert (alert.subject_type, alert.recipient_key) == ("special_price", f"crm:{MANAGER}")
    assert "¥8,800.00" in alert.title and "已等待 50 小时" in alert.title


def test_changing_alerts_yml_needs_no_rebuild_but_other_settings_do(tmp_path):
    from kernel.settings import get_settings
    from pipelines.run_inputs import settings_fingerprint

    settings = get_settings({"CRMLAKE_HOME": str(tmp_path)})
    settings.config_dir.mkdir(parents=True)
    (settings.config_dir / "finance.yml").write_text("overdue_warning_days: 0\n", encoding="utf-8")
    before = settings_fingerprint(settings)
    (settings.config_dir / "alerts.yml").write_text("digest_at: '09:00'\n", encoding="utf-8")
    assert settings_fingerprint(settings) == before
    (settings.config_dir / "finance.yml").write_text("overdue_warning_days: 3\n", encoding="utf-8")
    assert settings_fingerprint(settings) != before
