"""The screen registry: every screen of the apps, its page, where the menu shows it, and who may open it.

One home for three readers: the apps' router (``apps/Home.py`` builds the menu from it), the
page guards (``apps.auth.require_screen``) and the store's own checks (``operational.scope``,
called by every workflow), so a role never sees a menu entry the store would refuse, or the
other way round. It lives in the store's package because the store sits below the apps.

A screen without a page is a store action reached from another page (contacts on the accounts
page, the lead pool on the leads page, statement disputes on the reconciliation page, company
resolution on the name review page) or from the command line (``users``: ``crmlake users``).
"""

from __future__ import annotations

from dataclasses import dataclass

from operational.models.users import ROLES

# -- who: the role groups the screens share
ALL_ROLES = tuple(ROLES)
SALES = ("sales_rep", "sales_manager", "admin")
SALES_AND_FINANCE = ("sales_rep", "sales_manager", "finance", "admin")
SERVICE = ("service_agent", "service_manager", "admin")
SERVICE_MANAGERS = ("service_manager", "admin")
FINANCE = ("finance", "admin")
PARTNER_DESK = ("partner_user", "channel_manager", "admin")
CHANNEL = ("channel_manager", "admin")

# -- where: the menu's sections, in order
OVERVIEW = "概览 Overview"
SALES_SECTION = "销售 Sales"
SERVICE_SECTION = "服务 Service"
PARTNERS_SECTION = "渠道 Partners"
FINANCE_SECTION = "财务 Finance"
ENTRY_SECTION = "录入 Entry"
SECTIONS = (OVERVIEW, SALES_SECTION, SERVICE_SECTION, PARTNERS_SECTION, FINANCE_SECTION, ENTRY_SECTION)


@dataclass(frozen=True)
class Screen:
    """One screen: ``page`` is the script under ``apps/`` (None: reached from another page)."""

    key: str
    roles: tuple[str, ...]
    page: str | None = None
    title: str | None = None
    icon: str | None = None
    section: str | None = None

    @property
    def is_dashboard(self) -> bool:
        """Dashboards read the published snapshot; every other screen writes to the store."""
        return self.section not in (None, ENTRY_SECTION)


REGISTRY: tuple[Screen, ...] = (
    # dashboards (the published snapshot)
    Screen("my_work", SALES, "views/my_work.py", "我的工作台 My work", "🏠", OVERVIEW),
    # admins only: it lists internal tables, the quarantine and the snapshot's server path
    Screen("pipeline_status", ("admin",), "views/pipeline_status.py", "Pipeline status 数据状态", "🛠️", OVERVIEW),
    Screen("sales_forecast", SALES_AND_FINANCE, "views/sales/forecast.py", "预测 Forecast", "📈", SALES_SECTION),
    Screen("sales_movement", SALES_AND_FINANCE, "views/sales/movement.py", "商机变动 Pipeline movement", "🌊",
           SALES_SECTION),
    Screen("sales_funnel", SALES_AND_FINANCE, "views/sales/funnel.py", "漏斗与活动 Funnel & campaigns", "🔻",
           SALES_SECTION),
    Screen("sales_activities", SALES, "views/sales/activities.py", "拜访与跟进 Activities", "🚶", SALES_SECTION),
    Screen("sales_discounts", SALES_AND_FINANCE, "views/sales/discounts.py", "折扣分析 Discounts", "💹", SALES_SECTION),
    Screen("customer_360", (*SALES_AND_FINANCE, "service_agent", "service_manager", "channel_manager"),
           "views/sales/customer_360.py", "客户360 Customer 360", "🧭", SALES_SECTION),
    Screen("sla_board", SERVICE, "views/service/sla_board.py", "SLA 看板 SLA board", "⏱️", SERVICE_SECTION),
    Screen("satisfaction", SERVICE, "views/service/satisfaction.py", "满意度 Satisfaction", "😊", SERVICE_SECTION),
    Screen("qa_queue", SERVICE_MANAGERS, "views/service/qa_inspection.py", "质检队列 QA queue", "🔎", SERVICE_SECTION),
    Screen("qa_agents", SERVICE, "views/service/qa_agents.py", "坐席质检 Agent QA", "🎧", SERVICE_SECTION),
    Screen("field_service", SERVICE_MANAGERS, "views/service/field_service.py", "现场服务 Field service", "🛠",
           SERVICE_SECTION),
    Screen("requirement_ranking", ("product_manager", *SERVICE_MANAGERS), "views/service/requirement_ranking.py",
           "需求排行 Requirements (Product)", "📌", SERVICE_SECTION),
    Screen("partner_reconciliation", ("partner_user", "channel_manager", *FINANCE), "views/partner/reconciliation.py",
           "对账 Reconciliation", "🤝", PARTNERS_SECTION),
    Screen("partner_settlement", ("partner_user", "channel_manager", *FINANCE), "views/partner/settlement.py",
           "结算 Settlement", "💴", PARTNERS_SECTION),
    Screen("partner_conflicts", CHANNEL, "views/partner/conflicts.py", "撞单 Conflicts", "⚔️", PARTNERS_SECTION),
    Screen("name_review", CHANNEL, "views/partner/resolution_review.py", "名称复核 Name review", "🔤",
           PARTNERS_SECTION),
    Screen("ar_aging", SALES_AND_FINANCE, "views/finance/aging.py", "账龄 AR aging", "⏳", FINANCE_SECTION),
    Screen("overdue", SALES_AND_FINANCE, "views/finance/overdue.py", "逾期预警 Overdue", "🚨", FINANCE_SECTION),
    Screen("dso", FINANCE, "views/finance/dso.py", "DSO 趋势 DSO trend", "📉", FINANCE_SECTION),
    Screen("payment_risk", SALES_AND_FINANCE, "views/finance/payment_risk.py", "回款风险 Payment risk", "🎯",
           FINANCE_SECTION),
    Screen("commissions", SALES_AND_FINANCE, "views/finance/commissions.py", "提成对账单 Commissions", "💰",
           FINANCE_SECTION),
    Screen("invoices", SALES_AND_FINANCE, "views/finance/invoices.py", "发票对账 Invoices", "🧾", FINANCE_SECTION),
    Screen("expenses", SALES_AND_FINANCE, "views/finance/expenses.py", "费用 Expenses", "🧳", FINANCE_SECTION),
    Screen("commission_ranking", SALES_AND_FINANCE, "views/finance/commission_ranking.py", "提成排行 Commission ranking",
           "🏆", FINANCE_SECTION),
    # entry screens (the operational store)
    Screen("leads", SALES, "views/entry/leads.py", "线索 Leads", "🧲", ENTRY_SECTION),
    Screen("lead_pool", SALES),
    Screen("accounts", SALES_AND_FINANCE, "views/entry/accounts.py", "客户与联系人 Accounts & contacts", "🏢",
           ENTRY_SECTION),
    Screen("contacts", SALES),
    Screen("opportunities", SALES, "views/entry/opportunities.py", "商机 Opportunities", "💼", ENTRY_SECTION),
    Screen("quotes", SALES, "views/entry/quotes.py", "报价 Quotes", "🧾", ENTRY_SECTION),
    Screen("approvals", ("sales_manager", *FINANCE), "views/entry/approvals.py", "审批 Approvals", "✅", ENTRY_SECTION),
    Screen("orders", SALES_AND_FINANCE, "views/entry/orders.py", "订单 Orders", "📦", ENTRY_SECTION),
    Screen("deliveries", SALES_AND_FINANCE, "views/entry/deliveries.py", "交付 Deliveries", "🚚", ENTRY_SECTION),
    Screen("payments", FINANCE, "views/entry/payments.py", "回款 Payments", "💳", ENTRY_SECTION),
    Screen("forecast_calls", SALES, "views/entry/forecast_calls.py", "预测提交 Forecast call", "📞", ENTRY_SECTION),
    Screen("commission_adjustments", FINANCE, "views/entry/commission_adjustments.py",
           "提成调整 Commission adjustments", "🧮", ENTRY_SECTION),
    Screen("commission_approvals", FINANCE, "views/entry/commission_approvals.py",
           "提成审批 Commission approval", "✍️", ENTRY_SECTION),
    Screen("deal_registrations", PARTNER_DESK, "views/entry/deal_registrations.py", "报备 Deal registrations", "📝",
           ENTRY_SECTION),
    Screen("special_prices", PARTNER_DESK, "views/entry/special_prices.py", "特价申请 Special prices", "🏷️",
           ENTRY_SECTION),
    Screen("partner_statements", ("partner_user", "channel_manager", *FINANCE)),
    Screen("company_resolution", CHANNEL),
    Screen("channel_approvals", CHANNEL, "views/entry/channel_approvals.py", "渠道审批 Channel approvals", "🛂",
           ENTRY_SECTION),
    Screen("tickets", SERVICE, "views/entry/tickets.py", "工单 Tickets", "🎫", ENTRY_SECTION),
    Screen("knowledge", SERVICE, "views/entry/knowledge.py", "知识库 Knowledge", "📚", ENTRY_SECTION),
    Screen("requirements", ("product_manager", *SERVICE), "views/entry/requirements.py",
           "需求与回访 Requirements & follow-up", "🚀", ENTRY_SECTION),
    Screen("dispatch", SERVICE, "views/entry/dispatch.py", "派单池 Dispatch pool", "🧰", ENTRY_SECTION),
    Screen("audit", ("sales_manager", "finance", "service_manager", "admin"), "views/entry/audit_log.py",
           "审计日志 Audit log", "📜", ENTRY_SECTION),
    Screen("users", ("admin",)),
    # alerts (issue 19): every role's own inbox; the rules and the outbox for admins
    Screen("alerts_inbox", ALL_ROLES, "views/entry/alerts_inbox.py", "我的提醒 My alerts", "🔔", ENTRY_SECTION),
    Screen("alerts_admin", ("admin",), "views/entry/alerts_admin.py", "提醒管理 Alert rules", "📣", ENTRY_SECTION),
)

SCREENS: dict[str, Screen] = {screen.key: screen for screen in REGISTRY}


def screen(key: str) -> Screen:
    """The registered screen ``key``; ``KeyError`` naming the known screens otherwise."""
    if key not in SCREENS:
        raise KeyError(f"unknown screen {key!r}; known: {', '.join(sorted(SCREENS))}")
    return SCREENS[key]


def roles_of(key: str) -> tuple[str, ...]:
    return screen(key).roles


# -- the page each role lands on after login (and when a deep link names a page it may not open)
HOME_SCREENS: dict[str, str] = {
    "sales_rep": "my_work",  # my pipeline and tasks
    "sales_manager": "sales_forecast",  # the team's forecast
    "finance": "ar_aging",
    "service_agent": "sla_board",
    "service_manager": "sla_board",
    "product_manager": "requirement_ranking",
    "channel_manager": "partner_conflicts",
    "partner_user": "partner_reconciliation",  # my statements
    "admin": "pipeline_status",
}


def home_of(role: str) -> Screen:
    """The screen a role lands on; every role has one it may open (tests/test_app_sessions.py)."""
    return screen(HOME_SCREENS[role])


def menu() -> dict[str, list[Screen]]:
    """Section -> the screens with a page, in menu order (the router's input)."""
    return {section: [s for s in REGISTRY if s.page and s.section == section] for section in SECTIONS}
