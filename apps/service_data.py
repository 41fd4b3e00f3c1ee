"""Loaders of the service and product pages, over the published snapshot (data_access.query).

Row rules: an agent sees the tickets assigned to them and their own QA rows (agent ↔ CRM
user in ``stg_callcenter__agents``), service managers and admins every ticket; pages without
per-agent rows (field service, requirement demand) check the role.
"""

from __future__ import annotations

import pandas as pd

from apps import row_rules
from apps.data_access import query
from apps.row_rules import Viewer

SERVICE_LEADS = ("service_manager", "admin")
PRODUCT = ("product_manager", "service_manager", "admin")


def sla_board(viewer: Viewer, metric: str | None = None) -> pd.DataFrame:
    """Open SLA clocks the viewer may see, the ones breached or closest to breaching first."""
    mine, params = row_rules.agents(viewer, "s.assignee_agent_id")
    where = f"where s.is_open and {mine}" + (" and s.metric = ?" if metric else "")
    return query(
        f"""select s.ticket_no, a.account_name, g.agent_name, s.metric, s.priority, s.channel, s.customer_tier,
                   s.team, s.assignee_agent_id, s.sla_status, s.target_minutes, s.business_minutes,
                   s.remaining_minutes, s.due_at, s.breached_at, s.created_at, s.as_of_at, s.company_key
            from service.ticket_sla as s
            left join intermediate.int_accounts_unioned as a on s.account_id = a.account_id
            left join staging.stg_callcenter__agents as g on s.assignee_agent_id = g.agent_id
            {where}
            order by s.is_breached desc, coalesce(s.remaining_minutes, -1e9), s.due_at, s.ticket_no""",
        (*params, metric) if metric else tuple(params),
    )


def sla_attainment_by(viewer: Viewer, dimension: str) -> pd.DataFrame:
    if dimension not in {"team", "agent_name", "channel", "priority", "period_month"}:
        raise ValueError(f"unknown SLA dimension {dimension!r}")
    mine, params = row_rules.agents(viewer, "agent_id")
    return query(
        f"""select {dimension}, metric, sum(met) as met, sum(breached) as breached,
                   round(sum(met) * 1.0 / nullif(sum(met) + sum(breached), 0), 4) as attainment_rate
            from service.sla_attainment where {mine} group by all order by 1, 2""",
        tuple(params),
    )


def qa_queue(viewer: Viewer, limit: int = 200) -> pd.DataFrame:
    row_rules.require_role(viewer, SERVICE_LEADS, "the QA inspection queue")
    return query("select * from service.qa_inspection_queue order by queue_rank limit ?", (limit,))


def qa_evidence(viewer: Viewer, conversation_id: str) -> pd.DataFrame:
    row_rules.require_role(viewer, SERVICE_LEADS, "QA evidence")
    return query(
        """select rule_name, severity, weight, seq, evidence, evidence_start, evidence_end
           from service.qa_rule_hits where conversation_id = ? order by evidence_start, rule_id""",
        (conversation_id,),
    )


def qa_transcript(viewer: Viewer, conversation_id: str) -> pd.DataFrame:
    row_rules.require_role(viewer, SERVICE_LEADS, "conversation transcripts")
    return query(
        "select seq, sent_at, speaker, text from staging.stg_callcenter__transcripts"
        " where conversation_id = ? order by seq",
        (conversation_id,),
    )


def qa_agent_scores(viewer: Viewer) -> pd.DataFrame:
    mine, params = row_rules.agents(viewer, "agent_id")
    return query(
        f"""select agent_id, agent_name, team, sum(conversations) as conversations,
                  round(sum(avg_qa_score * conversations) / sum(conversations), 2) as avg_qa_score,
                  sum(critical_hits) as critical_hits
           from service.qa_agent_scores where {mine} group by all order by avg_qa_score, agent_id""",
        tuple(params),
    )


def qa_agent_trend(viewer: Viewer) -> pd.DataFrame:
    mine, params = row_rules.agents(viewer, "agent_id")
    return query(
        f"select agent_name, period_month, avg_qa_score, conversations from service.qa_agent_scores where {mine}"
        " order by 2, 1",
        tuple(params),
    )


def requirement_ranking(viewer: Viewer) -> pd.DataFrame:
    row_rules.require_role(viewer, PRODUCT, "the requirement ranking")
    return query("select * from service.requirement_demand order by demand_rank, requirement_id")


def requirement_trend(viewer: Viewer, requirement_id: str) -> pd.DataFrame:
    row_rules.require_role(viewer, PRODUCT, "requirement trends")
    return query(
        "select period_month, linked_tickets, distinct_customers from service.requirement_demand_monthly"
        " where requirement_id = ? order by period_month",
        (requirement_id,),
    )


def requirement_tickets(viewer: Viewer, requirement_id: str) -> pd.DataFrame:
    row_rules.require_role(viewer, PRODUCT, "the tickets of a requirement")
    return query(
        """select t.ticket_no, t.created_at, t.subject, t.status, t.account_id, a.account_name, a.level
           from staging.stg_callcenter__ticket_requirement_links as l
           join intermediate.int_tickets_unioned as t on l.ticket_no = t.ticket_no
           left join intermediate.int_accounts_unioned as a on t.account_id = a.account_id
           where l.requirement_id = ? order by t.created_at desc""",
        (requirement_id,),
    )


def requirement_suggestions(viewer: Viewer, limit: int = 100) -> pd.DataFrame:
    row_rules.require_role(viewer, PRODUCT, "requirement link suggestions")
    return query(
        """select s.ticket_no, t.subject, s.suggestion_rank, s.requirement_id, r.title, s.score
           from service.requirement_link_suggestions as s
           join intermediate.int_tickets_unioned as t on s.ticket_no = t.ticket_no
           join staging.stg_callcenter__requirements as r on s.requirement_id = r.requirement_id
           where s.suggestion_rank = 1 order by s.score desc, s.ticket_no limit ?""",
        (limit,),
    )


def requirement_matching_evaluation(viewer: Viewer) -> pd.DataFrame:
    row_rules.require_role(viewer, PRODUCT, "the matching evaluation")
    return query("select * from service.requirement_matching_evaluation")


def field_service_by(viewer: Viewer, dimension: str) -> pd.DataFrame:
    row_rules.require_role(viewer, SERVICE_LEADS, "field service KPIs")
    if dimension not in {"team", "engineer_name", "dispatch_mode", "period_month"}:
        raise ValueError(f"unknown field-service dimension {dimension!r}")
    return query(
        f"""select {dimension}, sum(work_orders) as work_orders, sum(completed) as completed,
                   round(sum(first_time_fixes) * 1.0 / nullif(sum(completed), 0), 4) as first_time_fix_rate,
                   sum(overtime_orders) as overtime_orders,
                   round(sum(avg_minutes_to_accept * work_orders) / nullif(sum(case when avg_minutes_to_accept is not null then work_orders end), 0), 1) as avg_minutes_to_accept,
                   round(sum(avg_minutes_on_site * completed) / nullif(sum(case when avg_minutes_on_site is not null then completed end), 0), 1) as avg_minutes_on_site
            from service.field_service_kpis group by all order by 1"""
    )
