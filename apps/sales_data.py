"""Loaders of the sales pages, on the published snapshot (apps.data_access.query).

Point-in-time on demand: ``pipeline_as_of(date)`` and ``movement_between(start, end, window)``
compute the open pipeline at the end of any date, and its movement between two dates, from
``sales.opportunity_versions`` with the same rules as the dbt macros ``sales_pipeline_as_of`` and
``sales_pipeline_movement`` (the marts materialize them for a calendar of dates). The SQL builders
take the connection-free ``run`` function so tests can point them at any DuckDB file.

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

PIPELINE_AS_OF_SQL = """
select v.opportunity_id, o.owner_name, o.department_name, o.opportunity_name,
       v.stage, v.stage_probability, v.forecast_category, v.amount,
       cast(v.amount * v.stage_probability as decimal(18,2)) as weighted_amount, v.close_date
from sales.opportunity_versions v
join sales.opportunities o using (opportunity_id)
where {owners}
  and v.valid_from < cast(? as timestamp) + interval 1 day
  and (v.valid_to is null or v.valid_to >= cast(? as timestamp) + interval 1 day)
  and not v.is_closed
order by v.amount desc
"""

MOVEMENT_SQL = """
with p as (select cast(? as date) as period_start, cast(? as date) as period_end,
                  cast(? as date) as window_start, cast(? as date) as window_end),
scoped as (select * from sales.opportunity_versions
           where opportunity_id in (select opportunity_id from sales.opportunities where {owners})),
s as (select v.* from p join scoped v
        on v.valid_from < cast(p.period_start as timestamp) + interval 1 day
       and (v.valid_to is null or v.valid_to >= cast(p.period_start as timestamp) + interval 1 day)),
e as (select v.* from p join scoped v
        on v.valid_from < cast(p.period_end as timestamp) + interval 1 day
       and (v.valid_to is null or v.valid_to >= cast(p.period_end as timestamp) + interval 1 day)),
paired as (
  select coalesce(s.opportunity_id, e.opportunity_id) as opportunity_id,
         (s.opportunity_id is not null and not s.is_closed
            and s.close_date between p.window_start and p.window_end) as in_start,
         (e.opportunity_id is not null and not e.is_closed
            and e.close_date between p.window_start and p.window_end) as in_end,
         s.opportunity_id is not null as existed, s.is_closed as start_closed,
         s.amount as sa, s.close_date as sc, e.amount as ea, e.close_date as ec,
         e.is_closed as end_closed, e.is_won as end_won, p.window_end
  from s full outer join e on s.opportunity_id = e.opportunity_id cross join p)
select opportunity_id,
       case when in_start and in_end and ea > sa then 'amount_up'
            when in_start and in_end and ea < sa then 'amount_down'
            when in_start and in_end and ec > sc then 'slipped'
            when in_start and in_end then 'unchanged'
            when in_start and end_closed and end_won then 'won'
            when in_start and end_closed then 'lost'
            when in_start and ec > window_end then 'pushed_out'
            when in_start then 'moved_earlier'
            when not existed then 'new'
            when start_closed then 'reopened'
            else 'pulled_in' end as movement_category,
       cast(case when in_start then sa else 0 end as decimal(18,2)) as start_amount,
       cast(case when in_end then ea else 0 end as decimal(18,2)) as end_amount,
       cast(case when in_end then ea else 0 end - case when in_start then sa else 0 end as decimal(18,2))
           as movement_amount
from paired where in_start or in_end
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
    return run(PIPELINE_AS_OF_SQL.format(owners=where.replace("owner_id", "o.owner_id")), (*params, as_of, as_of))


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

def data_end_date() -> dt.date:
    return query("select cast(max(valid_from) as date) as d from sales.opportunity_versions")["d"].iloc[0]


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


def opportunities(viewer: Viewer, department: str | None = None, owner: str | None = None) -> pd.DataFrame:
    where, params = row_rules.owners(viewer)
    sql = f"""select opportunity_id, opportunity_name, account_name, owner_name, department_name, stage,
                    stage_probability, forecast_category, amount, weighted_amount, expected_close_date, status
             from sales.opportunities where (? is null or department_name = ?) and (? is null or owner_name = ?)
               and {where}
             order by amount desc"""
    return query(sql, (department, department, owner, owner, *params))


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
