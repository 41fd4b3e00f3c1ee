"""Sales marts on a hand-computed history (tests/sales_fixtures.py): point-in-time snapshots,
stage history, movement waterfall (mart and on demand), funnel conversion. Real dbt builds."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from decimal import Decimal

import duckdb
import pytest

from apps import sales_data

D = dt.date
Q3 = (D(2026, 7, 1), D(2026, 9, 30))


@pytest.fixture(scope="module")
def warehouse(sales_case_warehouse):
    return sales_case_warehouse  # built once for this module and test_sales_ml (tests/conftest.py)


@pytest.fixture(scope="module")
def con(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as c:
        yield c


def run_on(con):
    return lambda sql, params: con.execute(sql, list(params)).df()


def snap(con, day, opp):
    return con.execute(
        "select stage, stage_probability, amount from sales.pipeline_snapshots where snapshot_date = ? and opportunity_id = ?",
        [day, opp],
    ).fetchone()


def test_snapshot_day_before_and_after_stage_change(con):
    # A moved 初步接洽 -> 需求确认 on 07-10 09:00
    assert snap(con, D(2026, 7, 9), 1) == ("初步接洽", Decimal("0.1000"), Decimal("100000.00"))
    assert snap(con, D(2026, 7, 10), 1) == ("需求确认", Decimal("0.2500"), Decimal("100000.00"))
    assert snap(con, D(2026, 7, 11), 1) == ("需求确认", Decimal("0.2500"), Decimal("100000.00"))


def test_snapshot_amount_change_never_leaks_backwards(con):
    assert snap(con, D(2026, 7, 19), 1)[2] == Decimal("100000.00")
    assert snap(con, D(2026, 7, 20), 1)[2] == Decimal("120000.00")


def test_snapshot_totals_hand_computed(con):
    count, total = con.execute(
        "select count(*), sum(amount) from sales.pipeline_snapshots where snapshot_date = date '2026-07-09'"
    ).fetchone()
    assert (count, total) == (6, Decimal("620000.00"))
    # closed deals leave the snapshot: D won 07-18, F lost 07-19
    ids = {r[0] for r in con.execute(
        "select opportunity_id from sales.pipeline_snapshots where snapshot_date = date '2026-07-20'").fetchall()}
    assert ids == {1, 2, 3, 5, 7}


def test_probabilities_are_fractions(con):
    assert con.execute("select max(stage_probability) from sales.opportunities").fetchone()[0] <= 1
    assert con.execute("select stage_probability from sales.opportunities where opportunity_id = 3").fetchone()[0] == Decimal("0.75")


def test_stage_history_days_in_stage(con):
    rows = con.execute(
        "select stage, entered_at, exited_at, days_in_stage from sales.opportunity_stage_history where opportunity_id = 1 order by stage_sequence"
    ).fetchall()
    assert [r[0] for r in rows] == ["初步接洽", "需求确认"]  # amount change is no new stage
    assert rows[0][2] == dt.datetime(2026, 7, 10, 9, 0)
    assert rows[0][3] == pytest.approx(8 + 23 / 24)  # 07-01 10:00 -> 07-10 09:00


def test_mart_week_movement_hand_computed(con):
    rows = dict(con.execute(
        """select opportunity_id, movement_category || ':' || cast(movement_amount as varchar)
           from sales.pipeline_movement where period_type = 'week' and period_end = date '2026-07-20'"""
    ).fetchall())
    assert rows == {
        1: "amount_up:20000.00", 2: "pulled_in:150000.00", 4: "won:-80000.00",
        5: "new:50000.00", 6: "lost:-30000.00", 7: "slipped:0.00",
    }
    start, end = con.execute(
        """select sum(start_amount), sum(end_amount) from sales.pipeline_movement
           where period_type = 'week' and period_end = date '2026-07-20'"""
    ).fetchone()
    assert (start, end) == (Decimal("270000.00"), Decimal("380000.00"))


def test_on_demand_movement_and_waterfall_equal_snapshot_difference(con):
    movement = sales_data.movement_between(D(2026, 7, 9), D(2026, 7, 20), Q3, run=run_on(con))
    by = dict(zip(movement["opportunity_id"], movement["movement_category"], strict=True))
    assert by == {1: "amount_up", 2: "pulled_in", 3: "pushed_out", 4: "won", 5: "new", 6: "lost", 7: "slipped"}
    steps = dict(sales_data.waterfall(movement).values)
    assert steps["期初 start"] == 470000 and steps["期末 end"] == 380000
    assert steps["pushed_out"] == -200000 and steps["pulled_in"] == 150000
    assert sum(v for k, v in steps.items() if k not in ("期初 start", "期末 end")) == 380000 - 470000

    def total(day):
        return con.execute(
            "select coalesce(sum(amount), 0) from sales.pipeline_snapshots where snapshot_date = ? and close_date between ? and ?",
            [day, *Q3],
        ).fetchone()[0]

    assert total(D(2026, 7, 20)) - total(D(2026, 7, 9)) == Decimal("-90000.00")


def test_on_demand_as_of_matches_snapshot_mart(con):
    on_demand = sales_data.pipeline_as_of(D(2026, 7, 12), run=run_on(con))
    mart = con.execute("select opportunity_id, amount from sales.pipeline_snapshots where snapshot_date = date '2026-07-12'").df()
    assert sorted(on_demand["opportunity_id"]) == sorted(mart["opportunity_id"])
    assert on_demand["amount"].sum() == mart["amount"].sum()


def test_funnel_conversion_hand_computed(con):
    row = con.execute(
        """select leads, opportunities, won_opportunities, lead_to_opportunity_rate, opportunity_to_won_rate,
                  won_amount, median_days_lead_to_opportunity
           from sales.funnel_conversion
           where period_type = 'month' and dimension = 'lead_source' and dimension_key = '展会'"""
    ).fetchone()
    assert row == (4, 2, 1, Decimal("0.5000"), Decimal("0.5000"), Decimal("80000.00"), Decimal("3.5"))
    total = con.execute(
        "select leads, opportunities from sales.funnel_conversion where period_type = 'month' and dimension = 'all'"
    ).fetchone()
    assert total == (5, 3)


def test_campaign_roi_hand_computed(con):
    row = con.execute("select leads, converted_leads, won_amount, cost, roi, lead_conversion_rate from sales.campaign_roi").fetchone()
    # campaign 900: 4 leads, 2 converted (D won 80000, E open), cost 20000 -> ROI (80000-20000)/20000 = 3
    assert row == (4, 2, Decimal("80000.00"), Decimal("20000.00"), Decimal("3.0000"), Decimal("0.5000"))


def test_weighted_amount_is_amount_times_win_rate(con):
    """Hand-computed from the fixture: amount x the CRM's win rate, to the cent (an exact decimal
    product since issue 8, so DuckDB and Spark agree at half cents)."""
    rows = dict(con.execute(
        "select opportunity_id, weighted_amount from sales.opportunities order by 1").fetchall())
    assert rows == {
        1: Decimal("30000.00"),   # 120,000 x 25 %
        2: Decimal("75000.00"),   # 150,000 x 50 %
        3: Decimal("150000.00"),  # 200,000 x 75 %
        4: Decimal("80000.00"),   # won: 80,000 x 100 %
        5: Decimal("12500.00"),   # 50,000 x 25 %
        6: Decimal("0.00"),       # lost: x 0 %
        7: Decimal("45000.00"),   # 60,000 x 75 %
    }


def test_pipeline_table_macros_survive_the_snapshot_copy_read_only(warehouse, tmp_path):
    """sales.pipeline_as_of / pipeline_movement_between are warehouse table macros: publish copies
    the file to another name, 0444, and the apps open it read-only (apps.data_access)."""
    published = tmp_path / "crmlake.duckdb"
    shutil.copyfile(warehouse, published)
    os.chmod(published, 0o444)
    with duckdb.connect(str(published), read_only=True) as con:
        on_demand = sales_data.pipeline_as_of(D(2026, 7, 12), run=run_on(con))
        mart = con.execute(
            "select opportunity_id, amount from sales.pipeline_snapshots where snapshot_date = date '2026-07-12'").df()
        assert sorted(on_demand["opportunity_id"]) == sorted(mart["opportunity_id"]) and len(mart) > 0
        movement = sales_data.movement_between(D(2026, 7, 9), D(2026, 7, 20), Q3, run=run_on(con))
        assert len(movement) == 7
