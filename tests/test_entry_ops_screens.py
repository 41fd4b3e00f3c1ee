"""Order, delivery, payment, partner, channel-approval, ticket and audit screens, driven by AppTest
against a real SQLite operational store and a small published snapshot (DuckDB) holding the
reference data the workflows read. Each screen: a happy path checked in the store, bad input
shown beside the field (nothing saved, the typed value kept), and the record's audit history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from app_login import as_viewer
from reference_screen_fixtures import open_store, published_reference
from store_workflow_fixtures import account_and_opportunity, viewer
from streamlit.testing.v1 import AppTest

from operational.db import dispose_all, session_scope

APPS = Path(__file__).resolve().parents[1] / "apps"
PAGES = APPS / "views" / "entry"
D = Decimal


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    return published_reference(tmp_path_factory.mktemp("ops_screens"))


@pytest.fixture
def store(published, monkeypatch, tmp_path):
    """A fresh store per test; the apps read the snapshot above through the settings' environment."""
    yield open_store(published, monkeypatch, tmp_path)
    dispose_all()


def page(name: str, who: str) -> AppTest:
    at = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=60)
    return as_viewer(at, viewer(who))


def rows(url: str, sql: str, **params) -> list[dict]:
    with session_scope(url, readonly=True) as s:
        return [dict(r._mapping) for r in s.execute(sa.text(sql), params)]


def errors_shown(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def submit(at: AppTest, label_start: str) -> AppTest:
    button = next(b for b in at.button if b.label.startswith(label_start))
    return button.click().run()


# ---------------------------------------------------------------- orders
def approved_quote(url: str, who: str = "rep1", quantity: str = "10000") -> int:
    from operational.workflows import quotes

    _, opp = account_and_opportunity(url, None, who)
    with session_scope(url) as s:
        quote = quotes.create_quote(s, viewer(who), opp, [{"product_id": 1, "quantity": quantity, "discount_pct": 0}])
        assert quote.status == "approved"
        return quote.id


def test_order_from_quote_with_percent_tolerance(store):
    quote_id = approved_quote(store)
    at = page("orders", "rep1").run()
    assert not at.exception
    assert at.selectbox(key="oq_quote").value == quote_id
    at.selectbox(key="oq_1_tolerance_type").set_value("percent")
    at.text_input(key="oq_1_tolerance_value").input("5")
    submit(at, "按报价单下单")
    assert not at.exception
    assert any("已保存订单" in s.value for s in at.success), [s.value for s in at.success]
    (order,) = rows(store, "select id, order_no, quote_id, total_amount, status from orders")
    assert order["quote_id"] == quote_id and order["status"] == "confirmed"
    (line,) = rows(store, "select quantity, tolerance_type, tolerance_value, unit from order_lines")
    assert (line["tolerance_type"], D(str(line["tolerance_value"])), line["unit"]) == ("percent", D("5"), "kg")
    assert rows(store, "select status from quotes") == [{"status": "accepted"}]
    # the list tab shows the line's settlement bounds (10000 kg ± 5 %) and the order's audit trail
    at.run()
    frames = [f.value for f in at.dataframe]
    lines = next(f for f in frames if "lower_bound" in f.columns)
    assert (D(str(lines["lower_bound"].iloc[0])), D(str(lines["upper_bound"].iloc[0]))) == (D("9500"), D("10500"))
    assert lines["status"].iloc[0] == "open"
    history = frames[-1]
    assert list(history["action"]) == ["insert"]


def test_order_bad_tolerance_is_shown_beside_the_field_and_nothing_saved(store):
    approved_quote(store)
    at = page("orders", "rep1").run()
    at.selectbox(key="oq_1_tolerance_type").set_value("percent")
    at.text_input(key="oq_1_tolerance_value").input("150")
    submit(at, "按报价单下单")
    assert not at.exception
    assert any(e.startswith("lines[1].tolerance_value") and "between 0 and 100" in e for e in errors_shown(at)), errors_shown(at)
    assert at.text_input(key="oq_1_tolerance_value").value == "150"  # kept for correcting
    assert rows(store, "select id from orders") == []


def test_order_from_price_book_bad_quantity_then_fixed(store):
    at = page("orders", "rep1").run()
    at.radio(key="order_source").set_value("价格表 Price book").run()
    assert not at.exception
    assert 5001 in at.selectbox(key="ob_account").options or "杭州明达机械有限公司" in at.selectbox(key="ob_account").options
    at.selectbox(key="ob_account").set_value(5001)
    at.selectbox(key="ob_1_product_id").set_value(2)
    at.text_input(key="ob_1_quantity").input("abc")
    submit(at, "创建订单")
    assert any(e.startswith("lines[1].quantity") for e in errors_shown(at)), errors_shown(at)
    assert rows(store, "select id from orders") == []
    at.text_input(key="ob_1_quantity").input("3")
    at.text_input(key="ob_1_discount_pct").input("10")
    submit(at, "创建订单")
    assert not errors_shown(at), errors_shown(at)
    (order,) = rows(store, "select account_id, total_amount from orders")
    # 华东价格表: 振动传感器 1400.00 × 3 at 10 % off = 3780.00
    assert order["account_id"] == 5001 and D(str(order["total_amount"])) == D("3780.00")


# ---------------------------------------------------------------- deliveries
def two_orders_of_one_customer(url: str) -> tuple[int, int]:
    """Two orders of 杭州明达 (5001, rep1): 1000 kg 铁精粉 ± 50 kg, and 3 台 sensors without tolerance."""
    from operational.workflows import orders

    with session_scope(url) as s:
        a = orders.create_order(s, viewer("rep1"), 5001, [
            {"product_id": 1, "quantity": "1000", "tolerance_type": "absolute", "tolerance_value": "50"}])
        b = orders.create_order(s, viewer("rep1"), 5001, [{"product_id": 2, "quantity": "3"}])
        return a.id, b.id


def line_ids(url: str) -> dict[int, int]:
    return {r["product_id"]: r["id"] for r in rows(url, "select id, product_id from order_lines")}


def test_delivery_covers_two_orders_and_shows_settled_and_flagged(store):
    two_orders_of_one_customer(store)
    lines = line_ids(store)
    at = page("deliveries", "rep1").run()
    assert not at.exception
    assert at.selectbox(key="dl_account").value == 5001
    at.text_input(key=f"dl_{lines[1]}_qty").input("1100")  # beyond 1000 + 50: settled, flagged
    at.text_input(key=f"dl_{lines[2]}_qty").input("3")
    at.text_input(key="dl_tracking").input("SF123")
    submit(at, "保存交付")
    assert not at.exception and not errors_shown(at), errors_shown(at)
    (delivery,) = rows(store, "select id, account_id, tracking_no from deliveries")
    assert (delivery["account_id"], delivery["tracking_no"]) == (5001, "SF123")
    assert len(rows(store, "select id from delivery_lines where delivery_id = :d", d=delivery["id"])) == 2
    assert {r["status"] for r in rows(store, "select status from orders")} == {"delivered"}
    at.run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"行 Lines": "2", "已结清 Settled": "2", "超量待复核 Flagged": "1"}
    case = next(f.value for f in at.dataframe if "this_delivery" in f.value.columns)
    assert sorted(case["status"]) == ["settled", "settled_flagged"]
    # nothing left to deliver: settled lines are not offered again
    assert any("No order line is waiting" in i.value for i in at.info)
    assert list(at.dataframe[-1].value["action"]) == ["insert"]


def test_delivery_bad_quantity_shown_beside_its_line(store):
    two_orders_of_one_customer(store)
    lines = line_ids(store)
    at = page("deliveries", "rep1").run()
    at.text_input(key=f"dl_{lines[2]}_qty").input("-2")
    submit(at, "保存交付")
    assert any(e.startswith(f"line {lines[2]}:") and "Quantity must be > 0" in e for e in errors_shown(at)), errors_shown(at)
    assert at.text_input(key=f"dl_{lines[2]}_qty").value == "-2"
    assert rows(store, "select id from deliveries") == []


def test_partial_delivery_leaves_the_line_open_and_offered(store):
    two_orders_of_one_customer(store)
    lines = line_ids(store)
    at = page("deliveries", "rep1").run()
    at.text_input(key=f"dl_{lines[1]}_qty").input("900")  # below 1000 - 50
    submit(at, "保存交付")
    assert not errors_shown(at)
    at.run()
    assert at.text_input(key=f"dl_{lines[1]}_qty").value == ""  # offered again, empty
    case = next(f.value for f in at.dataframe if "this_delivery" in f.value.columns)
    assert list(case["status"]) == ["open"]


# ---------------------------------------------------------------- payments
def order_of(url: str, who: str = "rep1") -> tuple[int, Decimal]:
    """One price-book order: 3 台 sensors at 1400.00 = 4200.00."""
    from operational.workflows import orders

    with session_scope(url) as s:
        order = orders.create_order(s, viewer(who), 5001, [{"product_id": 2, "quantity": "3"}],
                                    order_date=dt.date(2026, 12, 1))  # before the due dates typed below
        return order.id, order.total_amount


def test_payment_plan_must_add_up_then_receipt_and_advance(store):
    order_id, total = order_of(store)
    assert total == D("4200.00")
    at = page("payments", "finance1").run()
    assert not at.exception
    assert at.selectbox(key="pp_order").value == order_id
    at.number_input(key="pp_count").set_value(2).run()
    at.text_input(key="pp_1_amount").input("2000")
    at.text_input(key="pp_1_due_date").input("2026-12-31")
    at.text_input(key="pp_2_amount").input("2000.00")
    at.text_input(key="pp_2_due_date").input("2027-01-31")
    submit(at, "保存回款计划")
    assert any(e.startswith("installments:") and "4000.00" in e and "4200.00" in e for e in errors_shown(at)), errors_shown(at)
    assert rows(store, "select id from payment_plans") == []
    assert at.text_input(key="pp_2_amount").value == "2000.00"
    at.text_input(key="pp_2_amount").input("2200.00")
    submit(at, "保存回款计划")
    assert not errors_shown(at), errors_shown(at)
    assert [D(str(r["amount"])) for r in rows(store, "select amount from payment_installments order by batch_no")] == [
        D("2000.00"), D("2200.00")]

    # a receipt above the outstanding 2000.00 is refused unless it is an advance
    at.run()
    at.text_input(key="rc_amount").input("2500")
    submit(at, "保存回款")
    assert any(e.startswith("amount:") and "outstanding" in e for e in errors_shown(at)), errors_shown(at)
    assert rows(store, "select id from receipts") == []
    at.checkbox(key="rc_advance").check()
    submit(at, "保存回款")
    assert not errors_shown(at), errors_shown(at)
    (receipt,) = rows(store, "select amount, is_advance from receipts")
    assert D(str(receipt["amount"])) == D("2500.00") and receipt["is_advance"]
    at.run()
    table = next(f.value for f in at.dataframe if "outstanding" in f.value.columns)
    assert list(table["status"]) == ["paid", "open"]
    assert D(str(table["advance"].iloc[0])) == D("500.00")
    assert list(at.dataframe[-1].value["action"]) == ["insert"]  # the receipt's audit trail


def test_payments_screen_is_for_finance_only(store):
    at = page("payments", "rep1").run()
    assert not at.exception
    assert any("may not open" in e for e in errors_shown(at))
    assert not at.text_input


# ---------------------------------------------------------------- audit log
def test_audit_log_admin_sees_changes_per_record(store):
    order_id, _ = order_of(store)
    from operational.workflows import deliveries

    (line,) = rows(store, "select id from order_lines")
    with session_scope(store) as s:
        deliveries.create_delivery(s, viewer("rep1"), [{"order_line_id": line["id"], "quantity": "3"}])
    at = page("audit_log", "admin").run()
    assert not at.exception
    at.selectbox(key="audit_table").set_value("orders").run()
    assert at.selectbox(key="audit_record").value == order_id
    history = at.dataframe[-1].value
    assert list(history["action"]) == ["update", "insert"]  # newest first: confirmed → delivered
    assert "status: confirmed → delivered" in history["changes"].iloc[0]


def test_audit_log_refuses_a_record_outside_the_viewers_rows(store):
    order_id, _ = order_of(store, "rep_north")  # another department's order
    at = page("audit_log", "manager1").run()
    assert not at.exception
    at.selectbox(key="audit_table").set_value("orders")
    at.text_input(key="audit_record_id").input("abc").run()
    assert any("not a number" in e for e in errors_shown(at))
    at.text_input(key="audit_record_id").input(str(order_id)).run()
    assert not at.exception
    assert errors_shown(at) and not any("insert" in str(f.value) for f in at.dataframe)
    assert at.selectbox(key="audit_table").options  # the page itself opened


# ---------------------------------------------------------------- deal registrations, special prices, approvals
def register(url: str, who: str, name: str = "杭州明达机械有限公司", amount: str = "500000") -> int:
    from operational.workflows import partners

    with session_scope(url) as s:
        return partners.create_deal_registration(s, viewer(who), name, estimated_amount=amount).id


def test_partner_registers_a_deal_for_its_own_partner_and_sees_a_conflict_not_whose(store):
    register(store, "partner2")  # another partner claimed the same company first
    at = page("deal_registrations", "partner1").run()
    assert not at.exception
    assert [s.key for s in at.selectbox] == ["dr_line"]  # no partner picker for a partner user: always their own
    at.text_input(key="dr_customer").input("杭州明达机械有限公司")
    at.text_input(key="dr_amount").input("300000")
    submit(at, "提交报备")
    assert not errors_shown(at), errors_shown(at)
    mine = rows(store, "select partner_id, status, has_conflict, conflict_note from deal_registrations where partner_id = 7001")
    assert len(mine) == 1 and mine[0]["status"] == "pending" and mine[0]["has_conflict"]
    flash = " ".join(s.value for s in at.success)
    assert "已提交报备" in flash and "registration of other partners" in flash
    assert "7002" not in flash and "北京源峰" not in flash  # never whose
    at.run()
    listed = next(f.value for f in at.dataframe if "customer_name" in f.value.columns)
    assert len(listed) == 1  # partner2's registration is not listed
    assert list(at.dataframe[-1].value["action"]) == ["insert"]


def test_registration_bad_input_beside_fields(store):
    at = page("deal_registrations", "partner1").run()
    at.text_input(key="dr_customer").input("明")
    at.text_input(key="dr_amount").input("-5")
    submit(at, "提交报备")
    shown = errors_shown(at)
    assert any(e.startswith("customer_name:") for e in shown), shown
    assert any(e.startswith("estimated_amount:") for e in shown), shown
    assert at.text_input(key="dr_customer").value == "明"
    assert rows(store, "select id from deal_registrations") == []


def test_partner_cannot_reach_another_partners_registration(store):
    from operational.errors import PermissionDenied
    from operational.workflows import partners

    theirs = register(store, "partner2")
    with session_scope(store) as s, pytest.raises(PermissionDenied):
        partners.get_registration(s, viewer("partner1"), theirs)
    at = page("channel_approvals", "partner1").run()
    assert any("may not open" in e for e in errors_shown(at))


def test_channel_manager_rejects_without_comment_then_approves(store):
    reg = register(store, "partner1")
    at = page("channel_approvals", "channel1").run()
    assert not at.exception
    assert at.selectbox(key="ca_reg").value == reg
    submit(at, "驳回 Reject")
    assert any("comment" in e.lower() for e in errors_shown(at)), errors_shown(at)
    assert rows(store, "select status from deal_registrations") == [{"status": "pending"}]
    submit(at, "批准 Approve")
    assert not errors_shown(at), errors_shown(at)
    (row,) = rows(store, "select status, protected_until from deal_registrations")
    assert row["status"] == "approved" and row["protected_until"] is not None
    assert any("已批准" in s.value for s in at.success)


def test_special_price_request_below_list_then_counter_offer(store):
    from operational.scope import Viewer
    from operational.workflows import partners

    reg = register(store, "partner1")
    with session_scope(store) as s:
        partners.approve_registration(s, viewer("channel1"), reg)
    at = page("special_prices", "partner1").run()
    assert not at.exception
    at.selectbox(key="sp_product").set_value(2)  # list price 1450.00
    at.text_input(key="sp_quantity").input("10")
    at.text_input(key="sp_price").input("1500")
    submit(at, "提交申请")
    assert any(e.startswith("requested_price:") and "below the list price" in e for e in errors_shown(at)), errors_shown(at)
    assert rows(store, "select id from special_price_requests") == []
    at.text_input(key="sp_price").input("1200")
    submit(at, "提交申请")
    assert not errors_shown(at), errors_shown(at)

    # the approval chain's first two steps (tests/test_partner_settlement.py)
    (req_id,) = [r["id"] for r in rows(store, "select id from special_price_requests")]
    with session_scope(store) as s:
        partners.approve_special_price(s, Viewer(20, "partner1_mgr", "partner_user", None, None, 7001), req_id)
        partners.approve_special_price(s, viewer("admin"), req_id)
    at = page("channel_approvals", "channel1").run()
    at.text_input(key="ca_price").input("1600")  # above list: refused
    submit(at, "批准特价")
    assert any(e.startswith("approved_price:") for e in errors_shown(at)), errors_shown(at)
    at.text_input(key="ca_price").input("1300")
    submit(at, "批准特价")
    assert not errors_shown(at), errors_shown(at)
    (req,) = rows(store, "select status, approved_price from special_price_requests")
    assert req["status"] == "approved" and D(str(req["approved_price"])) == D("1300.00")
    at = page("special_prices", "partner1").run()
    listed = next(f.value for f in at.dataframe if "requested_price" in f.value.columns)
    assert list(listed["status"]) == ["approved"]
    assert list(at.dataframe[-1].value["action"]) == ["approve", "insert"]


# ---------------------------------------------------------------- tickets
def test_ticket_from_a_call_bad_input_then_created(store):
    at = page("tickets", "agent1").run()
    assert not at.exception
    at.selectbox(key="tk_account").set_value(5002)
    submit(at, "创建工单")  # no call id, no subject
    shown = errors_shown(at)
    assert any(e.startswith("call_id:") for e in shown) and any(e.startswith("subject:") for e in shown), shown
    assert rows(store, "select id from tickets") == []
    at.text_input(key="tk_source_id").input("CALL-0001")
    at.text_input(key="tk_subject").input("设备无法启动")
    submit(at, "创建工单")
    assert not errors_shown(at), errors_shown(at)
    (ticket,) = rows(store, "select call_id, channel, status, owner_id, account_id from tickets")
    assert ticket == {"call_id": "CALL-0001", "channel": "phone", "status": "new", "owner_id": 401, "account_id": 5002}


def new_ticket(url: str, who: str = "agent1", ticket_no: str | None = None) -> int:
    from operational.workflows import tickets

    with session_scope(url) as s:
        t = tickets.create_ticket(s, viewer(who), account_id=5001, priority="P2", category="功能需求",
                                  subject="希望支持移动端审批", conversation_id="CHAT-9")
        if ticket_no:  # the ticket the matching model has already scored (published suggestions)
            t.ticket_no = ticket_no
        return t.id


def test_ticket_assign_status_close_with_rating(store):
    ticket_id = new_ticket(store)
    at = page("tickets", "service_mgr1").run()
    assert not at.exception
    assert at.selectbox(key="tk_pick").value == ticket_id
    at.selectbox(key="tk_assignee").set_value(402)
    submit(at, "分派")
    assert not errors_shown(at), errors_shown(at)
    assert rows(store, "select status, owner_id from tickets") == [{"status": "assigned", "owner_id": 402}]

    at = page("tickets", "agent2").run()  # now the assignee's ticket
    at.selectbox(key="tk_to_status").set_value("in_progress")
    submit(at, "变更状态")
    at.selectbox(key="tk_to_status").set_value("resolved")
    submit(at, "变更状态")
    assert rows(store, "select status from tickets") == [{"status": "resolved"}]
    at.text_input(key="tk_rating").input("6")
    submit(at, "评分并关闭")
    assert any(e.startswith("rating:") for e in errors_shown(at)), errors_shown(at)
    assert rows(store, "select status from tickets") == [{"status": "resolved"}]
    at.text_input(key="tk_rating").input("4")
    submit(at, "评分并关闭")
    assert not errors_shown(at), errors_shown(at)
    assert rows(store, "select status, rating from tickets") == [{"status": "closed", "rating": 4}]
    events = rows(store, "select event_type, from_status, to_status from ticket_events order by id")
    assert [(e["from_status"], e["to_status"]) for e in events if e["event_type"] == "status_change"] == [
        (None, "new"), ("new", "assigned"), ("assigned", "in_progress"), ("in_progress", "resolved"),
        ("resolved", "closed")]
    history = at.dataframe[-1].value
    assert list(history["action"])[:2] == ["close", "update"]
    # agent1 (not the assignee any more) does not see it
    at = page("tickets", "agent1").run()
    assert any("No tickets" in i.value for i in at.info)


def test_ticket_links_a_requirement_accepting_the_models_suggestion(store):
    new_ticket(store, ticket_no="TK-SEEN-1")
    at = page("tickets", "agent1").run()
    assert not at.exception
    shown = next(f.value for f in at.dataframe if "suggestion_rank" in f.value.columns)
    assert list(shown["requirement_id"]) == ["REQ-00002", "REQ-00001"]
    assert at.radio(key="tk_suggestion").value == "REQ-00002"
    submit(at, "采纳推荐")
    assert not errors_shown(at), errors_shown(at)
    (link,) = rows(store, "select requirement_id, from_suggestion, suggestion_score from ticket_requirement_links")
    assert link["requirement_id"] == "REQ-00002" and link["from_suggestion"]
    assert D(str(link["suggestion_score"])) == D("0.6123")
    at.text_input(key="tk_requirement").input("REQ-99999")  # unknown requirement
    submit(at, "关联需求")
    assert any(e.startswith("requirement_id:") and "REQ-99999" in e for e in errors_shown(at)), errors_shown(at)
    assert len(rows(store, "select id from ticket_requirement_links")) == 1


def test_special_price_screen_shows_the_chain_and_the_step_form(store):
    """Issue 21: partner1's request, step 1 (partner 7001's sales manager) approved in the store;
    channel1 opens the screen, sees the chain (step 1 approved, steps 2-3 open) and the step-2
    form, approves: two step rows, the request still pending (step 3 decides)."""
    from operational.scope import Viewer
    from operational.workflows import partners

    reg = register(store, "partner1")
    with session_scope(store) as s:
        partners.approve_registration(s, viewer("channel1"), reg)
        req = partners.request_special_price(s, viewer("partner1"), 2, "10", "1200", registration_id=reg).id
        partners.approve_special_price(s, Viewer(20, "partner1_mgr", "partner_user", None, None, 7001), req)
    at = page("special_prices", "channel1").run()
    assert not at.exception
    chain = next(f.value for f in at.dataframe if "步骤" in f.value.columns or "step_no" in f.value.columns)
    assert len(chain) == 3
    assert any("第 2 步" in m.value for m in at.markdown)
    submit(at, "批准 Approve step")
    assert not errors_shown(at), errors_shown(at)
    assert rows(store, "select step_no, username from special_price_approvals order by step_no") == [
        {"step_no": 1, "username": "partner1_mgr"}, {"step_no": 2, "username": "channel1"}]
    assert rows(store, "select status from special_price_requests") == [{"status": "pending"}]
