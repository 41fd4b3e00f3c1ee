"""What each capability of the product needs from a company's own data.

A *capability* is one thing a user gets (AR aging, ticket SLA, win probability, ...). Each one
names the contract entities it cannot do without (``needs``), groups of which one is enough
(``needs_any``), and entities that only enrich it (``improves``). This one table drives:

* the pipeline: a capability whose inputs are missing or thin completes with
  "not computed: <reason>" (ML models fall back to their baselines) and the run publishes;
* ``crmlake status`` and the pipeline-status page (computed / not computed, and why);
* ``crmlake check``: which capabilities an undelivered entity disables;
* docs/sources.md's "what must I deliver for X" table.

An entity counts as delivered when its staging table holds rows, whether they came from landing
files or from the operational store (entry screens), so a company can enter opportunities by
hand and still get its pipeline views.
"""

from __future__ import annotations

from dataclasses import dataclass

AREAS = {"sales": "销售 Sales", "finance": "财务 Finance", "service": "服务 Service", "partner": "渠道 Partners"}


@dataclass(frozen=True)
class Capability:
    key: str  # "<area>.<name>"
    label: str  # what a user calls it, Chinese first
    outputs: tuple[str, ...]  # published tables ("schema.table") that carry it
    needs: tuple[str, ...] = ()  # contract entities ("system.entity"), all required
    needs_any: tuple[tuple[str, ...], ...] = ()  # each group: at least one delivered
    improves: tuple[str, ...] = ()  # optional: used when delivered
    fallback: str = ""  # what users see when it is not computed
    python_asset: bool = False  # computed by a Python asset that reports its own outcome

    @property
    def area(self) -> str:
        return self.key.split(".", 1)[0]

    def all_entities(self) -> tuple[str, ...]:
        grouped = tuple(e for group in self.needs_any for e in group)
        return tuple(dict.fromkeys((*self.needs, *grouped, *self.improves)))

    def missing(self, delivered: set[str] | frozenset[str]) -> list[str]:
        """Why this capability cannot be computed from ``delivered`` entities (empty: it can)."""
        reasons = [f"{e} not delivered" for e in self.needs if e not in delivered]
        for group in self.needs_any:
            if not delivered.intersection(group):
                reasons.append(f"none of {', '.join(group)} delivered")
        return reasons


CAPABILITIES: tuple[Capability, ...] = (
    # ------------------------------------------------------------------ sales
    Capability(
        "sales.pipeline", "商机管道 Pipeline, stage history and movement",
        ("sales.opportunities", "sales.opportunity_stage_history", "sales.pipeline_snapshots",
         "sales.pipeline_movement"),
        needs=("crm.opportunities",),
        improves=("crm.opportunity_stage_history", "crm.users", "crm.departments", "crm.accounts"),
    ),
    Capability(
        "sales.funnel", "线索漏斗 Lead funnel", ("sales.funnel_conversion",),
        needs=("crm.leads",), improves=("crm.opportunities", "crm.campaigns"),
    ),
    Capability(
        "sales.campaign_roi", "市场活动 ROI Campaign ROI", ("sales.campaign_roi",),
        needs=("crm.campaigns", "crm.leads"), improves=("crm.opportunities", "crm.expenses"),
    ),
    Capability(
        "sales.targets", "目标达成 Target attainment", ("sales.targets_attainment",),
        needs=("crm.sales_targets", "crm.opportunities"), improves=("crm.users", "crm.departments"),
    ),
    Capability(
        "sales.forecast", "销售预测 Quarter forecast", ("sales.forecast",),
        needs=("crm.opportunities",), improves=("crm.sales_targets", "crm.users", "crm.departments"),
    ),
    Capability(
        "sales.win_probability", "赢单概率模型 Win-probability model",
        ("sales.win_probability", "sales.bookings_forecast_ml"),
        needs=("crm.opportunities",), improves=("crm.opportunity_stage_history",),
        fallback="stage probability as the win probability; forecast from the weighted pipeline",
        python_asset=True,
    ),
    Capability(
        "sales.activities", "拜访与跟进 Visits, untouched accounts, stalled deals",
        ("sales.activities_weekly", "sales.account_activity", "sales.opportunity_idle_days"),
        needs=("crm.activities",),
        improves=("crm.opportunities", "crm.opportunity_stage_history", "crm.accounts", "crm.users",
                  "crm.departments"),
    ),
    Capability(
        "sales.discounts", "折扣分析 Quote discount depth and win rate by discount",
        ("sales.quote_discounts", "sales.quote_discount_monthly", "sales.discount_band_outcomes"),
        needs=("crm.quotes", "crm.quote_lines"),
        improves=("crm.products", "crm.opportunities", "crm.users", "crm.departments"),
    ),
    Capability(
        "sales.expenses", "费用 Expenses by rep, customer, deal, campaign; deal margin; budget vs actual",
        ("sales.expenses", "sales.deal_margin", "sales.expense_budget_vs_actual"),
        needs=("crm.expenses",),
        improves=("crm.opportunities", "crm.leads", "crm.campaigns", "crm.accounts", "crm.users", "crm.departments"),
    ),
    # ------------------------------------------------------------------ finance
    Capability(
        "finance.receivables", "应收与账龄 Receivables, AR aging, overdue, DSO",
        ("finance.installments", "finance.receipt_allocations", "finance.ar_aging",
         "finance.overdue_warnings", "finance.dso_monthly", "finance.customer_credit_balances",
         "finance.customer_payment_behavior"),
        needs=("crm.payment_installments",),
        improves=("crm.receipts", "crm.payment_plans", "crm.contracts", "crm.orders", "crm.accounts",
                  "crm.users", "crm.departments"),
    ),
    Capability(
        "finance.bank_receipt_matching", "银行回单匹配 Bank receipt matching",
        ("finance.bank_receipt_matching",),
        needs=("erp.bank_receipts", "crm.receipts"),
    ),
    Capability(
        "finance.delivery_revenue", "交付与收入 Delivery status and revenue", ("finance.order_line_revenue",),
        needs=("crm.order_lines", "erp.shipments"), improves=("crm.orders", "crm.products"),
    ),
    Capability(
        "finance.commission", "佣金 Commission statements",
        ("finance.commission_statements", "finance.commission_statement_lines",
         "finance.commission_review"),
        needs=("crm.users", "crm.commission_plans", "crm.commission_plan_rules", "crm.orders"),
        improves=("crm.commission_assignments", "crm.order_splits", "crm.receipts",
                  "crm.payment_installments", "crm.sales_targets", "crm.order_lines"),
        python_asset=True,
    ),
    Capability(
        "finance.invoices", "发票对账 Invoices: reconciliation, invoice aging, DSO on invoices",
        ("finance.invoices", "finance.invoice_reconciliation", "finance.invoice_aging",
         "finance.invoice_dso_monthly"),
        needs=("erp.invoices", "crm.orders"),
        improves=("crm.receipts", "crm.contracts", "crm.payment_installments", "crm.order_lines", "erp.shipments",
                  "crm.accounts", "crm.users", "crm.departments"),
    ),
    Capability(
        "finance.payment_risk", "回款风险模型 Payment-delay risk",
        ("finance.payment_risk", "finance.payment_risk_backtest"),
        needs=("crm.payment_installments",), improves=("crm.receipts",),
        fallback="the base rate of late installments as every open installment's risk",
        python_asset=True,
    ),
    # ------------------------------------------------------------------ service
    Capability(
        "service.ticket_sla", "工单 SLA Ticket SLA, escalations, attainment",
        ("service.ticket_sla", "service.ticket_sla_escalations", "service.sla_attainment"),
        needs=("callcenter.tickets", "callcenter.ticket_events"),
        improves=("callcenter.agents", "crm.accounts"),
    ),
    Capability(
        "service.qa", "质检 Call-center QA",
        ("service.qa_conversation_scores", "service.qa_agent_scores", "service.qa_inspection_queue",
         "service.qa_rule_hits"),
        needs_any=(("callcenter.transcripts", "callcenter.call_records"),),
        improves=("callcenter.agents",),
        python_asset=True,
    ),
    Capability(
        "service.requirement_demand", "需求热度 Requirement demand ranking",
        ("service.requirement_demand", "service.requirement_demand_monthly"),
        needs=("callcenter.requirements", "callcenter.ticket_requirement_links", "callcenter.tickets"),
        improves=("crm.accounts", "crm.orders"),
    ),
    Capability(
        "service.requirement_link_suggestions", "需求关联建议 Ticket-to-requirement suggestions",
        ("service.requirement_link_suggestions", "service.requirement_matching_evaluation"),
        needs=("callcenter.requirements", "callcenter.tickets"),
        improves=("callcenter.ticket_requirement_links",),
        fallback="no suggestions",
        python_asset=True,
    ),
    Capability(
        "service.field_service", "现场服务 Field service KPIs", ("service.field_service_kpis",),
        needs=("callcenter.work_orders",), improves=("callcenter.agents",),
    ),
    Capability(
        "service.knowledge_suggestions", "知识库答案推荐 Knowledge-base answer suggestions",
        ("service.knowledge_articles_published",),
        needs=("callcenter.knowledge_articles",),
        fallback="every question handed off to a person",
    ),
    # ------------------------------------------------------------------ partner
    Capability(
        "partner.company_resolution", "客户名称归一 Company-name resolution",
        ("partner.company_resolution", "partner.resolution_review"),
        needs_any=(("crm.leads", "crm.accounts", "partners.deal_registrations", "partners.sales_reports",
                    "erp.shipments", "erp.invoices", "erp.bank_receipts"),),
        improves=("partners.business_registry",),
        python_asset=True,
    ),
    Capability(
        "partner.registrations", "报备与撞单 Deal registrations and conflicts",
        ("partner.deal_registrations", "partner.conflicts"),
        needs=("partners.deal_registrations",),
        improves=("partners.partners", "crm.opportunities", "crm.accounts"),
    ),
    Capability(
        "partner.reconciliation", "渠道对账 Partner reconciliation and statements",
        ("partner.reconciliation_lines", "partner.statements"),
        needs=("partners.partners", "partners.sales_reports"),
        improves=("crm.orders", "crm.order_lines", "crm.products", "partners.special_prices",
                  "partners.deal_registrations"),
    ),
    Capability(
        "partner.rebates", "返利 Partner rebates", ("partner.rebates",),
        needs=("partners.partners", "partners.rebate_policies", "crm.orders", "erp.invoices"),
    ),
    Capability(
        "partner.payouts", "渠道结算 Partner payout lines (rebate, market fund, subsidy)",
        ("partner.statement_payout_lines",),
        needs=("partners.partners",),
        needs_any=(("partners.channel_funds", "partners.rebate_policies"),),
        improves=("partners.channel_funds", "partners.rebate_policies", "crm.orders", "crm.order_lines", "erp.invoices"),
        fallback="statements show goods only, no payout lines",
    ),
)

BY_KEY = {c.key: c for c in CAPABILITIES}


def capability(key: str) -> Capability:
    try:
        return BY_KEY[key]
    except KeyError:
        raise KeyError(f"unknown capability {key!r}; known: {', '.join(BY_KEY)}") from None


def disabled_by(delivered: set[str] | frozenset[str]) -> dict[str, list[str]]:
    """Capability key -> reasons it cannot be computed from ``delivered`` (only the disabled ones)."""
    return {c.key: reasons for c in CAPABILITIES if (reasons := c.missing(delivered))}


def capabilities_needing(entity: str) -> list[Capability]:
    """Capabilities that cannot be computed without ``entity`` (alone or as a group's last member)."""
    return [c for c in CAPABILITIES if entity in c.needs or any(entity in g for g in c.needs_any)]
