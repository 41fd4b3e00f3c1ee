"""Decimals keep the scale the contract declares: money 2, quantities 3, rates 4."""

from decimal import Decimal

import polars as pl

from kernel.contracts import entity
from pipelines.ingest.casting import typed_value


def _cast(qualified: str, field: str, values: list[str]):
    spec = entity(qualified).field(field)
    value, error = typed_value(spec, "v")
    out = pl.DataFrame({"v": values}).select(value.alias("value"), error.alias("error"))
    return out["value"].to_list(), out["error"].to_list()


def test_a_rebate_rate_of_three_and_a_half_percent_is_kept_exactly():
    values, errors = _cast("partners.rebate_policies", "rate", ["0.035", "0.02", "0.03555"])
    assert values[:2] == [Decimal("0.0350"), Decimal("0.0200")]
    assert errors[:2] == [None, None]
    assert values[2] is None and "more than 4 decimal places" in errors[2]


def test_bulk_quantities_keep_three_decimals_and_money_two():
    qty, qty_errors = _cast("erp.shipments", "quantity", ["19.990", "7,990.5"])
    assert qty == [Decimal("19.990"), Decimal("7990.500")] and qty_errors == [None, None]
    money, money_errors = _cast("crm.receipts", "amount", ["12,000.00", "36.900000000000006", "1.234"])
    assert money[:2] == [Decimal("12000.00"), Decimal("36.90")]
    assert money_errors[2] and "more than 2 decimal places" in money_errors[2]
