"""Win-probability features are point-in-time: no feature of date D uses anything after D."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from models_ml import bookings_forecast as bf
from models_ml import win_probability as wp


@pytest.fixture(scope="module")
def warehouse(sales_case_warehouse):
    return sales_case_warehouse  # built once for this module and test_sales_marts (tests/conftest.py)


@pytest.mark.parametrize("day", [dt.date(2026, 7, 9), dt.date(2026, 7, 13), dt.date(2026, 7, 17)])
def test_features_ignore_everything_after_the_as_of_date(warehouse, day):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        full = wp.features_as_of(con, [day])
        cutoff = pd.Timestamp(day) + pd.Timedelta(days=1)
        # the history as it was known at the end of `day`: later versions do not exist yet
        con.execute(
            """create temp table truncated as
               select * replace (case when valid_to >= ? then null else valid_to end as valid_to)
               from sales.opportunity_versions where valid_from < ?""",
            [cutoff, cutoff],
        )
        known = wp.features_as_of(con, [day], versions="truncated")
    pd.testing.assert_frame_equal(full, known)
    assert len(full) > 0


def test_features_hand_computed(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        f = wp.features_as_of(con, [dt.date(2026, 7, 20)]).set_index("opportunity_id")
    # A: created 07-01, stage 需求确认 since 07-10, amount 100000 -> 120000
    assert f.loc[1, "amount_change_ratio"] == pytest.approx(1.2)
    assert f.loc[1, "stage"] == "需求确认"
    assert f.loc[7, "close_date_push_count"] == 1  # G slipped once
    # owner 12 closed D (won) and F (lost) by 07-20: (1 + 0.4*5) / (2 + 5)
    assert f.loc[3, "owner_prior_win_rate"] == pytest.approx(3 / 7)


def test_training_rows_use_only_known_outcomes():
    frame = pd.DataFrame({
        "as_of_date": pd.to_datetime(["2026-06-01", "2026-06-01", "2026-07-05"]),
        "closed_at": pd.to_datetime(["2026-06-10", "2026-07-10", "2026-06-20"]),
    })
    rows = wp.training_rows(frame, dt.date(2026, 7, 1))
    assert list(rows.index) == [0]


def test_quarter_share_left():
    assert bf.quarter_share_left(dt.date(2026, 7, 1), dt.date(2026, 6, 30)) == 1.0
    assert bf.quarter_share_left(dt.date(2026, 7, 1), dt.date(2026, 9, 30)) == 0.0
    assert bf.quarter_share_left(dt.date(2026, 10, 1), dt.date(2026, 10, 31)) == pytest.approx(61 / 92)
