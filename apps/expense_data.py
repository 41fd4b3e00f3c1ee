"""Loaders of the expense page (费用): sales.expenses rolled up by rep, department, customer, deal,
campaign or type; deal margin after expenses (sales.deal_margin); campaign ROI with expenses
(sales.campaign_roi); budget vs actual per department (sales.expense_budget_vs_actual).

Row rules as the other finance pages: a rep sees the expenses they claimed and the deals they own
(``owner_id``); campaign ROI and department budgets cover every owner, for roles that see every
row. Sums are done in SQL (one row per group), so the page stays fast at any scale; the deal
margin likewise: a summary per deal status first, then the costliest ``DETAIL_ROWS`` deals of the
filter (issue 16: the page under 150 ms at S=10), every deal only for the CSV (``limit=None``).
"""

from __future__ import annotations

import pandas as pd

from apps import display, row_rules
from apps.data_access import published_tables, query
from apps.row_rules import Viewer

LABELS = {
    "group_name": "分组", "expense_count": "笔数", "counted_amount": "已计费用 (已批/已付)",
    "pending_amount": "待审批", "rejected_amount": "已驳回", "expense_type": "费用类型", "expense_no": "报销单号",
    "expense_date": "日期", "opportunity_name": "商机", "won_amount": "赢单金额", "expense_amount": "费用",
    "pending_expense_amount": "待审批费用", "margin_after_expenses": "费用后毛利", "margin_rate": "费用后毛利率",
    "cost_with_expenses": "含费用成本", "roi_after_expenses": "含费用 ROI", "budget_amount": "预算",
    "actual_amount": "实际", "remaining_amount": "剩余", "used_share": "使用率", "period_month": "月份",
    "deal_count": "商机数",
}
KINDS = {"counted_amount": display.MONEY, "pending_amount": display.MONEY, "rejected_amount": display.MONEY,
         "margin_after_expenses": display.MONEY, "cost_with_expenses": display.MONEY,
         "budget_amount": display.MONEY, "actual_amount": display.MONEY, "remaining_amount": display.MONEY}

# dimension -> (label, SQL expression naming the group)
DIMENSIONS = {
    "owner": ("负责人 Rep", "coalesce(owner_name, '(未知)')"),
    "department": ("部门 Department", "coalesce(department_name, '(未知)')"),
    "customer": ("客户 Customer", "coalesce(account_name, '(无客户)')"),
    "deal": ("商机 Deal", "coalesce(opportunity_name, '(无商机)')"),
    "campaign": ("市场活动 Campaign", "coalesce(campaign_name, '(无活动)')"),
    "type": ("费用类型 Type", "expense_type"),
}


def available() -> bool:
    """Whether the expense marts are in the snapshot (an older snapshot lacks them)."""
    return "sales.expenses" in published_tables()


def totals(viewer: Viewer) -> pd.Series:
    where, params = row_rules.owners(viewer)
    return query(
        f"""select count(*) as expense_count, coalesce(sum(counted_amount), 0) as counted_amount,
                  coalesce(sum(case when is_pending then amount else 0 end), 0) as pending_amount,
                  coalesce(sum(case when status = 'rejected' then amount else 0 end), 0) as rejected_amount
           from sales.expenses where {where}""",
        tuple(params),
    ).iloc[0]


def by_dimension(viewer: Viewer, dimension: str) -> pd.DataFrame:
    """Counted, pending and rejected expenses per group of ``dimension`` (DIMENSIONS), largest first."""
    group = DIMENSIONS[dimension][1]
    where, params = row_rules.owners(viewer)
    return query(
        f"""select {group} as group_name, count(*) as expense_count, sum(counted_amount) as counted_amount,
                  sum(case when is_pending then amount else 0 end) as pending_amount,
                  sum(case when status = 'rejected' then amount else 0 end) as rejected_amount
           from sales.expenses where {where}
           group by 1 order by counted_amount desc, group_name""",
        tuple(params),
    )


DETAIL_ROWS = 200  # deals listed at once: the costliest of the filter (the CSV has them all)
DEAL_MONEY = ("won_amount", "expense_amount", "pending_expense_amount", "margin_after_expenses")
DEAL_STATUSES = ("won", "open", "lost")  # the deal-margin filter (display.CODE_LABELS names them)


def deal_margin_summary(viewer: Viewer) -> pd.DataFrame:
    """The viewer's deals that carry expenses per deal status (won, open, lost): how many and their
    sums (a few rows: the tiles and the table read this, not the deals)."""
    where, params = row_rules.owners(viewer)
    sums = ", ".join(f"sum({c}) as {c}" for c in DEAL_MONEY)
    return query(
        f"""select status, count(*) as deal_count, {sums}
            from sales.deal_margin where expense_count > 0 and {where}
            group by 1 order by expense_amount desc, status""",
        tuple(params),
    )


def summary_totals(summary: pd.DataFrame) -> dict[str, float | int]:
    """The deal-margin tiles: every status of ``deal_margin_summary`` added up (zeros when empty)."""
    return {"deal_count": int(summary["deal_count"].sum()) if not summary.empty else 0} | {
        c: float(summary[c].astype(float).sum()) if not summary.empty else 0.0 for c in DEAL_MONEY
    }


def deal_margins(viewer: Viewer, status: str | None = None, search: str | None = None,
                 limit: int | None = DETAIL_ROWS) -> pd.DataFrame:
    """The viewer's deals that carry expenses, the costliest first: the first ``limit`` (``None``:
    all) of one deal status and/or text in the deal, owner or customer name."""
    where, params = row_rules.owners(viewer)
    conditions, values = ["expense_count > 0", where], list(params)
    if status:
        conditions.append("status = ?")
        values.append(status)
    if search:
        conditions.append("contains(lower(concat_ws(' ', opportunity_name, owner_name, account_name)), lower(?))")
        values.append(search.strip())
    return query(
        f"""select opportunity_id, opportunity_name, owner_name, account_name, campaign_name, stage, status,
                  amount, won_amount, expense_count, expense_amount, pending_expense_amount,
                  margin_after_expenses, margin_rate
           from sales.deal_margin where {' and '.join(conditions)}
           order by expense_amount desc, opportunity_id
           {'limit ?' if limit is not None else ''}""",
        tuple(values) + ((limit,) if limit is not None else ()),
    )


def campaign_roi(viewer: Viewer) -> pd.DataFrame:
    row_rules.require_all(viewer, "campaign ROI")
    return query(
        """select campaign_name, campaign_type, cost, expense_amount, cost_with_expenses, won_amount, roi,
                  roi_after_expenses
           from sales.campaign_roi order by cost_with_expenses desc, campaign_id"""
    )


def budget_available() -> bool:
    return "sales.expense_budget_vs_actual" in published_tables()


def budget_vs_actual(viewer: Viewer) -> pd.DataFrame:
    row_rules.require_all(viewer, "department budgets")
    return query(
        """select period_month, department_name, budget_amount, actual_amount, remaining_amount, used_share
           from sales.expense_budget_vs_actual order by period_month desc, department_name"""
    )
