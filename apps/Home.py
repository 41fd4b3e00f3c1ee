"""Entry point of the crmlake apps: login, then routes to the pages the viewer's role may open."""

from pathlib import Path

import streamlit as st

from apps import auth

HERE = Path(__file__).parent

st.set_page_config(page_title="CRM Lakehouse", page_icon="📊", layout="wide")

# section → (page script, title, icon, screen checked by auth.can_open)
PAGES = {
    "概览 Overview": [
        ("pages/pipeline_status.py", "Pipeline status 数据状态", "🛠️", "pipeline_status"),
    ],
    "销售 Sales": [
        ("pages/sales/forecast.py", "预测 Forecast", "📈", "sales_forecast"),
        ("pages/sales/movement.py", "商机变动 Pipeline movement", "🌊", "sales_movement"),
        ("pages/sales/funnel.py", "漏斗与活动 Funnel & campaigns", "🔻", "sales_funnel"),
    ],
    "服务 Service": [
        ("pages/service/sla_board.py", "SLA 看板 SLA board", "⏱️", "sla_board"),
        ("pages/service/qa_inspection.py", "质检队列 QA queue", "🔎", "qa_queue"),
        ("pages/service/qa_agents.py", "坐席质检 Agent QA", "🎧", "qa_agents"),
        ("pages/service/field_service.py", "现场服务 Field service", "🛠", "field_service"),
        ("pages/service/requirement_ranking.py", "需求排行 Requirements (Product)", "📌", "requirement_ranking"),
    ],
    "渠道 Partners": [
        ("pages/partner/reconciliation.py", "对账 Reconciliation", "🤝", "partner_reconciliation"),
        ("pages/partner/conflicts.py", "撞单 Conflicts", "⚔️", "partner_conflicts"),
        ("pages/partner/resolution_review.py", "名称复核 Name review", "🔤", "name_review"),
    ],
    "财务 Finance": [
        ("pages/finance/aging.py", "账龄 AR aging", "⏳", "ar_aging"),
        ("pages/finance/overdue.py", "逾期预警 Overdue", "🚨", "overdue"),
        ("pages/finance/dso.py", "DSO 趋势 DSO trend", "📉", "dso"),
        ("pages/finance/payment_risk.py", "回款风险 Payment risk", "🎯", "payment_risk"),
        ("pages/finance/commissions.py", "提成对账单 Commissions", "💰", "commissions"),
    ],
    "录入 Entry": [
        ("pages/entry/leads.py", "线索 Leads", "🧲", "leads"),
        ("pages/entry/accounts.py", "客户与联系人 Accounts & contacts", "🏢", "accounts"),
        ("pages/entry/opportunities.py", "商机 Opportunities", "💼", "opportunities"),
        ("pages/entry/quotes.py", "报价 Quotes", "🧾", "quotes"),
        ("pages/entry/approvals.py", "审批 Approvals", "✅", "approvals"),
        ("pages/entry/orders.py", "订单 Orders", "📦", "orders"),
        ("pages/entry/deliveries.py", "交付 Deliveries", "🚚", "deliveries"),
        ("pages/entry/payments.py", "回款 Payments", "💳", "payments"),
        ("pages/entry/commission_adjustments.py", "提成调整 Commission adjustments", "🧮", "commission_adjustments"),
        ("pages/entry/deal_registrations.py", "报备 Deal registrations", "📝", "deal_registrations"),
        ("pages/entry/special_prices.py", "特价申请 Special prices", "🏷️", "special_prices"),
        ("pages/entry/channel_approvals.py", "渠道审批 Channel approvals", "🛂", "channel_approvals"),
        ("pages/entry/tickets.py", "工单 Tickets", "🎫", "tickets"),
        ("pages/entry/audit_log.py", "审计日志 Audit log", "📜", "audit"),
    ],
}

viewer = auth.current_viewer()
if viewer is None:
    st.navigation([st.Page(auth.login_form, title="登录 Log in", icon="🔐")]).run()
    st.stop()

auth.user_box(viewer)
sections = {
    section: [
        st.Page(path, title=title, icon=icon, default=path == "pages/pipeline_status.py")
        for path, title, icon, screen in pages
        if auth.can_open(viewer, screen) and (HERE / path).exists()
    ]
    for section, pages in PAGES.items()
}
st.navigation({name: pages for name, pages in sections.items() if pages}).run()
