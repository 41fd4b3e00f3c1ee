"""Payment plans on orders only the CRM extract holds (issue 17): the payments screen offers the
CRM's unplanned orders beside the store's, the plan is kept in the store on the CRM order's id
(migration 0007 drops the store-only foreign key), within the row rule and never twice; the store
side on a small hand-made snapshot, the screen on the published S=1 snapshot."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest
import sqlalchemy as sa
import store_fixtures
from entry_fixtures import click, errors, make_entry_env, page, successes
from store_fixtures import FIN, REP1, REP2, make_reference, viewer

from operational.db import session_scope
from operational.errors import PermissionDenied, ValidationError
from operational.models.orders import PaymentPlan
from operational.reference import Reference
from operational.workflows import payments

store_url = store_fixtures.store_url
REP1_V, REP2_V = viewer("sales_rep", REP1), viewer("sales_rep", REP2)
FINANCE = viewer("finance", FIN)
REF = make_reference(accounts=[])


@pytest.fixture
def env(pipeline_run, monkeypatch, tmp_path):
    return make_entry_env(pipeline_run, monkeypatch, tmp_path)


def _published(env, sql: str, *params) -> list[tuple]:
    with duckdb.connect(str(env.settings.published_database), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


@pytest.fixture
def crm_orders(tmp_path) -> Reference:
    """A published snapshot holding two CRM orders (rep1's, rep2's) and a CRM plan on a third."""
    path = tmp_path / "crmlake.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema intermediate")
        con.execute("""create table intermediate.int_orders_unioned as select * from (values
            (7001, 'SO-7001', 'xsy', ?, 501, date '2026-10-01', 1000.00::decimal(18,2), 'active'),
            (7002, 'SO-7002', 'xsy', ?, 502, date '2026-10-02', 2000.00::decimal(18,2), 'active'),
            (7003, 'SO-7003', 'xsy', ?, 503, date '2026-10-03', 3000.00::decimal(18,2), 'active'),
            (7004, 'SO-7004', 'xsy', ?, 504, date '2026-10-04', 1000.00::decimal(18,2), 'active'))
            t(order_id, order_no, source_system, owner_id, account_id, order_date, total_amount, status)""",
                    [REP1, REP2, REP1, REP1])
        con.execute("""create table intermediate.int_payment_plans_unioned as select * from (values
            (9001, 'HK-CRM-1', 7003, 'xsy'), (9002, 'HK-CRM-2', null, 'xsy'))
            t(payment_plan_id, plan_no, order_id, source_system)""")
        # the CRM links plan HK-CRM-2 to a contract only; its installments name order 7004
        con.execute("""create table intermediate.int_payment_installments_unioned as
            select 9102 as installment_id, 9002 as payment_plan_id, 7004 as order_id, 'xsy' as source_system""")
    return Reference(frames=dict(REF.frames), source=str(path))


def test_payment_plan_on_an_extracted_order(store_url, crm_orders):
    due = [{"amount": "400.00", "due_date": dt.date(2026, 11, 1)}, {"amount": "600.00", "due_date": dt.date(2026, 12, 1)}]
    with session_scope(store_url) as s:
        plan = payments.create_payment_plan(s, FINANCE, 7001, due, reference=crm_orders)
        assert (plan.order_id, plan.account_id, plan.owner_id, plan.total_amount) == (7001, 501, REP1, Decimal("1000.00"))
    with pytest.raises(ValidationError, match="已有回款计划"), session_scope(store_url) as s:
        payments.create_payment_plan(s, FINANCE, 7001, due, reference=crm_orders)  # not twice
    with pytest.raises(ValidationError, match="HK-CRM-1"), session_scope(store_url) as s:
        payments.create_payment_plan(s, FINANCE, 7003, due, reference=crm_orders)  # the CRM planned it already
    with pytest.raises(ValidationError, match="HK-CRM-2"), session_scope(store_url) as s:
        payments.create_payment_plan(s, FINANCE, 7004, due, reference=crm_orders)  # ... through the contract
    with pytest.raises(ValidationError, match="installments"), session_scope(store_url) as s:
        payments.create_payment_plan(s, FINANCE, 7002, due, reference=crm_orders)  # 1,000 is not the order's 2,000
    with session_scope(store_url, readonly=True) as s:
        assert s.execute(sa.select(sa.func.count()).select_from(PaymentPlan)).scalar() == 1


def test_extracted_order_lookup_keeps_the_row_rule(crm_orders, store_url):
    with pytest.raises(PermissionDenied), session_scope(store_url) as s:
        payments.order_for_plan(s, REP2_V, 7001, crm_orders)  # rep1's order
    with session_scope(store_url) as s:
        assert payments.order_for_plan(s, REP1_V, 7001, crm_orders).order_no == "SO-7001"
    assert Reference(frames={}, source=None).extracted_rows("int_orders_unioned", "true", []) == []


@pytest.mark.slow
def test_payments_screen_plans_a_crm_order(env):
    order_id, order_no, amount = _published(
        env, "select o.order_id, o.order_no, o.total_amount from intermediate.int_orders_unioned o where o.source_system <> 'ops' "
             "and coalesce(o.status, '') <> 'cancelled' and o.order_date is not null and o.order_id not in "
             "(select order_id from intermediate.int_payment_plans_unioned where order_id is not null) and o.order_id not in "
             "(select order_id from intermediate.int_payment_installments_unioned where order_id is not null) "
             "order by o.order_id limit 1")[0]
    at = page(env, "payments", "finance1")
    assert "pp_order" in [s.key for s in at.selectbox]  # no more "every order already has a payment plan"
    at.selectbox(key="pp_order").select(order_id).run()
    at.text_input(key="pp_1_amount").input(str(amount))
    at.text_input(key="pp_1_due_date").input("2099-12-31")
    click(at, "保存回款计划 Save plan")
    assert any("已保存回款计划" in s for s in successes(at)), errors(at)
    plan = env.rows("select order_id, total_amount from payment_plans")
    assert plan == [{"order_id": order_id, "total_amount": plan[0]["total_amount"]}]
    assert float(plan[0]["total_amount"]) == pytest.approx(float(amount))
    # the order is planned now: offered no more
    at = page(env, "payments", "finance1")
    offered = next((s.options for s in at.selectbox if s.key == "pp_order"), [])
    assert offered and not any(o.startswith(f"{order_no} ") for o in offered)
