"""Loaders of the discount page (折扣分析): discount depth against list price by month, rep,
department and product line; win rate and cycle time by discount band; approval turnaround.

Depth is always summed charged value over summed list value (1 - net / list) of the rows the
viewer sees, never an average of depths, so any grouping adds up (sales.quote_discount_monthly);
win rate is summed won over summed closed deals (sales.discount_band_outcomes). Row rule on
owner_id (row_rules.owners), as on every sales page.
"""

from __future__ import annotations

import pandas as pd

from apps import row_rules
from apps.data_access import missing_tables, query
from apps.row_rules import Viewer

TABLES = ("quote_discounts", "quote_discount_monthly", "discount_band_outcomes", "approval_turnaround")

# the groupings of the depth table: label -> column of sales.quote_discount_monthly
DEPTH_BY = {"quote_month": "月份 Month", "owner_name": "销售 Rep", "department_name": "部门 Department",
            "product_line": "产品线 Product line"}


def missing() -> list[str]:
    missing_marts = missing_tables(f"sales.{t}" for t in TABLES)
    return [name.removeprefix("sales.") for name in missing_marts]


def depth_by(viewer: Viewer, by: str) -> pd.DataFrame:
    """List value, charged value and depth per value of ``by`` (a DEPTH_BY key)."""
    if by not in DEPTH_BY:
        raise ValueError(f"unknown grouping {by!r}")
    where, params = row_rules.owners(viewer)
    return query(
        f"""select coalesce(cast({by} as varchar), '(未知)') as {by}, sum(quotes) as quotes, sum(quote_lines) as quote_lines,
                   sum(list_amount) as list_amount, sum(net_amount) as net_amount,
                   sum(discount_amount) as discount_amount,
                   case when sum(list_amount) > 0 then 1 - sum(net_amount) / sum(list_amount) end as discount_depth
            from sales.quote_discount_monthly where {where}
            group by 1 order by 1""",
        tuple(params))


def band_outcomes(viewer: Viewer) -> pd.DataFrame:
    """Closed quoted deals, won, win rate and mean cycle days per discount band of the final quote."""
    where, params = row_rules.owners(viewer)
    return query(
        f"""select discount_band, min(discount_band_order) as band_order, sum(closed_deals) as closed_deals,
                   sum(won_deals) as won_deals, sum(lost_deals) as lost_deals, sum(won_amount) as won_amount,
                   sum(won_deals) / sum(closed_deals) as win_rate,
                   sum(cycle_days_total) / sum(closed_deals) as avg_cycle_days,
                   case when sum(won_deals) > 0 then sum(won_cycle_days_total) / sum(won_deals) end as avg_won_cycle_days
            from sales.discount_band_outcomes where {where}
            group by 1 order by 2""",
        tuple(params))


def approvals_monthly(viewer: Viewer) -> pd.DataFrame:
    """Store approvals per request month: decided, mean and longest turnaround, still pending."""
    where, params = row_rules.owners(viewer)
    return query(
        f"""select requested_month, count(*) as requested, count(turnaround_hours) as decided,
                   avg(turnaround_hours) as avg_turnaround_hours, median(turnaround_hours) as median_turnaround_hours,
                   max(turnaround_hours) as max_turnaround_hours, count(case when is_pending then 1 end) as pending
            from sales.approval_turnaround where {where}
            group by 1 order by 1""",
        tuple(params))


def deepest_quotes(viewer: Viewer, limit: int = 200) -> pd.DataFrame:
    """The viewer's deepest-discounted non-draft quotes."""
    where, params = row_rules.owners(viewer)
    return query(
        f"""select quote_no, quote_date, owner_name, department_name, status, list_amount, net_amount,
                   discount_depth, discount_band, is_final_quote, opportunity_id
            from sales.quote_discounts
            where discount_depth is not null and (status is null or status <> 'draft') and {where}
            order by discount_depth desc, quote_id limit {int(limit)}""",
        tuple(params))
