"""Loaders of the sales pages, on the published snapshot (apps.data_access.query).

Point-in-time on demand: ``pipeline_as_of(date)`` and ``movement_between(start, end, window)``
give the open pipeline at the end of any date, and its movement between two dates, by querying
the snapshot's table macros ``sales.pipeline_as_of`` and ``sales.pipeline_movement_between``.
dbt renders them (on-run-end) from the macros ``sales_pipeline_as_of`` and ``sales_pipeline_movement``
that the marts materialize for a calendar of dates, so the rule has one home and no Python twin.
The SQL builders take the connection-free ``run`` function so tests can point them at any DuckDB file.

Row rules: every loader takes the logged-in viewer and filters on ``owner_id`` in SQL
(``row_rules.owners``): a rep sees their own opportunities and figures, a manager their
department tree, finance and admin everything. Company-wide aggregates without an owner
(campaign ROI, funnel by source/campaign/department) are only for viewers who see every row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd

from apps import row_rules
from apps.data_access import query
from apps.row_rules import Viewer

Run = Callable[[str, tuple], pd.DataFrame]

MOVEMENT_ORDER = [
    "new", "pulled_in", "reopened", "amount_up", "amount_down",
    "won", "lost", "pushed_out", "moved_earlier", "slipped", "unchanged",
]

# The rules live once, in dbt (macros/sales/sales_macros.sql); these select from the table
# macros it renders into the warehouse and the snapshot carries.
PIPELINE_AS_OF_SQL = """
select opportunity_id, owner_name, department_name, opportunity_name, stage, stage_probability,
       forecast_category, amount, weighted_amount, close_date
from sales.pipeline_as_of(?)
where {owners}
order by amount desc
"""

MOVEMENT_SQL = """
select opportunity_id, movement_category, start_amount, end_amount, movement_amount
from sales.pipeline_movement_between(?, ?, ?, ?)
where {owners}
"""


def quarter_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    start = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    nxt = dt.date(start.year + (start.month + 3 > 12), (start.month + 2) % 12 + 1, 1)
    return start, nxt - dt.timedelta(days=1)


def _scope(viewer: Viewer | None, run: Run) -> tuple[str, list]:
    """Owner rule of ``viewer``; unscoped only for builders run on a connection outside the app."""
    if viewer is None and run is not query:
        return "true", []
    return row_rules.owners(viewer, "owner_id")


def pipeline_as_of(as_of: dt.date, run: Run = query, *, viewer: Viewer | None = None) -> pd.DataFrame:
    """Open pipeline at the end of ``as_of`` (any date), one row per opportunity the viewer sees."""
    where, params = _scope(viewer, run)
    return run(PIPELINE_AS_OF_SQL.format(owners=where), (as_of, *params))


def movement_between(
    start: dt.date, end: dt.date, window: tuple[dt.date, dt.date] | None = None, run: Run = query,
    *, viewer: Viewer | None = None,
) -> pd.DataFrame:
    """Per opportunity movement of the window's open pipeline from the end of ``start`` to the end of ``end``."""
    window = window or quarter_bounds(end)
    where, params = _scope(viewer, run)
    return run(MOVEMENT_SQL.format(owners=where), (start, end, window[0], window[1], *params))


def waterfall(movement: pd.DataFrame) -> pd.DataFrame:
    """Totals per movement category in waterfall order (start, categories, end)."""
    start = float(movement["start_amount"].sum())
    end = float(movement["end_amount"].sum())
    by = movement.groupby("movement_category")["movement_amount"].sum().reindex(MOVEMENT_ORDER).dropna()
    rows = [("期初 start", start)] + [(k, float(v)) for k, v in by.items() if k != "unchanged"] + [("期末 end", end)]
    return pd.DataFrame(rows, columns=["step", "amount"])


# -- mart loaders -------------------------------------------------------------------------

def data_end_date() -> dt.date | None:
    """The snapshot's one as-of date (the day the forecast and pipeline figures count up to)."""
    day = query("select as_of_date as d from intermediate.int_snapshot_as_of")["d"].iloc[0]
    return None if pd.isna(day) else day  # no activity at all: nothing to date the snapshot by


def current_quarter(quarters: list[dt.date], as_of: dt.date | None) -> dt.date:
    """The quarter the forecast page opens on: the as-of's (the latest start on or before it);
    the latest quarter when the snapshot has no activity to date it by (targets only) or every
    quarter starts after it. ``quarters``: newest first, not empty."""
    return max((q for q in quarters if as_of is not None and q <= as_of), default=quarters[0])


def forecast(viewer: Viewer, quarter: dt.date | None = None) -> pd.DataFrame:
    where, params = row_rules.owners(viewer)
    sql = f"select * from sales.forecast where {where}" + (" and quarter_start = ?" if quarter else "")
    return query(sql, (*params, quarter) if quarter else tuple(params))


def quarters() -> list[dt.date]:
    return list(query("select distinct quarter_start from sales.forecast order by 1 desc")["quarter_start"])


FUNNEL_DIMENSIONS = ("all", "lead_source", "campaign", "department", "owner")


def funnel_dimensions(viewer: Viewer) -> list[str]:
    """Dimensions the viewer may break the funnel down by: only ``owner`` when scoped to owners."""
    return list(FUNNEL_DIMENSIONS) if row_rules.sees_all(viewer) else ["owner"]


def funnel(viewer: Viewer, period_type: str, dimension: str) -> pd.DataFrame:
    if dimension not in funnel_dimensions(viewer):
        row_rules.require_all(viewer, f"the funnel by {dimension}")
    where, params = row_rules.owners(viewer, "try_cast(dimension_key as bigint)")
    return query(
        f"select * from sales.funnel_conversion where period_type = ? and dimension = ? and {where} "
        "order by period_start",
        (period_type, dimension, *params),
    )


def campaign_roi(viewer: Viewer) -> pd.DataFrame:
    row_rules.require_all(viewer, "campaign ROI")
    return query("select * from sales.campaign_roi order by won_amount desc")


def opportunities(
    viewer: Viewer, department: str | None = None, owner: str | None = None,
    closing: tuple[dt.date, dt.date] | None = None,
) -> pd.DataFrame:
    """The viewer's opportunities, largest first; ``closing``: only those expected to close in
    that window (inclusive; the forecast page's quarter, filtered in SQL: 1/8 of the rows)."""
    where, params = row_rules.owners(viewer)
    first, last = closing or (None, None)
    sql = f"""select opportunity_id, opportunity_name, account_name, owner_name, department_name, stage,
                    stage_probability, forecast_category, amount, weighted_amount, expected_close_date, status,
                    company_key
             from sales.opportunities where (? is null or department_name = ?) and (? is null or owner_name = ?)
               and (cast(? as date) is null or expected_close_date between ? and ?)
               and {where}
             order by amount desc, opportunity_id"""
    return query(sql, (department, department, owner, owner, first, first, last, *params))


def opportunity_names(viewer: Viewer) -> pd.DataFrame:
    """Who and what each of the viewer's opportunities is (id, name, account, owner): the names a
    page puts on rows it computed by id. Four columns, unsorted: the movement page's list joins it."""
    where, params = row_rules.owners(viewer)
    return query(f"select opportunity_id, opportunity_name, account_name, owner_name from sales.opportunities "
                 f"where {where}", tuple(params))


def snapshot_dates() -> list[dt.date]:
    return list(query("select distinct snapshot_date from sales.pipeline_snapshots order by 1")["snapshot_date"])


def snapshot_total(viewer: Viewer, snapshot_date: dt.date, window: tuple[dt.date, dt.date]) -> float:
    where, params = row_rules.owners(viewer)
    frame = query(
        f"""select coalesce(sum(amount), 0) as total from sales.pipeline_snapshots
           where snapshot_date = ? and close_date between ? and ? and {where}""",
        (snapshot_date, window[0], window[1], *params),
    )
    return float(frame["total"].iloc[0])


# the funnel's dimensions as columns of sales.opportunities (the drill-down from a funnel row)
FUNNEL_COLUMNS = {"lead_source": "lead_source", "campaign": "campaign_id", "department": "department_id",
                  "owner": "owner_id"}


def opportunities_of(viewer: Viewer, dimension: str, key: str) -> pd.DataFrame:
    """The viewer's opportunities of one funnel row (``dimension`` = ``key``), by name, largest first."""
    if dimension not in FUNNEL_COLUMNS:
        raise ValueError(f"unknown funnel dimension {dimension!r}")
    where, params = row_rules.owners(viewer)
    return query(
        f"""select opportunity_id, opportunity_name, account_name, owner_name, department_name, campaign_name,
                   lead_source, stage, amount, expected_close_date, status
            from sales.opportunities where cast({FUNNEL_COLUMNS[dimension]} as varchar) = ? and {where}
            order by amount desc, opportunity_id""",
        (str(key), *params),
    )
