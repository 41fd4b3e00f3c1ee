"""Typing of landing strings into contract types: what is accepted, what is quarantined."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import polars as pl
import pytest

from kernel.contracts import FieldSpec
from pipelines.ingest.casting import typed_value


def cast(ftype: str, values: list[str | None], *, required: bool = False):
    """(typed values, reasons) of ``values`` read as a field ``x`` of type ``ftype``."""
    value, bad = typed_value(FieldSpec("x", ftype, required=required), "x")
    frame = pl.DataFrame({"x": values}, schema={"x": pl.Utf8}).select(
        value.alias("v"), (bad if bad is not None else pl.lit(None, pl.Utf8)).alias("bad")
    )
    return frame["v"].to_list(), frame["bad"].to_list()


def test_int_accepts_signs_integral_floats_and_thousands():
    values, bad = cast("int64", ["1", "+2", " -3 ", "4.0", "1,234", "", None])
    assert values == [1, 2, -3, 4, 1234, None, None]
    assert bad == [None] * 7


@pytest.mark.parametrize("text", ["N/A", "1.5", "1e3", "12,34"])
def test_int_rejects(text):
    values, bad = cast("int64", [text])
    assert values == [None]
    assert bad == [f"x: '{text}' is not an integer"]


def test_int_too_large_says_so():  # issue 14: an overflow is not "not an integer"
    values, bad = cast("int64", ["99999999999999999999"])
    assert values == [None] and bad == ["x: '99999999999999999999' is too large for int64 (bigint)"]


def test_decimal_accepts_thousands_and_trailing_zeros():
    values, bad = cast("decimal", ["12,000.00", "12.5", "-0.50", ".5", "5.", "12.3000", "7"])
    assert values == [
        Decimal("12000.00"),
        Decimal("12.50"),
        Decimal("-0.50"),
        Decimal("0.50"),
        Decimal("5.00"),
        Decimal("12.30"),
        Decimal("7.00"),
    ]
    assert bad == [None] * 7


def test_decimal_rounds_float_noise_but_not_real_digits():
    values, bad = cast("decimal", ["36.900000000000006", "12.2999999999", "0.125", "N/A"])
    assert values == [Decimal("36.90"), Decimal("12.30"), None, None]
    assert bad == [
        None,
        None,
        "x: '0.125' has more than 2 decimal places",
        "x: 'N/A' is not a decimal",
    ]


def test_bool_words():
    values, bad = cast("bool", ["true", "FALSE", "1", "0", "是", "否", "Y", "n", "maybe"])
    assert values == [True, False, True, False, True, False, True, False, None]
    assert bad[-1] == "x: 'maybe' is not a boolean (true/false/1/0/是/否/Y/N)"


def test_date_dash_slash_and_excel_midnight():
    values, bad = cast("date", ["2026-01-05", "2026/1/6", "2026-01-07 00:00:00", "2026-02-30"])
    assert values == [date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7), None]
    assert bad[-1] == "x: '2026-02-30' is not a date (YYYY-MM-DD)"


def test_local_timestamp_is_naive():
    values, bad = cast("timestamp", ["2026-01-05 08:30:00", "2026/01/05 08:30", "05.01.2026"])
    assert values == [datetime(2026, 1, 5, 8, 30), datetime(2026, 1, 5, 8, 30), None]
    assert bad[:2] == [None, None]


def test_utc_timestamp_converts_offsets_to_naive_utc():
    values, bad = cast(
        "timestamp_utc",
        ["2026-01-05T08:30:00Z", "2026-01-05T16:30:00+08:00", "2026-01-05T08:30:00.5+00:00",
         "2026-01-05T08:30:00"],
    )  # fmt: skip
    assert values[:3] == [
        datetime(2026, 1, 5, 8, 30),
        datetime(2026, 1, 5, 8, 30),
        datetime(2026, 1, 5, 8, 30, 0, 500000),
    ]
    assert values[3] is None  # no offset: which zone? not guessed
    assert "ISO-8601" in bad[3]


def test_epoch_ms_is_int64():
    values, bad = cast("epoch_ms", ["1760000000000", "1760000000000.0", "yesterday"])
    assert values == [1760000000000, 1760000000000, None]
    assert bad[2] == "x: 'yesterday' is not an epoch-milliseconds integer"


def test_required_blank_is_missing_and_typing_error_wins():
    values, bad = cast("int64", ["", "  ", None, "x", "3"], required=True)
    assert values == [None, None, None, None, 3]
    assert bad == [
        "x: required value missing",
        "x: required value missing",
        "x: required value missing",
        "x: 'x' is not an integer",
        None,
    ]


def test_string_keeps_chinese_and_blanks_become_null():
    values, bad = cast("string", ["上海某某有限公司", "", "  "])
    assert values == ["上海某某有限公司", None, None]
    assert bad == [None, None, None]
