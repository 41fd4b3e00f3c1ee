"""Delivery records against bulk order lines with an over/short tolerance (交付 / 溢短装).

The worked case (transcribed here; the tests never read the shared case folder):
Order line L1 is 20 t of ore = 20,000 kg with an absolute tolerance of +-20 kg, so
19,980-20,020 kg settles the line.

| deliveries (kg) | total  | status          | note                                        |
| 12,000 + 7,990  | 19,990 | settled         | 10 kg short, within the tolerance           |
| 12,000 + 7,970  | 19,970 | open            | 30 kg short: 10 kg still to the lower bound |
| 12,000 + 8,015  | 20,015 | settled         | 15 kg over, within the tolerance            |
| 12,000 + 8,040  | 20,040 | settled_flagged | 20 kg beyond the tolerance: review          |

Revenue of a settled bulk line = quantity actually delivered x unit price. The pure rule
(`operational.settlement`) is checked on the case, on percent tolerances, and against the finance
dbt model `int_order_lines_delivery_status` run by real dbt on the same rows.
"""

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from store_workflow_fixtures import account_and_opportunity, viewer
from store_workflow_fixtures import reference as reference  # noqa: F401  (module fixture)
from store_workflow_fixtures import store as store  # noqa: F401  (fixture)
from store_workflow_fixtures import store_url as store_url  # noqa: F401  (fixture)

from operational.db import session_scope
from operational.errors import PermissionDenied, ValidationError
from operational.models.orders import DeliveryLine, Order
from operational.settlement import line_status, recognised_revenue, tolerance_errors
from operational.workflows import deliveries, orders

REPO = Path(__file__).resolve().parents[1]
D = Decimal

# ---------------------------------------------------------------- the worked case, row by row

CASE_L1 = [
    # second delivery, status, shortfall to the lower bound, excess beyond the upper bound
    (7_990, "settled", 0, 0),
    (7_970, "open", 10, 0),
    (8_015, "settled", 0, 0),
    (8_040, "settled_flagged", 0, 20),
]


@pytest.mark.parametrize(("second", "status", "shortfall", "excess"), CASE_L1)
def test_case_l1_row(second, status, shortfall, excess):
    got = line_status(20_000, 12_000 + second, "absolute", 20)
    assert (got.status, got.shortfall, got.excess) == (status, shortfall, excess)
    assert (got.lower_bound, got.upper_bound) == (19_980, 20_020)
    assert got.is_settled == (status != "open")


def test_case_l1_bounds_are_inclusive():
    assert line_status(20_000, 19_980, "absolute", 20).status == "settled"
    assert line_status(20_000, D("19979.999"), "absolute", 20).status == "open"
    assert line_status(20_000, 20_020, "absolute", 20).status == "settled"
    assert line_status(20_000, D("20020.001"), "absolute", 20).status == "settled_flagged"


def test_case_l1_revenue_is_delivered_quantity_times_unit_price():
    price = D("1.25")  # per kg
    revenues = [recognised_revenue(line_status(20_000, 12_000 + s, "absolute", 20), 12_000 + s, price)
                for s, *_ in CASE_L1]
    assert revenues == [D("24987.50"), D("0.00"), D("25018.75"), D("25050.00")]


def test_revenue_rounds_half_up_only_at_the_end():
    status = line_status(3, 3)
    assert recognised_revenue(status, 3, D("0.335")) == D("1.01")  # 1.005 -> 1.01 (half up)
    assert recognised_revenue(status, D("2.5"), D("0.01")) == D("0.03")  # 0.025 -> 0.03


# ---------------------------------------------------------------- relative (percent) tolerance

@pytest.mark.parametrize(
    ("delivered", "status", "shortfall", "excess"),
    [
        (D("49.000"), "settled", 0, 0),  # exactly the lower bound 50 - 2% = 49
        (D("48.500"), "open", D("0.5"), 0),
        (D("50.000"), "settled", 0, 0),
        (D("51.000"), "settled", 0, 0),  # exactly the upper bound
        (D("51.300"), "settled_flagged", 0, D("0.3")),
        (D("0"), "open", 49, 0),  # nothing delivered yet
    ],
)
def test_percent_tolerance(delivered, status, shortfall, excess):
    got = line_status(D("50"), delivered, "percent", 2)
    assert (got.status, got.shortfall, got.excess) == (status, shortfall, excess)


def test_percent_tolerance_fraction_of_a_percent():
    got = line_status(1_000, D("994.5"), "percent", D("0.5"))  # 995-1005
    assert (got.status, got.shortfall) == ("open", D("0.5"))


def test_no_tolerance_settles_at_the_ordered_quantity():
    assert line_status(10, 9).status == "open"
    assert line_status(10, 10).status == "settled"
    assert line_status(10, 11, "none", None).status == "settled_flagged"
    assert line_status(10, 11).excess == 1


@pytest.mark.parametrize(
    ("tol_type", "tol_value", "field", "words"),
    [
        ("fixed", 5, "tolerance_type", "must be one of"),
        ("absolute", None, "tolerance_value", "required"),
        ("absolute", -1, "tolerance_value", "negative"),
        ("percent", 150, "tolerance_value", "between 0 and 100"),
        ("percent", "abc", "tolerance_value", "not a number"),
        ("none", 5, "tolerance_value", "empty"),
    ],
)
def test_bad_tolerance_names_the_field(tol_type, tol_value, field, words):
    errors = tolerance_errors(tol_type, tol_value)
    assert field in errors and words in errors[field]
    with pytest.raises(ValueError, match=field):
        line_status(10, 5, tol_type, tol_value)


def test_bad_quantities_are_refused():
    with pytest.raises(ValueError, match="ordered_qty"):
        line_status(0, 5)
    with pytest.raises(ValueError, match="delivered_qty"):
        line_status(10, -1)


# ---------------------------------------------------------------- same answers as the dbt model

# (order_line_id, quantity, tolerance_type, tolerance_value, deliveries)
MODEL_LINES = [
    (501, 20_000, "absolute", 20, [12_000, 7_990]),
    (502, 20_000, "absolute", 20, [12_000, 7_970]),
    (503, 20_000, "absolute", 20, [12_000, 8_015]),
    (504, 20_000, "absolute", 20, [12_000, 8_040]),
    (511, 50, "percent", 2, [30, 19]),
    (512, 50, "percent", 2, [D("48.5")]),
    (513, 50, "percent", 2, [51, D("0.3")]),
    (514, 1_000, "percent", D("0.5"), [D("994.5")]),
    (521, 10, "none", None, [10]),
    (522, 10, "none", None, [4, 4]),
    (523, 10, "none", None, [11]),
    (531, 300, "absolute", 5, [100]),
]
UNIT_PRICE = D("1.25")

STAGING = {
    "int_orders_unioned": "order_id BIGINT, order_no VARCHAR, account_id BIGINT",
    "int_order_lines_unioned": "order_line_id BIGINT, order_id BIGINT, product_id BIGINT, unit VARCHAR, "
    "tolerance_type VARCHAR, quantity DECIMAL(18,3), unit_price DECIMAL(18,2), line_amount DECIMAL(18,2), "
    "tolerance_value DECIMAL(18,3)",
    "stg_crm__products": "product_id BIGINT, product_line VARCHAR, is_bulk BOOLEAN",
    "stg_erp__shipments": "shipment_no VARCHAR, line_no BIGINT, crm_order_line_id BIGINT, quantity DECIMAL(18,3), "
    "ship_date DATE",
}


@pytest.fixture(scope="module")
def model_rows(tmp_path_factory) -> list[tuple]:
    """int_order_lines_delivery_status built by real dbt on a staging warehouse of MODEL_LINES."""
    work = tmp_path_factory.mktemp("delivery_model")
    warehouse = work / "warehouse.duckdb"
    lines = pd.DataFrame(
        [dict(order_line_id=lid, order_id=900, product_id=1, unit="kg", tolerance_type=tt, quantity=q,
              unit_price=UNIT_PRICE, line_amount=q * UNIT_PRICE, tolerance_value=tv)
         for lid, q, tt, tv, _ in MODEL_LINES]
    ).astype(object)
    shipments = pd.DataFrame(
        [dict(shipment_no=f"S{lid}-{n}", line_no=n, crm_order_line_id=lid, quantity=qty, ship_date="2026-05-10")
         for lid, *_, deliveries in MODEL_LINES for n, qty in enumerate(deliveries, 1)]
    ).astype(object)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema staging")
        con.execute("create schema intermediate")
        for table, columns in STAGING.items():
            schema = "intermediate" if table.endswith("_unioned") else "staging"
            con.execute(f"create table {schema}.{table} ({columns})")
        con.execute("insert into intermediate.int_orders_unioned values (900, 'SO-900', 77)")
        con.execute("insert into staging.stg_crm__products values (1, 'ore', true)")
        for table, frame in (("intermediate.int_order_lines_unioned", lines), ("staging.stg_erp__shipments", shipments)):
            con.register("rows_in", frame.where(frame.notna(), None))
            cols = ", ".join(frame.columns)
            con.execute(f"insert into {table} ({cols}) select {cols} from rows_in")
            con.unregister("rows_in")
    env = {**os.environ, "CRMLAKE_WAREHOUSE_PATH": str(warehouse), "CRMLAKE_RAW_DIR": str(work / "raw"),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "run", "--select", "int_order_lines_delivery_status",
         "--project-dir", str(REPO / "dbt_project"), "--profiles-dir", str(REPO / "dbt_project"),
         "--target-path", str(work / "target"), "--log-path", str(work / "logs")],
        env=env, capture_output=True, text=True, cwd=REPO,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            """select order_line_id, delivery_status, delivered_quantity, remaining_to_lower_bound,
                      beyond_tolerance_quantity, recognised_revenue
               from intermediate.int_order_lines_delivery_status order by order_line_id"""
        ).fetchall()


def _close(model_value, ours: Decimal) -> bool:
    # the model divides by 100 for percent tolerances, which DuckDB does in DOUBLE
    return abs(D(str(model_value)) - ours) < D("1e-9")


def test_pure_rule_gives_the_dbt_model_answers(model_rows):
    model = {row[0]: row[1:] for row in model_rows}
    assert sorted(model) == sorted(lid for lid, *_ in MODEL_LINES)
    for lid, qty, tol_type, tol_value, shipped in MODEL_LINES:
        delivered = sum(D(str(x)) for x in shipped)
        ours = line_status(qty, delivered, tol_type, tol_value)
        status, model_delivered, remaining, beyond, revenue = model[lid]
        assert status == ours.status, lid
        assert model_delivered == delivered, lid
        assert _close(remaining, ours.shortfall), (lid, remaining, ours.shortfall)
        assert _close(beyond, ours.excess), (lid, beyond, ours.excess)
        assert revenue == recognised_revenue(ours, delivered, UNIT_PRICE), lid


def test_dbt_model_covers_every_status(model_rows):
    assert {row[1] for row in model_rows} == {"open", "settled", "settled_flagged"}


# ---------------------------------------------------------------- the same case through the store

L1 = {"product_id": 1, "quantity": 20_000, "tolerance_type": "absolute", "tolerance_value": 20}  # 1.25 per kg


def l1_order(store, reference, account_id, who="rep1"):
    with session_scope(store) as s:
        order = orders.create_order(s, viewer(who), account_id, [L1], reference=reference)
        (line,) = orders.order_lines(s, viewer(who), order.id, reference=reference)
        return order.id, line.id


def deliver(store, lines, who="rep1", reference=None, **kw):
    with session_scope(store) as s:
        return deliveries.create_delivery(s, viewer(who), [{"order_line_id": i, "quantity": q} for i, q in lines],
                                          reference=reference, **kw)


def status_of(store, reference, line_id, who="rep1"):
    with session_scope(store) as s:
        (row,) = deliveries.line_statuses(s, viewer(who), order_line_ids=[line_id], reference=reference)
        return row


@pytest.mark.parametrize(("second", "status", "shortfall", "excess"), CASE_L1)
def test_case_l1_through_delivery_records(store, reference, second, status, shortfall, excess):
    account_id, _ = account_and_opportunity(store, reference)
    order_id, line_id = l1_order(store, reference, account_id)
    deliver(store, [(line_id, 12_000)], reference=reference)
    first = status_of(store, reference, line_id)
    assert (first["status"], first["shortfall"], first["delivered_quantity"]) == ("open", 7_980, 12_000)
    with session_scope(store) as s:
        assert [r["order_line_id"] for r in deliveries.deliverable_lines(s, viewer("rep1"), account_id, reference=reference)] == [line_id]
        assert s.get(Order, order_id).status == "delivering"
    deliver(store, [(line_id, second)], reference=reference)
    row = status_of(store, reference, line_id)
    assert (row["status"], row["shortfall"], row["excess"]) == (status, shortfall, excess)
    assert row["delivered_quantity"] == 12_000 + second and row["delivery_count"] == 2
    assert row["is_flagged_for_review"] == (status == "settled_flagged")
    revenue = (Decimal(12_000 + second) * Decimal("1.25")).quantize(Decimal("0.01")) if status != "open" else 0
    assert row["recognised_revenue"] == revenue
    with session_scope(store) as s:
        offered = [r["order_line_id"] for r in deliveries.deliverable_lines(s, viewer("rep1"), account_id, reference=reference)]
        assert offered == ([line_id] if status == "open" else [])
        assert s.get(Order, order_id).status == ("delivering" if status == "open" else "delivered")


def test_settled_line_refuses_new_delivery_records(store, reference):
    account_id, _ = account_and_opportunity(store, reference)
    _, line_id = l1_order(store, reference, account_id)
    deliver(store, [(line_id, 12_000)], reference=reference)
    deliver(store, [(line_id, 7_990)], reference=reference)
    with pytest.raises(ValidationError) as err:
        deliver(store, [(line_id, 5)], reference=reference)
    assert "settled" in err.value.errors["lines[1].order_line_id"]
    assert status_of(store, reference, line_id)["delivered_quantity"] == 19_990  # nothing saved


def test_open_line_30kg_short_settles_with_the_missing_10kg(store, reference):
    account_id, _ = account_and_opportunity(store, reference)
    _, line_id = l1_order(store, reference, account_id)
    deliver(store, [(line_id, 12_000)], reference=reference)
    deliver(store, [(line_id, 7_970)], reference=reference)
    assert status_of(store, reference, line_id)["shortfall"] == 10
    deliver(store, [(line_id, 10)], reference=reference)
    assert status_of(store, reference, line_id)["status"] == "settled"


def test_one_delivery_covers_several_orders_of_one_customer(store, reference):
    account_id, _ = account_and_opportunity(store, reference)
    order_a, line_a = l1_order(store, reference, account_id)
    order_b, line_b = l1_order(store, reference, account_id)
    delivery = deliver(store, [(line_a, 20_000), (line_b, 12_000)], reference=reference, delivery_date="2026-05-10")
    with session_scope(store) as s:
        got = deliveries.delivery_lines(s, viewer("rep1"), delivery.id, reference=reference)
        assert sorted((r.order_id, r.order_line_id, r.quantity) for r in got) == [
            (order_a, line_a, Decimal("20000.000")), (order_b, line_b, Decimal("12000.000"))]
        assert delivery.account_id == account_id
        assert (s.get(Order, order_a).status, s.get(Order, order_b).status) == ("delivered", "delivering")


def test_one_delivery_never_mixes_customers(store, reference):
    account_a, _ = account_and_opportunity(store, reference, name="宁波天恒精密机械有限公司")
    account_b, _ = account_and_opportunity(store, reference, name="苏州明远电子有限公司")
    _, line_a = l1_order(store, reference, account_a)
    _, line_b = l1_order(store, reference, account_b)
    with pytest.raises(ValidationError) as err:
        deliver(store, [(line_a, 100), (line_b, 100)], reference=reference)
    assert "one customer" in err.value.errors["lines"]
    with pytest.raises(ValidationError) as err:
        deliver(store, [(line_a, 100)], reference=reference, account_id=account_b)
    assert "account_id" in err.value.errors
    with session_scope(store) as s:
        assert s.query(DeliveryLine).count() == 0


def test_bad_delivery_input_names_the_fields(store, reference):
    account_id, _ = account_and_opportunity(store, reference)
    _, line_id = l1_order(store, reference, account_id)
    with pytest.raises(ValidationError) as err:
        deliver(store, [(line_id, 0), (line_id, "abc"), (None, 5)], reference=reference)
    assert set(err.value.errors) == {"lines[1].quantity", "lines[2].quantity", "lines[3].order_line_id"}
    with pytest.raises(ValidationError) as err:
        deliver(store, [(line_id, 5), (line_id, 6)], reference=reference)
    assert "lines[2].order_line_id" in err.value.errors
    with pytest.raises(ValidationError) as err:
        deliver(store, [], reference=reference)
    assert "lines" in err.value.errors


def test_deliveries_follow_the_row_rules(store, reference):
    account_id, _ = account_and_opportunity(store, reference, "rep2")
    _, line_id = l1_order(store, reference, account_id, who="rep2")
    with pytest.raises(PermissionDenied):
        deliver(store, [(line_id, 100)], who="rep1", reference=reference)
    with session_scope(store) as s:
        assert deliveries.deliverable_lines(s, viewer("rep1"), account_id, reference=reference) == []
    deliver(store, [(line_id, 100)], who="finance1", reference=reference)
    with session_scope(store) as s:
        assert len(deliveries.list_deliveries(s, viewer("rep2"), reference=reference)) == 1
        assert deliveries.list_deliveries(s, viewer("rep1"), reference=reference) == []


def test_percent_tolerance_through_the_store(store, reference):
    account_id, _ = account_and_opportunity(store, reference)
    with session_scope(store) as s:
        order = orders.create_order(s, viewer("rep1"), account_id, [
            {"product_id": 1, "quantity": "50", "tolerance_type": "percent", "tolerance_value": 2}], reference=reference)
        (line,) = orders.order_lines(s, viewer("rep1"), order.id, reference=reference)
    deliver(store, [(line.id, "30")], reference=reference)
    deliver(store, [(line.id, "18.5")], reference=reference)
    row = status_of(store, reference, line.id)
    assert (row["status"], row["shortfall"], row["lower_bound"]) == ("open", Decimal("0.5"), 49)
    deliver(store, [(line.id, "2.8")], reference=reference)  # 51.3: 0.3 beyond 51
    row = status_of(store, reference, line.id)
    assert (row["status"], row["excess"], row["recognised_revenue"]) == ("settled_flagged", Decimal("0.3"), Decimal("64.13"))
