"""Ticket to requirement (issue 21): create from a ticket, link N:1, release, customers to tell, alert.

Hand-computed case: agent1 takes T1 and T2 from 杭州明达 (account 5001), agent2 takes T3 from 天津海川
(5002). agent1 turns T1 into a requirement and links T2; agent2 links T3: 3 linked tickets. The
product manager releases it as 3.2.0 on 2026-12-01: the linked tickets come from 2 customers, so 2
follow-ups: 5001 (owner agent1 = CRM 401, tickets T1,T2) and 5002 (owner agent2 = 402, T3).
agent1 sees 1, the service manager both. The alert rule opens 2 alerts (one per customer, to its
agent); after agent1 marks 5001 notified, the next evaluation closes 1 and 1 stays open.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
import sqlalchemy as sa
from store_workflow_fixtures import reference, store, store_url, viewer  # noqa: F401

from kernel.config.alerts import AlertRule, Alerts
from operational.db import session_scope
from operational.errors import PermissionDenied, ValidationError
from operational.models.alerts import Alert
from operational.models.requirements import RequirementFollowup
from operational.models.service import TicketEvent, TicketRequirementLink
from operational.models.users import AuditLog
from operational.scope import Viewer
from operational.workflows import requirements as rq
from operational.workflows import tickets
from pipelines.alerts.evaluate import evaluate

PM = Viewer(13, "pm1", "product_manager")


def _ticket(url, ref, who: str, account: int, subject: str) -> int:
    with session_scope(url) as s:
        return tickets.create_ticket(s, viewer(who), account_id=account, priority="P3", category="功能需求",
                                     subject=subject, call_id=f"C-{subject}", description=f"{subject}，客户希望支持",
                                     product_code="20.01.0001", reference=ref).id


@pytest.fixture
def released(store, reference):  # noqa: F811
    t1 = _ticket(store, reference, "agent1", 5001, "报表导出PDF")
    t2 = _ticket(store, reference, "agent1", 5001, "导出PDF带水印")
    t3 = _ticket(store, reference, "agent2", 5002, "PDF导出")
    with session_scope(store) as s:
        draft = rq.draft_from_ticket(s, viewer("agent1"), t1, reference=reference)
        req = rq.create_from_ticket(s, viewer("agent1"), t1, reference=reference, **draft)
        rid = req.requirement_id
        rq.link_ticket(s, viewer("agent1"), rid, t2, reference=reference)
    with session_scope(store) as s:
        rq.link_ticket(s, viewer("agent2"), rid, t3, reference=reference)
    with session_scope(store) as s:
        rq.set_status(s, PM, rid, "released", release_version="3.2.0", released_on=dt.date(2026, 12, 1))
    return rid, (t1, t2, t3)


def test_draft_is_prefilled_from_the_ticket(store, reference):  # noqa: F811
    t1 = _ticket(store, reference, "agent1", 5001, "报表导出PDF")
    with session_scope(store) as s:
        draft = rq.draft_from_ticket(s, viewer("agent1"), t1, reference=reference)
        req = rq.create_from_ticket(s, viewer("agent1"), t1, reference=reference, **draft)
        assert draft["title"] == "报表导出PDF"
        assert draft["product_code"] == "20.01.0001" and draft["product_line"] == "software"
        assert draft["description"].startswith("报表导出PDF，客户希望支持")
        assert req.requirement_id.startswith("REQ-OPS-") and req.status == "open" and req.source_ticket_id == t1
        links = s.scalars(sa.select(TicketRequirementLink)).all()
        assert [(lk.ticket_id, lk.requirement_id) for lk in links] == [(t1, req.requirement_id)]
        assert s.scalar(sa.select(sa.func.count()).select_from(TicketEvent).where(
            TicketEvent.event_type == "requirement_link")) == 1


def test_three_tickets_from_two_customers_list_two_customers(released, store, reference):  # noqa: F811
    rid, (t1, t2, t3) = released
    with session_scope(store) as s:
        rows = {f.account_id: f for f in rq.followups(s, viewer("service_mgr1"), reference=reference)}
        assert sorted(rows) == [5001, 5002]
        assert (rows[5001].owner_id, rows[5002].owner_id) == (401, 402)
        assert rows[5001].ticket_nos.count(",") == 1 and rows[5002].ticket_nos.count(",") == 0
        assert {rows[5001].release_version, str(rows[5001].released_on)} == {"3.2.0", "2026-12-01"}
        assert [f.account_id for f in rq.followups(s, viewer("agent1"), reference=reference)] == [5001]
        assert s.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
            AuditLog.table_name == "requirement_followups", AuditLog.action == "release_followup")) == 2


def test_release_rules(released, store, reference):  # noqa: F811
    rid, _ = released
    with session_scope(store) as s:
        with pytest.raises(ValidationError):  # released is final
            rq.set_status(s, PM, rid, "planned")
        with pytest.raises(PermissionDenied):  # agents do not release
            rq.set_status(s, viewer("agent1"), rid, "rejected")
    t4 = _ticket(store, reference, "agent1", 5001, "再要PDF")
    with session_scope(store) as s:  # a further ticket from a listed customer adds nobody
        rq.link_ticket(s, viewer("agent1"), rid, t4, reference=reference)
        assert s.scalar(sa.select(sa.func.count()).select_from(RequirementFollowup)) == 2
    t5 = _ticket(store, reference, "agent2", 5001, "x")
    with session_scope(store) as s:
        other = rq.create_from_ticket(s, viewer("agent2"), t5, title="离线模式", reference=reference).requirement_id
    with session_scope(store) as s, pytest.raises(ValidationError) as bad:  # a release needs version and date
        rq.set_status(s, PM, other, "released", release_version=" ")
    assert set(bad.value.errors) == {"release_version", "released_on"}


def _snapshot(path) -> str:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema staging; create schema intermediate")
        con.execute("create table staging.stg_crm__users as select * from (values "
                    "(401, '孙客服', 'sun@example.com', 403, true), (402, '周客服', 'zhou@example.com', 403, true)) "
                    "t(user_id, user_name, email, manager_id, is_active)")
        con.execute("create table intermediate.int_accounts_unioned as select * from (values "
                    "(5001, '杭州明达机械有限公司'), (5002, '天津海川化工有限公司')) t(account_id, account_name)")
    return str(path)


def test_alert_per_customer_closes_when_notified(released, store, reference, tmp_path):  # noqa: F811
    snapshot = _snapshot(tmp_path / "snap.duckdb")
    config = Alerts(rules=[AlertRule(id="requirement_released", kind="requirement_released", recipients=["owner"])])
    first = evaluate(snapshot, store, config).rules[0]
    assert (first.conditions, first.opened, first.closed) == (2, 2, 0)
    with session_scope(store) as s:
        keys = sorted(a.recipient_key for a in s.scalars(sa.select(Alert).where(Alert.state == "open")))
        assert keys == ["crm:401", "crm:402"]
        assert "杭州明达机械有限公司" in s.scalar(sa.select(Alert.title).where(Alert.recipient_key == "crm:401"))
        mine = rq.followups(s, viewer("agent1"), reference=reference)[0]
        rq.mark_notified(s, viewer("agent1"), mine.id, "电话告知", reference=reference)
    again = evaluate(snapshot, store, config).rules[0]
    assert (again.conditions, again.opened, again.closed, again.unchanged) == (1, 0, 1, 1)
