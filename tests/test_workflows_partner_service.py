"""Deal registrations, special prices and tickets on a real SQLite store: happy paths, bad input,
conflicts over the resolved company, the partner wall (partner1 never reaches partner2's rows),
ticket transitions with their events, ratings and requirement links."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal

import duckdb
import pytest
import sqlalchemy as sa
from store_workflow_fixtures import account_and_opportunity, viewer
from store_workflow_fixtures import reference as reference  # noqa: F401  (module fixture)
from store_workflow_fixtures import store as store  # noqa: F401  (fixture)
from store_workflow_fixtures import store_url as store_url  # noqa: F401  (fixture)

from operational import records
from operational.db import now_local, session_scope
from operational.errors import PermissionDenied, StaleRecordError, ValidationError
from operational.models.partners import DealRegistration
from operational.models.sales import Account, Opportunity
from operational.models.service import TicketEvent
from operational.reference import Reference
from operational.scope import Viewer
from operational.workflows import partners, tickets

D = Decimal
MINGDA = "杭州明达机械有限公司"  # in the registry: 91330100MA2ABCDE1X


def register(store, reference, who="partner1", name=MINGDA, **kw):
    kw.setdefault("estimated_amount", "500000")
    with session_scope(store) as s:
        return partners.create_deal_registration(s, viewer(who), name, reference=reference, **kw)


# ---------------------------------------------------------------- deal registrations

def test_registration_resolves_the_company_and_defaults_to_90_days(store, reference):
    reg = register(store, reference, expected_close_date="2026-12-31", product_line="hardware")
    assert (reg.partner_id, reg.status, reg.company_key, reg.protection_days) == (7001, "pending", "91330100MA2ABCDE1X", 90)
    assert (reg.has_conflict, reg.conflict_note) == (False, None)
    assert reg.expected_close_date == dt.date(2026, 12, 31)


def test_conflict_with_another_partners_registration_whatever_the_spelling(store, reference):
    register(store, reference, "partner1")
    # the same partner registering again is no conflict with itself
    assert not register(store, reference, "partner1", name="杭州明达机械有限责任公司").has_conflict
    other = register(store, reference, "partner2", name="明达机械（杭州）有限公司")  # same company, other spelling
    assert other.company_key == "91330100MA2ABCDE1X" and other.has_conflict
    assert "2 个其他伙伴的报备" in other.conflict_note and "7001" not in other.conflict_note  # no names of others


def test_conflict_with_open_opportunities_in_the_store_and_the_lakehouse(store, reference):
    # the lakehouse's claims: a rep's open opportunity on 天津海川化工
    published = register(store, reference, name="天津海川化工有限公司")
    assert published.has_conflict and "opportunit" in published.conflict_note
    # the store's: an open opportunity on an account of the same resolved company
    with session_scope(store) as s:
        rep = viewer("rep1")
        account = records.insert(s, rep, Account, {"owner_id": 101, "account_name": "杭州明达机械有限公司",
                                                   "company_key": "91330100MA2ABCDE1X"}, reference=reference)
        records.insert(s, rep, Opportunity, {"owner_id": 101, "account_id": account.id, "opportunity_name": "产线改造",
                                             "stage": "需求确认"}, reference=reference)
    reg = register(store, reference)
    assert reg.has_conflict and "opportunit" in reg.conflict_note
    with session_scope(store) as s:
        claims = partners.registration_conflicts(s, viewer("channel1"), reg.id, reference=reference)
        assert [(c["claim_type"], c["owner_type"], c["owner_id"]) for c in claims] == [("opportunity", "rep", "101")]
        with pytest.raises(PermissionDenied):
            partners.registration_conflicts(s, viewer("partner1"), reg.id, reference=reference)


def test_approval_protects_the_deal_and_blocks_a_second_partner(store, reference):
    first = register(store, reference, "partner1")
    second = register(store, reference, "partner2", name="杭州明达机械有限责任公司")
    with session_scope(store) as s:
        approved = partners.approve_registration(s, viewer("channel1"), first.id, "首报 first", reference=reference)
        assert (approved.status, approved.approved_by) == ("approved", 501)
        assert approved.protected_until == now_local().date() + dt.timedelta(days=90)
        assert records.history(s, "deal_registrations", first.id)[-1]["action"] == "approve"
    with session_scope(store) as s, pytest.raises(ValidationError) as err:
        partners.approve_registration(s, viewer("channel1"), second.id, reference=reference)
    assert str(now_local().date() + dt.timedelta(days=90)) in err.value.errors["status"]
    with session_scope(store) as s:
        assert partners.reject_registration(s, viewer("channel1"), second.id, "已被保护 protected", reference=reference).status == "rejected"


def test_protection_period_is_configurable(store, reference, monkeypatch, tmp_path):
    from kernel.config import ConfigError

    monkeypatch.setenv("CRMLAKE_CONFIG_DIR", str(tmp_path))
    (tmp_path / "partner.yml").write_text("registration_protection_days: 60\n", encoding="utf-8")
    assert register(store, reference).protection_days == 60
    assert register(store, reference, protection_days=30).protection_days == 30
    (tmp_path / "partner.yml").write_text("registration_protection_days: forever\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="partner.yml: registration_protection_days"):
        partners.protection_days_default()


def test_bad_registration_input_names_the_fields(store, reference):
    with pytest.raises(ValidationError) as err:
        register(store, reference, name="x", estimated_amount="-1", protection_days=400, expected_close_date="明天")
    assert set(err.value.errors) == {"customer_name", "estimated_amount", "protection_days", "expected_close_date"}
    with pytest.raises(ValidationError) as err:
        register(store, reference, who="channel1")  # a channel manager must say for which partner
    assert "partner_id" in err.value.errors
    with pytest.raises(ValidationError) as err:
        register(store, reference, who="admin", partner_id=4242)
    assert "4242" in err.value.errors["partner_id"]
    with session_scope(store) as s:
        reg = register(store, reference)
        with pytest.raises(ValidationError) as err:
            partners.reject_registration(s, viewer("channel1"), reg.id, " ", reference=reference)
        assert "decision_comment" in err.value.errors
        with pytest.raises(PermissionDenied):
            partners.approve_registration(s, viewer("partner1"), reg.id, reference=reference)  # no self-approval


def test_partner_never_reaches_another_partners_registration(store, reference):
    """partner1 cannot see partner2's registration through any path: list, get, update, approve,
    history, special prices, conflicts; nor register for partner2."""
    theirs = register(store, reference, "partner2", name="宁波新客户有限公司")
    mine = register(store, reference, "partner1", name="苏州另一家有限公司")
    p1 = viewer("partner1")
    with session_scope(store) as s:
        assert [r.id for r in partners.list_registrations(s, p1, reference=reference)] == [mine.id]
        assert [r.id for r in partners.list_registrations(s, viewer("partner2"), reference=reference)] == [theirs.id]
        assert {r.id for r in partners.list_registrations(s, viewer("channel1"), reference=reference)} == {mine.id, theirs.id}
        assert partners.list_registrations(s, viewer("rep1"), reference=reference) == []
        for call in (
            lambda: partners.get_registration(s, p1, theirs.id, reference=reference),
            lambda: partners.update_registration(s, p1, theirs.id, {"estimated_amount": "1"}, 1, reference=reference),
            lambda: partners.approve_registration(s, p1, theirs.id, reference=reference),
            lambda: partners.reject_registration(s, p1, theirs.id, "no", reference=reference),
            lambda: partners.registration_conflicts(s, p1, theirs.id, reference=reference),
            lambda: records.history(s, "deal_registrations", theirs.id, p1, reference),
            lambda: partners.request_special_price(s, p1, 2, 1, "1000", registration_id=theirs.id, reference=reference),
            lambda: partners.create_deal_registration(s, p1, "某某公司", estimated_amount=1, partner_id=7002, reference=reference),
        ):
            with pytest.raises(PermissionDenied):
                call()
        # a channel manager of other partners and a rep are walled off too
        outsider = viewer("channel1").__class__(13, "channel2", "channel_manager", 999, 60)
        with pytest.raises(PermissionDenied):
            partners.get_registration(s, outsider, theirs.id, reference=reference)
        with pytest.raises(PermissionDenied):
            partners.get_registration(s, viewer("rep1"), theirs.id, reference=reference)
        assert s.get(DealRegistration, theirs.id).version == 1  # nothing changed


def test_partner_edits_own_pending_registration_with_version_check(store, reference):
    reg = register(store, reference)
    with session_scope(store) as s:
        edited = partners.update_registration(s, viewer("partner1"), reg.id, {"estimated_amount": "650000"}, 1,
                                              reference=reference)
        assert (edited.estimated_amount, edited.version) == (D("650000.00"), 2)
    with session_scope(store) as s, pytest.raises(StaleRecordError) as err:
        partners.update_registration(s, viewer("partner1"), reg.id, {"estimated_amount": "1"}, 1, reference=reference)
    assert err.value.current["estimated_amount"] == D("650000.00")
    with session_scope(store) as s, pytest.raises(ValidationError) as err:
        partners.update_registration(s, viewer("partner1"), reg.id, {"status": "approved"}, 2, reference=reference)
    assert "status" in err.value.errors


# ---------------------------------------------------------------- special prices

def approved_registration(store, reference, who="partner1"):
    reg = register(store, reference, who)
    with session_scope(store) as s:
        return partners.approve_registration(s, viewer("channel1"), reg.id, reference=reference)


def test_special_price_on_an_approved_registration(store, reference):
    reg = approved_registration(store, reference)
    with session_scope(store) as s:
        req = partners.request_special_price(s, viewer("partner1"), 2, "10", "1200", registration_id=reg.id,
                                             reason="竞品报价 competitor", reference=reference)
        assert (req.partner_id, req.product_code, req.list_price, req.status) == (7001, "10.03.0002", D("1450.00"), "pending")
    with session_scope(store) as s:  # the approval chain's first two steps (tests/test_partner_settlement.py)
        partners.approve_special_price(s, Viewer(20, "partner1_mgr", "partner_user", None, None, 7001), req.id,
                                       reference=reference)
        partners.approve_special_price(s, viewer("admin"), req.id, reference=reference)
        done = partners.approve_special_price(s, viewer("channel1"), req.id, "1250", valid_until="2099-12-31",
                                              reference=reference)
        assert (done.status, done.approved_price, done.decided_by, done.valid_until) == (
            "approved", D("1250.00"), 501, dt.date(2099, 12, 31))
        assert [r.id for r in partners.list_special_prices(s, viewer("partner1"), reference=reference)] == [req.id]
        assert partners.list_special_prices(s, viewer("partner2"), reference=reference) == []
        with pytest.raises(PermissionDenied):
            partners.get_special_price(s, viewer("partner2"), req.id, reference=reference)


def test_bad_special_price_requests(store, reference):
    reg = approved_registration(store, reference)
    pending = register(store, reference, name="苏州另一家有限公司")
    p1 = viewer("partner1")
    with session_scope(store) as s:
        with pytest.raises(ValidationError) as err:
            partners.request_special_price(s, p1, 2, "0", "1450", registration_id=reg.id, reference=reference)
        assert set(err.value.errors) == {"quantity", "requested_price"}  # not below list
        with pytest.raises(ValidationError) as err:
            partners.request_special_price(s, p1, 2, "1", "100", registration_id=pending.id, reference=reference)
        assert "approved" in err.value.errors["registration_id"]
        with pytest.raises(ValidationError) as err:
            partners.request_special_price(s, p1, 2, "1", "100", reference=reference)
        assert "registration_id" in err.value.errors
        with pytest.raises(ValidationError) as err:
            partners.request_special_price(s, p1, 99, "1", "100", registration_id=reg.id, reference=reference)
        assert "product_id" in err.value.errors
        req = partners.request_special_price(s, p1, 2, "1", "1000", registration_id=reg.id, reference=reference)
        with pytest.raises(ValidationError) as err:
            partners.approve_special_price(s, viewer("channel1"), req.id, "2000", reference=reference)
        assert "approved_price" in err.value.errors
        with pytest.raises(ValidationError) as err:
            partners.reject_special_price(s, viewer("channel1"), req.id, "", reference=reference)
        assert "decision_comment" in err.value.errors
        with pytest.raises(ValidationError, match="requester"):  # the chain: never one's own request
            partners.approve_special_price(s, p1, req.id, reference=reference)
        with pytest.raises(PermissionDenied):  # step 1 is the partner's, not the channel manager's
            partners.approve_special_price(s, viewer("channel1"), req.id, reference=reference)
        assert partners.reject_special_price(s, viewer("admin"), req.id, "低于底价 below floor",
                                             reference=reference).status == "rejected"


def test_special_price_on_a_partner_opportunity(store, reference):
    _, opp_id = account_and_opportunity(store, reference)
    with session_scope(store) as s:
        opp = s.get(Opportunity, opp_id)
        with pytest.raises(ValidationError) as err:
            partners.request_special_price(s, viewer("admin"), 2, 1, "1000", opportunity_id=opp_id, reference=reference)
        assert "partner" in err.value.errors["opportunity_id"]
        records.update(s, viewer("rep1"), opp, {"partner_id": 7001}, opp.version, reference=reference)
    with session_scope(store) as s:
        req = partners.request_special_price(s, viewer("partner1"), 2, 1, "1000", opportunity_id=opp_id, reference=reference)
        assert (req.partner_id, req.opportunity_id, req.registration_id) == (7001, opp_id, None)


# ---------------------------------------------------------------- tickets

def new_ticket(store, reference, who="agent1", **kw):
    values = dict(account_id=5001, priority="P2", category="故障报修", subject="设备报警 E07", call_id="C2026050000001")
    values.update(kw)
    with session_scope(store) as s:
        return tickets.create_ticket(s, viewer(who), reference=reference, **values)


def events(store, reference, ticket_id, who="service_mgr1"):
    with session_scope(store) as s:
        return [(e.event_type, e.from_status, e.to_status, e.actor)
                for e in tickets.ticket_events(s, viewer(who), ticket_id, reference=reference)]


def test_ticket_lifecycle_writes_an_event_per_change(store, reference):
    ticket = new_ticket(store, reference)
    assert (ticket.status, ticket.channel, ticket.owner_id) == ("new", "phone", 401)
    assert ticket.ticket_no.startswith(f"TK{now_local():%Y%m%d}")
    with session_scope(store) as s:
        t = tickets.assign_ticket(s, viewer("service_mgr1"), ticket.id, 402, agent_id="A1011", team="二线技术组",
                                  reference=reference)
        assert (t.status, t.owner_id, t.assignee_agent_id) == ("assigned", 402, "A1011")
    a2 = viewer("agent2")
    with session_scope(store) as s:
        tickets.change_status(s, a2, ticket.id, "in_progress", reference=reference)
        tickets.change_status(s, a2, ticket.id, "waiting_on_customer", reference=reference)
        tickets.change_status(s, a2, ticket.id, "in_progress", reference=reference)
        t = tickets.change_status(s, a2, ticket.id, "resolved", comment="更换传感器", reference=reference)
        assert t.resolved_at is not None
    with session_scope(store) as s:
        t = tickets.close_with_rating(s, a2, ticket.id, 4, "满意", reference=reference)
        assert (t.status, t.rating, t.rating_comment) == ("closed", 4, "满意") and t.closed_at is not None
    assert events(store, reference, ticket.id) == [
        ("status_change", None, "new", "agent1"),
        ("assignment", None, None, "service_mgr1"),
        ("status_change", "new", "assigned", "service_mgr1"),
        ("status_change", "assigned", "in_progress", "agent2"),
        ("status_change", "in_progress", "waiting_on_customer", "agent2"),
        ("status_change", "waiting_on_customer", "in_progress", "agent2"),
        ("status_change", "in_progress", "resolved", "agent2"),
        ("status_change", "resolved", "closed", "agent2"),
        ("rating", None, None, "agent2"),
    ]
    with session_scope(store) as s:
        assert [h["action"] for h in records.history(s, "tickets", ticket.id)] == [
            "insert", "assign", "update", "update", "update", "update", "close"]


def test_disallowed_transitions_and_bad_ratings(store, reference):
    ticket = new_ticket(store, reference)
    a1 = viewer("agent1")
    with session_scope(store) as s, pytest.raises(ValidationError) as err:
        tickets.change_status(s, a1, ticket.id, "resolved", reference=reference)
    assert "assigned" in err.value.errors["status"]  # the allowed move is named
    with session_scope(store) as s, pytest.raises(ValidationError):
        tickets.change_status(s, a1, ticket.id, "assigned", reference=reference)  # only through assign
    with session_scope(store) as s:
        tickets.assign_ticket(s, viewer("service_mgr1"), ticket.id, 401, reference=reference)
        tickets.change_status(s, a1, ticket.id, "in_progress", reference=reference)
        with pytest.raises(ValidationError) as err:
            tickets.close_with_rating(s, a1, ticket.id, 5, reference=reference)
        assert "resolved" in err.value.errors["status"]
        tickets.change_status(s, a1, ticket.id, "resolved", reference=reference)
        for bad in (0, 6, "很好", None):
            with pytest.raises(ValidationError) as err:
                tickets.close_with_rating(s, a1, ticket.id, bad, reference=reference)
            assert "rating" in err.value.errors
        with pytest.raises(ValidationError) as err:
            tickets.change_status(s, a1, ticket.id, "closed", reference=reference)
        assert "rating" in err.value.errors["status"]
        reopened = tickets.change_status(s, a1, ticket.id, "in_progress", reference=reference)
        assert reopened.resolved_at is None


def test_bad_ticket_input_names_the_fields(store, reference):
    with pytest.raises(ValidationError) as err:
        new_ticket(store, reference, call_id="", priority="urgent", category="其他", subject=" ")
    assert set(err.value.errors) >= {"call_id", "priority", "category", "subject"}
    with pytest.raises(ValidationError) as err:
        new_ticket(store, reference, account_id=123)
    assert "123" in err.value.errors["account_id"]
    chat = new_ticket(store, reference, call_id=None, conversation_id="CV202605000001")
    assert chat.channel == "chat"
    with session_scope(store) as s:
        with pytest.raises(ValidationError) as err:
            tickets.assign_ticket(s, viewer("service_mgr1"), chat.id, 101, reference=reference)  # a sales rep
        assert "assignee_user_id" in err.value.errors
        with pytest.raises(PermissionDenied):
            tickets.assign_ticket(s, viewer("agent1"), chat.id, 402, reference=reference)
    with pytest.raises(PermissionDenied):
        new_ticket(store, reference, who="rep1")  # the tickets screen is the service team's


def test_agents_see_their_tickets_managers_all(store, reference):
    mine = new_ticket(store, reference, "agent1")
    theirs = new_ticket(store, reference, "agent2")
    with session_scope(store) as s:
        assert [t.id for t in tickets.list_tickets(s, viewer("agent1"), reference=reference)] == [mine.id]
        assert {t.id for t in tickets.list_tickets(s, viewer("service_mgr1"), reference=reference)} == {mine.id, theirs.id}
        with pytest.raises(PermissionDenied):
            tickets.change_status(s, viewer("agent1"), theirs.id, "assigned", reference=reference)
        with pytest.raises(PermissionDenied):
            tickets.ticket_events(s, viewer("agent1"), theirs.id, reference=reference)


def test_link_requirement_by_hand_and_from_a_suggestion(store, reference, tmp_path):
    ticket = new_ticket(store, reference, category="功能需求", subject="希望支持移动端审批")
    # the matching model's published suggestions for this ticket (as the service asset writes them)
    published = tmp_path / "published.duckdb"
    shutil.copyfile(reference.source, published)  # not copy(): the published file is 0444
    with duckdb.connect(str(published)) as con:
        con.execute("insert into service.requirement_link_suggestions values (?, 1, 'REQ-00002', 0.61234), "
                    "(?, 2, 'REQ-00001', 0.2)", [ticket.ticket_no, ticket.ticket_no])
    ref = Reference.from_duckdb(published)
    assert [x["requirement_id"] for x in tickets.suggestions_for(ticket.ticket_no, ref)] == ["REQ-00002", "REQ-00001"]
    a1 = viewer("agent1")
    with session_scope(store) as s:
        link = tickets.link_requirement(s, a1, ticket.id, "REQ-00002", True, reference=ref)
        assert (link.from_suggestion, link.suggestion_score, link.linked_by) == (True, D("0.6123"), "agent1")
        manual = tickets.link_requirement(s, a1, ticket.id, "REQ-00001", False, reference=ref)
        assert (manual.from_suggestion, manual.suggestion_score) == (False, None)
        assert [x.requirement_id for x in tickets.ticket_links(s, a1, ticket.id, reference=ref)] == ["REQ-00002", "REQ-00001"]
        kinds = s.execute(sa.select(TicketEvent.event_type, TicketEvent.detail).where(TicketEvent.ticket_id == ticket.id)
                          .order_by(TicketEvent.id)).all()
        assert kinds[-2:] == [("requirement_link", "REQ-00002"), ("requirement_link", "REQ-00001")]
    with session_scope(store) as s:
        for req, from_suggestion, words in (("REQ-00002", False, "Already"), ("REQ-09999", False, "No requirement"),
                                            ("", False, "Required")):
            with pytest.raises(ValidationError) as err:
                tickets.link_requirement(s, a1, ticket.id, req, from_suggestion, reference=ref)
            assert words in err.value.errors["requirement_id"]
    other = new_ticket(store, reference)
    with session_scope(store) as s, pytest.raises(ValidationError) as err:
        tickets.link_requirement(s, a1, other.id, "REQ-00002", True, reference=ref)  # not suggested for it
    assert "suggestions" in err.value.errors["requirement_id"]
