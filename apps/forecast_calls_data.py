"""Loaders of the forecast call screen (预测提交): the computed figures a call is prefilled with,
the weekly calls and their roll-up per department tree, all from the published snapshot.

Owner rows (a rep's calls, the computed forecast by owner) follow the owner rule of
``operational.scope``; the roll-up rows are per department tree, so a manager sees the trees of
their own department and those below it (the departments they may call for), finance and admin
every tree, and a rep none (their own calls and figures only).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from apps import row_rules
from apps.data_access import missing_tables, query
from operational.reference import Reference
from operational.scope import Viewer
from operational.workflows import forecast_calls as flows

MARTS = ("sales.forecast_submissions_weekly", "sales.forecast_call_rollup")


def missing_marts() -> list[str]:
    """Forecast call marts the snapshot does not hold yet (published before they existed)."""
    return missing_tables(MARTS)


def tree_departments(viewer: Viewer, reference: Reference) -> set[int] | None:
    """Departments whose roll-up the viewer sees; ``None`` = every department."""
    if row_rules.sees_all(viewer):
        return None
    if viewer.role == "sales_manager":
        return flows.call_departments(viewer, reference)
    return set()


def computed_for(viewer: Viewer, quarter: dt.date, departments: set[int] | None) -> dict[str, float]:
    """The computed, ML and target figures a call is prefilled with and compared to: the viewer's
    own (a rep) or those of the owners in ``departments`` (a manager's tree), within the row rule."""
    where, params = row_rules.owners(viewer)
    sql = ("select coalesce(sum(commit_forecast), 0) as commit_forecast, "
           "coalesce(sum(best_case_forecast), 0) as best_case_forecast, coalesce(sum(ml_forecast), 0) as ml_forecast, "
           "coalesce(sum(target_amount), 0) as target_amount, coalesce(sum(closed_won), 0) as closed_won "
           f"from sales.forecast where quarter_start = ? and {where}")
    args: list = [quarter, *params]
    if departments is not None:
        if not departments:
            sql += " and false"
        else:
            sql += f" and department_id in ({', '.join('?' for _ in departments)})"
            args += sorted(departments)
    if viewer.role == "sales_rep":
        sql += " and owner_id = ?"
        args.append(viewer.crm_user_id)
    row = query(sql, tuple(args)).iloc[0]
    return {key: float(row[key]) for key in row.index}


def weeks(quarter: dt.date) -> list[dt.date]:
    """Weeks of the quarter with calls, newest first."""
    frame = query("select distinct week_start from sales.forecast_submissions_weekly where quarter_start = ? "
                  "order by 1 desc", (quarter,))
    return [pd.Timestamp(w).date() for w in frame["week_start"]]


def calls(viewer: Viewer, quarter: dt.date, week: dt.date) -> pd.DataFrame:
    """The calls as they stood in ``week`` (reps' and managers'), each beside the computed, ML and
    target figures of its owner (a rep call) for the quarter, within the owner rule."""
    where, params = row_rules.owners(viewer, "w.owner_id")
    return query(
        f"""select w.call_level, w.department_name, w.owner_name, w.commit_amount, w.best_case_amount,
                   w.commit_change_wow, w.best_case_change_wow, w.is_submitted_this_week, w.submitted_at, w.note,
                   f.commit_forecast, f.ml_forecast, f.target_amount
            from sales.forecast_submissions_weekly w
            left join (select owner_id, sum(commit_forecast) as commit_forecast, sum(ml_forecast) as ml_forecast,
                              sum(target_amount) as target_amount
                       from sales.forecast where quarter_start = ? group by owner_id) f
              on w.call_level = 'rep' and f.owner_id = w.owner_id
            where w.quarter_start = ? and w.week_start = ? and {where}
            order by w.call_level desc, w.department_name, w.owner_name""",
        (quarter, quarter, week, *params),
    )


def rollup(quarter: dt.date, departments: set[int] | None) -> pd.DataFrame:
    """Every week's roll-up of the quarter for the department trees the viewer sees."""
    sql = "select * from sales.forecast_call_rollup where quarter_start = ?"
    args: list = [quarter]
    if departments is not None:
        if not departments:
            return query(sql + " and false", tuple(args))
        sql += f" and department_id in ({', '.join('?' for _ in departments)})"
        args += sorted(departments)
    return query(sql + " order by week_start, department_id", tuple(args))
