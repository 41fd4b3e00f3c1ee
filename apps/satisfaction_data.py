"""Loaders of the satisfaction page (满意度), over service.satisfaction_monthly / _tickets.

Rates are recomputed from summed counts (CSAT = satisfied / rated, response rate = rated /
closed), never averaged across rows. Row rules as every service page: an agent sees the tickets
assigned to them (``row_rules.agents``), service managers and admins every ticket.
"""

from __future__ import annotations

import pandas as pd

from apps import row_rules
from apps.data_access import published_tables, query
from apps.row_rules import Viewer

LABELS = {  # the page's headers (display.COLUMN_LABELS has the shared ones)
    "period_month": "月份", "product_code": "产品", "customer_tier": "客户级别", "closed_tickets": "已关闭工单",
    "rated_tickets": "已评价工单", "satisfied_tickets": "满意工单 (4-5)", "low_score_tickets": "低分工单 (1-2)",
    "csat": "CSAT 满意率", "response_rate": "回评率", "avg_score": "平均分", "csat_sla_met": "SLA 达成时 CSAT",
    "csat_sla_breached": "SLA 违约时 CSAT", "avg_qa_score": "质检均分", "sla_outcome": "SLA 结果",
    "low_score_reason": "低分原因", "score": "评分", "comment": "评价", "rated_at": "评价时间",
}
DIMENSIONS = ("period_month", "team", "agent_name", "channel", "product_code", "customer_tier")
RATES = """
    sum(closed_tickets) as closed_tickets, sum(rated_tickets) as rated_tickets,
    sum(satisfied_tickets) as satisfied_tickets, sum(low_score_tickets) as low_score_tickets,
    round(sum(satisfied_tickets) * 1.0 / nullif(sum(rated_tickets), 0), 4) as csat,
    round(sum(rated_tickets) * 1.0 / nullif(sum(closed_tickets), 0), 4) as response_rate,
    round(sum(score_sum) * 1.0 / nullif(sum(rated_tickets), 0), 2) as avg_score,
    round(sum(sla_met_satisfied) * 1.0 / nullif(sum(sla_met_rated), 0), 4) as csat_sla_met,
    round(sum(sla_breached_satisfied) * 1.0 / nullif(sum(sla_breached_rated), 0), 4) as csat_sla_breached,
    round(sum(qa_score_sum) / nullif(sum(qa_rated_tickets), 0), 2) as avg_qa_score,
    sum(sla_met_rated) as sla_met_rated, sum(sla_met_satisfied) as sla_met_satisfied,
    sum(sla_breached_rated) as sla_breached_rated, sum(sla_breached_satisfied) as sla_breached_satisfied"""


def available() -> bool:
    """Whether the satisfaction marts are in the snapshot (an older snapshot lacks them)."""
    return "service.satisfaction_monthly" in published_tables()


def totals(viewer: Viewer) -> pd.DataFrame:
    mine, params = row_rules.agents(viewer, "agent_id")
    return query(f"select {RATES} from service.satisfaction_monthly where {mine}", tuple(params))


def by(viewer: Viewer, dimension: str) -> pd.DataFrame:
    """The rates per value of one dimension (month, team, agent, channel, product, tier)."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown satisfaction dimension {dimension!r}")
    mine, params = row_rules.agents(viewer, "agent_id")
    return query(
        f"select {dimension}, {RATES} from service.satisfaction_monthly where {mine} group by all order by 1",
        tuple(params),
    )


def sla_split(totals: pd.Series) -> pd.DataFrame:
    """CSAT when the ticket's SLA was met vs breached, from ``totals`` (no second read)."""
    rows = []
    for outcome in ("met", "breached"):
        rated, satisfied = totals[f"sla_{outcome}_rated"], totals[f"sla_{outcome}_satisfied"]
        rated = 0 if pd.isna(rated) else int(rated)
        satisfied = 0 if pd.isna(satisfied) else int(satisfied)
        rows.append({"sla_outcome": outcome, "rated_tickets": rated, "satisfied_tickets": satisfied,
                     "csat": round(satisfied / rated, 4) if rated else None})
    return pd.DataFrame(rows)


def low_score_reasons(viewer: Viewer) -> pd.DataFrame:
    mine, params = row_rules.agents(viewer, "agent_id")
    return query(
        f"""select low_score_reason, count(*) as tickets from service.satisfaction_tickets
            where is_low_score and {mine} group by 1 order by 2 desc, 1""",
        tuple(params),
    )


def low_score_tickets(viewer: Viewer, limit: int = 200) -> pd.DataFrame:
    mine, params = row_rules.agents(viewer, "agent_id")
    return query(
        f"""select ticket_no, rated_at, score, comment, low_score_reason, agent_name, team, channel, product_code,
                   customer_tier, sla_outcome, qa_score, company_key
            from service.satisfaction_tickets where is_low_score and {mine}
            order by rated_at desc, ticket_no limit ?""",
        (*params, limit),
    )
