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

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_workflow_fixtures import account_and_opportunity, viewer
from store_workflow_fixtures import reference as reference  # noqa: F401  (module fixture)
from store_workflow_fixtures import store as store  # noqa: F401  (fixture)
from store_workflow_fixtures import store_url as store_url  # noqa: F401  (fixture)

from kernel.config import BusinessSettings
from kernel.settings import get_settings
from operational import records, validation
from operational.db import session_scope
from operational.errors import ValidationError
from operational.models import model_for_table
from operational.workflows import (
    accounts,
    commission,
    deliveries,
    leads,
    opportunities,
    orders,
    partners,
    payments,
    quotes,
    tickets,
)
from pipelines.sources.operational import extract

D = Decimal
HUGE_NAME = "杭" * 349_529


def _order(store, reference, quantity, product_id=3, who="rep1"):
    account_id, _ = account_and_opportunity(store, reference, who)
    with session_scope(store) as s:
        return orders.create_order(s, viewer(who), account_id, [{"product_id": product_id, "quantity": quantity}],
                                   order_date=dt.date(2026, 5, 1), reference=reference)


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


def test_pairs_of_dates_keep_their_order_and_months_their_range(store, reference):
    with session_scope(store) as s:
        reg = partners.create_deal_registration(s, viewer("partner1"), "杭州明达机械有限公司", estimated_amount="1000",
                                                reference=reference)
    with session_scope(store) as s:
        partners.approve_registration(s, viewer("channel1"), reg.id, reference=reference)
    with session_scope(store) as s:  # valid until a day before it was requested (today)
        errors = _errors(lambda: partners.request_special_price(
            s, viewer("partner1"), 2, "1", "1000", registration_id=reg.id, valid_until="2020-01-01",
            reference=reference))
    assert "valid_until" in errors and "requested_at" in errors["valid_until"]
    with session_scope(store) as s:
        errors = _errors(lambda: commission.add_adjustment(
            s, viewer("finance1"), user_id=101, period="1900-01", amount="100", reason="奖励",
            reference=reference, business=BusinessSettings()))
    assert "period" in errors


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


# ---------------------------------------------------------------- property-based: every workflow

NUMBERS = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(min_value=-(10**14), max_value=10**14, places=3).map(str),
    st.decimals(min_value=0, max_value=10**6, places=2).map(str),
    st.sampled_from(["1e30", "-1e20", "1e20", "999999999999999", "1e-9", "0.001", "12.345", "1,000.50", " 42 ",
                     "abc", "0x10", "1_000", "NaN", "-0", "9" * 400]),
)
DATES = st.one_of(
    st.dates(),
    st.dates(min_value=validation.FIRST_DATE, max_value=validation.LAST_DATE),
    st.dates().map(str),
    st.datetimes().map(str),
    st.sampled_from(["2026-02-30", "1900-01-01", "2999-12-31", "2000-01-01", "2100-12-31", "yesterday", "20260301"]),
)
TEXTS = st.one_of(
    st.text(max_size=40),
    st.builds(lambda text, n: text * n, st.text(min_size=1, max_size=3), st.sampled_from([10, 1500, 5000, 349_529])),
    st.sampled_from(["\x00", "ok\x1bname", "\u202e反向", "正常 名称", "  spaces  ", "tab\tand\nline"]),
)
# derandomized: the same examples in every run, so CI never meets a new one by chance
PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                    derandomize=True)


def _outcome(store, call) -> tuple[str, int] | None:
    """(table, id) of the saved row, or None after a ValidationError that names its fields."""
    try:
        with session_scope(store) as s:
            obj = call(s)
            return obj.__table__.name, obj.id
    except ValidationError as exc:
        assert exc.errors and all(isinstance(k, str) and k and v for k, v in exc.errors.items()), exc.errors
        return None


def _stored(store, table: str, row_id: int) -> dict:
    with session_scope(store, readonly=True) as s:
        return records.row_dict(s.get(model_for_table(table), row_id))


def _round_trips(store, saved: tuple[str, int], typed: dict) -> None:
    """Every value the user typed reads back as the column's reading of it."""
    table, row_id = saved
    row, columns = _stored(store, table, row_id), model_for_table(table).__table__.c
    for field, value in typed.items():
        expected = validation.read_value(columns[field], value)
        assert row[field] == expected, (table, field, value, row[field])


def _extractable(store, tmp_path, saved: list[tuple[str, int]]) -> None:
    """The rows saved above extract into raw/ops; nothing is quarantined."""
    settings_ = get_settings({"CRMLAKE_HOME": str(tmp_path / "lake"), "CRMLAKE_OPERATIONAL_URL": store})
    results = extract.extract_changes(settings_)
    assert sum(r.quarantined for r in results.values()) == 0
    for table in {t for t, _ in saved}:
        raw = pl.read_parquet(settings_.raw_dir / "ops" / table / "*.parquet")["id"].to_list()
        assert {i for t, i in saved if t == table} <= set(raw), table


def one_hostile(strategies: dict, valid: dict):
    """All fields valid but one, drawn from its hostile strategy (so each field is probed alone)."""
    return st.sampled_from(sorted(strategies)).flatmap(
        lambda field: strategies[field].map(lambda value: {**valid, field: value}))


def _run(store, tmp_path, strategy, valid, call, typed_fields, expect_saves: bool = True) -> None:
    """Hypothesis over one hostile field at a time; ``call(session, values)`` saves;
    ``typed_fields(values)`` = {column: typed-in value} of the saved row to compare."""
    saved: list[tuple[str, int]] = []

    @PROPERTY
    @given(one_hostile(strategy, valid))
    def check(values):
        outcome = _outcome(store, lambda s: call(s, values))
        if outcome is not None:
            _round_trips(store, outcome, typed_fields(values))
            saved.append(outcome)

    check()
    assert saved or not expect_saves, "no example saved: the strategy never produced a valid row"
    if saved:
        _extractable(store, tmp_path, saved)


def test_accounts_property(store, reference, tmp_path):
    _run(store, tmp_path, {"account_name": TEXTS, "city": TEXTS, "address": TEXTS, "phone": TEXTS},
         {"account_name": "杭州测试机械有限公司", "city": "杭州", "address": "文三路 1 号", "phone": "0571-88888888"},
         lambda s, v: accounts.create_account(s, viewer("rep1"), dict(v), confirm_fuzzy=True, reference=reference),
         lambda v: {"city": v["city"], "address": v["address"], "phone": v["phone"]})


def test_leads_property(store, reference, tmp_path):
    _run(store, tmp_path, {"lead_name": TEXTS, "company_name": TEXTS, "province": TEXTS},
         {"lead_name": "王先生", "company_name": "杭州测试机械有限公司", "province": "浙江"},
         lambda s, v: leads.create_lead(s, viewer("rep1"), dict(v), reference=reference),
         lambda v: dict(v))


def test_opportunities_property(store, reference, tmp_path):
    account_id, _ = account_and_opportunity(store, reference)
    _run(store, tmp_path, {"opportunity_name": TEXTS, "amount": NUMBERS, "close_date": DATES, "next_step": TEXTS},
         {"opportunity_name": "产线改造", "amount": "100000", "close_date": "2026-12-31", "next_step": "拜访"},
         lambda s, v: opportunities.create_opportunity(s, viewer("rep1"), {**v, "account_id": account_id},
                                                       reference=reference),
         lambda v: dict(v))


def test_quotes_and_orders_property(store, reference, tmp_path):
    _, opp_id = account_and_opportunity(store, reference)
    account_id, _ = account_and_opportunity(store, reference, name="宁波天恒另一家机械有限公司")
    _run(store, tmp_path, {"quantity": NUMBERS, "discount_pct": NUMBERS}, {"quantity": "2", "discount_pct": "5"},
         lambda s, v: quotes.create_quote(s, viewer("rep1"), opp_id, [{"product_id": 3, **v}], reference=reference),
         lambda v: {})
    _run(store, tmp_path, {"quantity": NUMBERS, "order_date": DATES}, {"quantity": "2", "order_date": "2026-05-01"},
         lambda s, v: orders.create_order(s, viewer("rep1"), account_id, [{"product_id": 2, "quantity": v["quantity"]}],
                                          order_date=v["order_date"], reference=reference),
         lambda v: {"order_date": v["order_date"]})


def test_payments_and_deliveries_property(store, reference, tmp_path):
    order = _order(store, reference, 1, product_id=2)
    with session_scope(store) as s:
        (line,) = orders.order_lines(s, viewer("rep1"), order.id, reference=reference)
    _run(store, tmp_path, {"quantity": NUMBERS, "delivery_date": DATES, "tracking_no": TEXTS, "note": TEXTS},
         {"quantity": "0.001", "delivery_date": "2026-06-01", "tracking_no": "SF123", "note": "分批"},
         lambda s, v: deliveries.create_delivery(s, viewer("rep1"), [{"order_line_id": line.id, "quantity": v["quantity"]}],
                                                 delivery_date=v["delivery_date"], tracking_no=v["tracking_no"],
                                                 note=v["note"], reference=reference),
         lambda v: {"delivery_date": v["delivery_date"], "tracking_no": v["tracking_no"], "note": v["note"]})
    _run(store, tmp_path, {"amount": NUMBERS, "due_date": DATES}, {"amount": str(order.total_amount), "due_date": "2099-01-01"},
         lambda s, v: payments.create_payment_plan(s, viewer("finance1"), order.id, [v], reference=reference),
         lambda v: {}, expect_saves=False)  # an order has one plan, its sum exact: mostly refused
    with session_scope(store) as s:
        plan = payments.create_payment_plan(s, viewer("finance1"), order.id,
                                            [{"amount": order.total_amount, "due_date": dt.date(2100, 12, 31)}],
                                            reference=reference) if not payments.list_plans(
            s, viewer("finance1"), order_id=order.id, reference=reference) else payments.list_plans(
            s, viewer("finance1"), order_id=order.id, reference=reference)[0]
        inst = payments.list_installments(s, viewer("finance1"), plan_id=plan.id, reference=reference)[0]
    _run(store, tmp_path, {"amount": NUMBERS, "receipt_date": DATES, "bank_txn_no": TEXTS},
         {"amount": "10.00", "receipt_date": "2026-06-01", "bank_txn_no": "TXN-1"},
         lambda s, v: payments.record_receipt(s, viewer("finance1"), inst["installment_id"], v["amount"],
                                              receipt_date=v["receipt_date"] or "2026-06-01",
                                              bank_txn_no=v["bank_txn_no"], is_advance=True, reference=reference),
         lambda v: {"amount": v["amount"], "bank_txn_no": v["bank_txn_no"]})


def test_partner_entries_property(store, reference, tmp_path):
    _run(store, tmp_path, {"customer_name": TEXTS, "estimated_amount": NUMBERS, "expected_close_date": DATES},
         {"customer_name": "杭州明达机械有限公司", "estimated_amount": "1000", "expected_close_date": "2100-01-01"},
         lambda s, v: partners.create_deal_registration(s, viewer("partner1"), v["customer_name"],
                                                        estimated_amount=v["estimated_amount"],
                                                        expected_close_date=v["expected_close_date"],
                                                        reference=reference),
         lambda v: {"estimated_amount": v["estimated_amount"], "expected_close_date": v["expected_close_date"]})
    with session_scope(store) as s:
        reg = partners.create_deal_registration(s, viewer("partner1"), "杭州明达机械有限公司", estimated_amount="1000",
                                                reference=reference)
    with session_scope(store) as s:
        partners.approve_registration(s, viewer("channel1"), reg.id, reference=reference)
    _run(store, tmp_path, {"quantity": NUMBERS, "requested_price": NUMBERS, "valid_until": DATES, "reason": TEXTS},
         {"quantity": "1", "requested_price": "1000", "valid_until": "2100-01-01", "reason": "竞争"},
         lambda s, v: partners.request_special_price(s, viewer("partner1"), 2, v["quantity"], v["requested_price"],
                                                     registration_id=reg.id, valid_until=v["valid_until"],
                                                     reason=v["reason"], reference=reference),
         lambda v: dict(v))


def test_tickets_property(store, reference, tmp_path):
    _run(store, tmp_path, {"subject": TEXTS, "description": TEXTS, "contact_phone": TEXTS},
         {"subject": "设备报警", "description": "E07", "contact_phone": "13800000000"},
         lambda s, v: tickets.create_ticket(s, viewer("agent1"), account_id=5001, priority="P2", category="故障报修",
                                            call_id="C2026050000001", reference=reference, **v),
         lambda v: dict(v))


def test_commission_adjustments_property(store, reference, tmp_path):
    _run(store, tmp_path, {"amount": NUMBERS, "period": st.one_of(TEXTS, st.sampled_from(["1900-01", "2999-12", "2026-09"])),
                           "reason": TEXTS},
         {"amount": "100", "period": "2026-09", "reason": "奖励"},
         lambda s, v: commission.add_adjustment(s, viewer("finance1"), user_id=101, reference=reference,
                                                business=BusinessSettings(), **v),
         lambda v: dict(v))
