"""Loaders of the commission ranking page (提成排行), through ``data_access.query``.

Ranks are taken among the statements the viewer may see (row rules: a rep sees their own, a
manager their department tree, finance everyone), so nobody learns a figure they could not open.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from apps import row_rules
from apps.data_access import query
from apps.row_rules import Viewer


def ranking(viewer: Viewer, period_start: dt.date) -> pd.DataFrame:
    """One row per person of the period: credit and commission with their ranks (1 = highest)."""
    where, params = row_rules.owners(viewer, "user_id")
    return query(
        f"""select rank() over (order by total_amount desc) as commission_rank,
                  rank() over (order by credited_amount desc) as credit_rank,
                  user_name, employee_code, department_name, credited_amount, total_amount, approval_status
           from finance.commission_statements
           where period_start = ? and {where}
           order by commission_rank, credit_rank, user_name""",
        (period_start.isoformat(), *params),
    )


def periods(viewer: Viewer) -> list[dt.date]:
    where, params = row_rules.owners(viewer, "user_id")
    frame = query(f"select distinct period_start from finance.commission_statements where {where} "
                  "order by 1 desc", tuple(params))
    return [pd.Timestamp(p).date() for p in frame["period_start"]]
