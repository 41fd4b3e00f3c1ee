"""Quotes, orders and payments on a real SQLite store: happy paths, bad input with field messages,
approvals with audit, and row rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from store_workflow_fixtures import account_and_opportunity, viewer
from store_workflow_fixtures import reference as reference  # noqa: F401  (module fixture)
from store_workflow_fixtures import store as store  # noqa: F401  (fixture)
from store_workflow_fixtures import store_url as store_url  # noqa: F401  (fixture)

from operational import records
from operational.db import session_scope
from operational.errors import NotFound, PermissionDenied, ValidationError
from operational.models.orders import Approval, Order, OrderLine, Quote, Receipt
from operational.models.sales import Opportunity
from operational.workflows import orders, payments, quotes

D = Decimal


def make_quote(store, reference, lines, who="rep1", opp_id=None):
    if opp_id is None:
        _, opp_id = account_and_opportunity(store, reference, who)
    with session_scope(store) as s:
        return quotes.create_quote(s, viewer(who), opp_id, lines, reference=reference)


# ---------------------------------------------------------------- quotes

def test_price_book_is_the_reps_departments_nearest_up_the_tree(reference):
    # rep1 sits in 华东销售一组 (11), whose parent 华东销售部 (10) has the 华东 book
    assert quotes.price_book_for(reference, 101)["price_book_id"] == 910
    assert quotes.price_book_for(reference, 201)["price_book_id"] == 920
    assert quotes.price_book_for(reference, 301)["price_book_id"] == 900  # no sales book: standard
    assert set(quotes.products_for_viewer(viewer("rep1"), reference)["product_id"]) == {1, 2, 3}


def test_quote_within_threshold_is_approved_with_exact_amounts(store, reference):
    quote = make_quote(store, reference, [
        {"product_id": 2, "quantity": 9, "discount_pct": "10"},
        {"product_id": 3, "quantity": 1, "discount_pct": 15},  # exactly the threshold: no approval
    ])
    assert quote.status == "approved"
    # 9 x 1400 x 0.90 = 11,340.00; 360,000 x 0.85 = 306,000.00
    assert quote.total_amount == D("317340.00")
    with session_scope(store) as s:
        lines = quotes.quote_lines(s, viewer("rep1"), quote.id, reference=reference)
        assert [(r.product_id, r.list_price, r.discount_rate, r.unit_price, r.line_amount) for r in lines] == [
            (2, D("1400.00"), D("0.1000"), D("1260.00"), D("11340.00")),
            (3, D("360000.00"), D("0.1500"), D("306000.00"), D("306000.00")),
        ]
        assert s.execute(sa.select(sa.func.count()).select_from(Approval)).scalar() == 0
        assert s.get(Opportunity, quote.opportunity_id).quote_id == quote.id


def test_line_amount_rounds_half_up_once_from_the_unrounded_unit_price(store, reference):
    # 3 x 1.25 x (1 - 0.333) = 2.50125 -> 2.50 (unit price shown 0.83375 -> 0.83; 3 x 0.83 would be 2.49)
    quote = make_quote(store, reference, [{"product_id": 1, "quantity": 3, "discount_pct": "33.3"}])
    with session_scope(store) as s:
        (line,) = quotes.quote_lines(s, viewer("rep1"), quote.id, reference=reference)
        assert (line.unit_price, line.line_amount) == (D("0.83"), D("2.50"))


def test_discount_above_threshold_waits_for_a_manager_and_is_audited(store, reference):
    quote = make_quote(store, reference, [{"product_id": 2, "quantity": 2, "discount_pct": 20}])
    assert quote.status == "pending_approval"
    with session_scope(store) as s:
        pending = quotes.pending_approvals(s, viewer("manager1"), reference=reference)
        assert [p["quote_id"] for p in pending] == [quote.id]
        assert "20" in pending[0]["reason"] and "15" in pending[0]["reason"]
        assert quotes.pending_approvals(s, viewer("rep_north"), reference=reference) == []
    with session_scope(store) as s, pytest.raises(PermissionDenied):
        quotes.approve_quote(s, viewer("rep1"), quote.id, reference=reference)  # reps don't approve
    with session_scope(store) as s, pytest.raises(PermissionDenied):
        quotes.approve_quote(s, viewer("finance1"), quote.id, reference=reference)
    with session_scope(store) as s:
        approved = quotes.approve_quote(s, viewer("manager1"), quote.id, "同意 ok", reference=reference)
        assert (approved.status, approved.approved_by) == ("approved", 103)
        approval = s.execute(sa.select(Approval).where(Approval.object_id == quote.id)).scalar_one()
        assert (approval.status, approval.decided_by, approval.comment) == ("approved", 3, "同意 ok")
        trail = records.history(s, "quotes", quote.id)
        assert [h["action"] for h in trail] == ["insert", "approve"]
        assert trail[-1]["changed_by_name"] == "manager1"
        assert {"field": "status", "before": "pending_approval", "after": "approved"} in trail[-1]["changes"]
    with session_scope(store) as s, pytest.raises(ValidationError) as err:
        quotes.approve_quote(s, viewer("manager1"), quote.id, reference=reference)  # already decided
    assert "status" in err.value.errors


def test_reject_needs_a_comment(store, reference):
    quote = make_quote(store, reference, [{"product_id": 3, "quantity": 1, "discount_pct": 30}])
    with session_scope(store) as s, pytest.raises(ValidationError) as err:
        quotes.reject_quote(s, viewer("manager1"), quote.id, "  ", reference=reference)
    assert "comment" in err.value.errors
    with session_scope(store) as s:
        rejected = quotes.reject_quote(s, viewer("manager1"), quote.id, "折扣过大 too deep", reference=reference)
        assert rejected.status == "rejected"
        assert records.history(s, "quotes", quote.id)[-1]["comment"] == "折扣过大 too deep"


def test_threshold_is_configurable(store, reference, monkeypatch, tmp_path):
    from kernel.config import ConfigError

    monkeypatch.setenv("CRMLAKE_CONFIG_DIR", str(tmp_path))
    settings = tmp_path / "sales.yml"
    settings.write_text("quote_discount_threshold_pct: 25\n", encoding="utf-8")
    assert make_quote(store, reference, [{"product_id": 2, "quantity": 1, "discount_pct": 20}]).status == "approved"
    settings.write_text("quote_discount_threshold_pct: 5\n", encoding="utf-8")
    assert make_quote(store, reference, [{"product_id": 2, "quantity": 1, "discount_pct": 6}]).status == "pending_approval"
    settings.write_text("quote_discount_threshold_pct: lots\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="sales.yml: quote_discount_threshold_pct"):
        quotes.discount_threshold()


def test_bad_quote_lines_name_each_field_and_save_nothing(store, reference):
    _, opp_id = account_and_opportunity(store, reference)
    with session_scope(store) as s, pytest.raises(ValidationError) as err:
        quotes.create_quote(s, viewer("rep1"), opp_id, [
            {"product_id": 4, "quantity": 1},  # 华北 book only
            {"product_id": 2, "quantity": 0},
            {"product_id": 3, "quantity": 1, "discount_pct": 120},
            {"product_id": "", "quantity": "x"},
        ], reference=reference)
    errors = err.value.errors
    assert "price book" in errors["lines[1].product_id"]
    assert set(errors) == {"lines[1].product_id", "lines[2].quantity", "lines[3].discount_pct",
                           "lines[4].product_id", "lines[4].quantity"}
    with session_scope(store) as s, pytest.raises(ValidationError) as err:
        quotes.create_quote(s, viewer("rep1"), opp_id, [], reference=reference)
    assert "lines" in err.value.errors
    with session_scope(store) as s:
        assert s.execute(sa.select(sa.func.count()).select_from(Quote)).scalar() == 0


def test_quote_on_someone_elses_opportunity_is_refused(store, reference):
    _, opp_id = account_and_opportunity(store, reference, "rep2")
    with session_scope(store) as s, pytest.raises(PermissionDenied):
        quotes.create_quote(s, viewer("rep1"), opp_id, [{"product_id": 2, "quantity": 1}], reference=reference)
    with session_scope(store) as s, pytest.raises(PermissionDenied):
        quotes.create_quote(s, viewer("agent1"), opp_id, [{"product_id": 2, "quantity": 1}], reference=reference)


# ---------------------------------------------------------------- orders

def test_order_from_approved_quote_copies_lines_and_accepts_the_quote(store, reference):
    quote = make_quote(store, reference, [
        {"product_id": 1, "quantity": 20000, "discount_pct": 0},
        {"product_id": 2, "quantity": 3, "discount_pct": 5},
    ])
    with session_scope(store) as s:
        order = orders.create_order_from_quote(s, viewer("rep1"), quote.id, reference=reference,
                                               tolerances=[{"tolerance_type": "absolute", "tolerance_value": 20}])
        lines = orders.order_lines(s, viewer("rep1"), order.id, reference=reference)
        assert [(r.product_id, r.unit, r.quantity, r.unit_price, r.line_amount, r.tolerance_type, r.tolerance_value)
                for r in lines] == [
            (1, "kg", D("20000.000"), D("1.25"), D("25000.00"), "absolute", D("20.000")),
            (2, "台", D("3.000"), D("1330.00"), D("3990.00"), "none", None),
        ]
        assert order.total_amount == D("28990.00") == sum(r.line_amount for r in lines)
        assert (order.quote_id, order.owner_id, order.status) == (quote.id, 101, "confirmed")
        assert s.get(Quote, quote.id).status == "accepted"
    with session_scope(store) as s, pytest.raises(ValidationError) as err:
        orders.create_order_from_quote(s, viewer("rep1"), quote.id, reference=reference)
    assert "quote_id" in err.value.errors  # a quote becomes one order


def test_order_from_unapproved_quote_is_refused(store, reference):
    quote = make_quote(store, reference, [{"product_id": 2, "quantity": 1, "discount_pct": 40}])
    with session_scope(store) as s, pytest.raises(ValidationError) as err:
        orders.create_order_from_quote(s, viewer("rep1"), quote.id, reference=reference)
    assert "pending_approval" in err.value.errors["quote_id"]


def test_order_from_price_book_lines_with_percent_tolerance(store, reference):
    account_id, _ = account_and_opportunity(store, reference)
    with session_scope(store) as s:
        order = orders.create_order(s, viewer("rep1"), account_id, [
            {"product_id": 1, "quantity": "50000", "tolerance_type": "percent", "tolerance_value": "2"},
            {"product_id": 3, "quantity": 1, "discount_pct": 10},
        ], order_date=dt.date(2026, 5, 1), reference=reference)
        assert order.total_amount == D("62500.00") + D("324000.00")
        assert order.department_id == 11 and order.order_date == dt.date(2026, 5, 1)
        bulk = s.execute(sa.select(OrderLine).where(OrderLine.order_id == order.id, OrderLine.product_id == 1)).scalar_one()
        assert (bulk.tolerance_type, bulk.tolerance_value) == ("percent", D("2.000"))


def test_order_on_an_extracted_account(store, reference):
    with session_scope(store) as s:
        order = orders.create_order(s, viewer("rep1"), 5001, [{"product_id": 2, "quantity": 2}], reference=reference)
        assert (order.account_id, order.owner_id, order.total_amount) == (5001, 101, D("2800.00"))


def test_bad_order_input_names_the_fields(store, reference):
    account_id, _ = account_and_opportunity(store, reference)
    with session_scope(store) as s, pytest.raises(ValidationError) as err:
        orders.create_order(s, viewer("rep1"), account_id, [
            {"product_id": 1, "quantity": 100, "tolerance_type": "percent", "tolerance_value": 150},
            {"product_id": 1, "quantity": 100, "tolerance_type": "fixed"},
            {"product_id": 2, "quantity": 1, "tolerance_type": "absolute"},
        ], reference=reference)
    errors = err.value.errors
    assert "between 0 and 100" in errors["lines[1].tolerance_value"]
    assert "lines[2].product_id" in errors  # same product twice
    assert "required" in errors["lines[3].tolerance_value"]
    with session_scope(store) as s, pytest.raises(ValidationError) as err:
        orders.create_order(s, viewer("rep1"), 424242, [{"product_id": 2, "quantity": 1}], reference=reference)
    assert "424242" in err.value.errors["account_id"]
    with session_scope(store) as s:
        assert s.execute(sa.select(sa.func.count()).select_from(Order)).scalar() == 0


def test_orders_follow_the_row_rules(store, reference):
    account_id, _ = account_and_opportunity(store, reference, "rep2")
    with session_scope(store) as s:
        order = orders.create_order(s, viewer("rep2"), account_id, [{"product_id": 2, "quantity": 1}], reference=reference)
    with session_scope(store) as s:
        assert [o.id for o in orders.list_orders(s, viewer("rep2"), reference=reference)] == [order.id]
        assert orders.list_orders(s, viewer("rep1"), reference=reference) == []
        assert [o.id for o in orders.list_orders(s, viewer("manager1"), reference=reference)] == [order.id]
        assert [o.id for o in orders.list_orders(s, viewer("finance1"), reference=reference)] == [order.id]
        with pytest.raises(PermissionDenied):
            orders.get_order(s, viewer("rep1"), order.id, reference=reference)
        with pytest.raises(NotFound):
            orders.get_order(s, viewer("rep1"), 1, reference=reference)
    with session_scope(store) as s, pytest.raises(PermissionDenied):
        orders.create_order(s, viewer("rep1"), account_id, [{"product_id": 2, "quantity": 1}], reference=reference)


# ---------------------------------------------------------------- payment plans and receipts

def make_order(store, reference, who="rep1", amount_lines=None):
    account_id, _ = account_and_opportunity(store, reference, who)
    with session_scope(store) as s:
        # 2 x 1400 x 0.9 = 2,520.00 + 1 x 360,000 x 0.9 = 324,000.00 -> 326,520.00
        return orders.create_order(s, viewer(who), account_id, amount_lines or [
            {"product_id": 2, "quantity": 2, "discount_pct": 10}, {"product_id": 3, "quantity": 1, "discount_pct": 10},
        ], order_date=dt.date(2026, 5, 1), reference=reference)  # installments may not fall due before it


def test_payment_plan_installments_must_sum_to_the_order_amount(store, reference):
    order = make_order(store, reference)
    assert order.total_amount == D("326520.00")
    fin = viewer("finance1")
    with session_scope(store) as s, pytest.raises(ValidationError) as err:
        payments.create_payment_plan(s, fin, order.id, [
            {"amount": "100000.00", "due_date": "2026-06-30"}, {"amount": "226519.99", "due_date": "2026-09-30"},
        ], reference=reference)
    assert "326519.99" in err.value.errors["installments"] and "326520.00" in err.value.errors["installments"]
    with session_scope(store) as s, pytest.raises(ValidationError) as err:
        payments.create_payment_plan(s, fin, order.id, [
            {"amount": "-5", "due_date": "2026-06-30"}, {"amount": "1.001", "due_date": "30/09/2026"},
        ], reference=reference)
    assert set(err.value.errors) == {"installments[1].amount", "installments[2].amount", "installments[2].due_date"}
    with session_scope(store) as s:
        plan = payments.create_payment_plan(s, fin, order.id, [
            {"amount": "100000.00", "due_date": "2026-06-30"}, {"amount": "226520.00", "due_date": "2026-09-30"},
        ], reference=reference)
        assert (plan.total_amount, plan.installment_count, plan.owner_id) == (D("326520.00"), 2, 101)
    with session_scope(store) as s, pytest.raises(ValidationError) as err:
        payments.create_payment_plan(s, fin, order.id, [{"amount": "326520.00", "due_date": "2026-06-30"}],
                                     reference=reference)
    assert plan.plan_no in err.value.errors["order_id"]
    with session_scope(store) as s, pytest.raises(PermissionDenied):  # the payments screen is finance's
        payments.create_payment_plan(s, viewer("rep1"), order.id, [{"amount": "326520.00", "due_date": "2026-06-30"}],
                                     reference=reference)


def test_receipts_against_installments_and_advances(store, reference):
    order = make_order(store, reference)
    fin = viewer("finance1")
    with session_scope(store) as s:
        plan = payments.create_payment_plan(s, fin, order.id, [
            {"amount": "100000.00", "due_date": "2026-06-30"}, {"amount": "226520.00", "due_date": "2026-09-30"},
        ], reference=reference)
        first, second = (r["installment_id"] for r in payments.list_installments(s, fin, plan_id=plan.id, reference=reference))
    with session_scope(store) as s:
        payments.record_receipt(s, fin, first, "30000.10", receipt_date="2026-06-20", reference=reference)
        payments.record_receipt(s, fin, first, "0.20", receipt_date="2026-06-21", reference=reference)
    with session_scope(store) as s, pytest.raises(ValidationError) as err:
        payments.record_receipt(s, fin, first, "69999.71", receipt_date="2026-06-22", reference=reference)
    assert "69999.70" in err.value.errors["amount"]  # outstanding 100,000 - 30,000.30
    with session_scope(store) as s, pytest.raises(ValidationError) as err:
        payments.record_receipt(s, fin, first, "0", receipt_date="2026-13-01", reference=reference)
    assert set(err.value.errors) == {"amount", "receipt_date"}
    with session_scope(store) as s:
        payments.record_receipt(s, fin, first, "70000.00", receipt_date="2026-06-25", is_advance=True, reference=reference)
        rows = payments.list_installments(s, fin, order_id=order.id, as_of=dt.date(2026, 7, 1), reference=reference)
        assert [(r["batch_no"], r["received"], r["outstanding"], r["advance"], r["status"]) for r in rows] == [
            (1, D("100000.30"), D("0.00"), D("0.30"), "paid"),
            (2, D("0.00"), D("226520.00"), D("0.00"), "open"),
        ]
        assert payments.list_installments(s, fin, order_id=order.id, as_of=dt.date(2026, 10, 1),
                                          reference=reference)[1]["status"] == "overdue"
        # the rep owning the order sees its installments; another rep does not
        assert len(payments.list_installments(s, viewer("rep1"), order_id=order.id, reference=reference)) == 2
        assert payments.list_installments(s, viewer("rep_north"), order_id=order.id, reference=reference) == []
        advance = s.execute(sa.select(Receipt).where(Receipt.is_advance.is_(True))).scalar_one()
        assert (advance.installment_id, advance.amount, advance.order_id) == (first, D("70000.00"), order.id)
        trail = records.history(s, "receipts", advance.id)
        assert [(h["action"], h["changed_by_name"]) for h in trail] == [("insert", "finance1")]
    with session_scope(store) as s, pytest.raises(PermissionDenied):
        payments.record_receipt(s, viewer("rep1"), second, "1.00", reference=reference)
