"""Entry point of the crmlake apps: routes to the pages, nothing else."""

import streamlit as st

st.set_page_config(page_title="CRM Lakehouse", page_icon="📊", layout="wide")

pages = {
    "概览 Overview": [
        st.Page("pages/pipeline_status.py", title="Pipeline status 数据状态", icon="🛠️", default=True),
    ],
    "销售 Sales": [
        st.Page("pages/sales/forecast.py", title="预测 Forecast", icon="📈"),
        st.Page("pages/sales/movement.py", title="商机变动 Pipeline movement", icon="🌊"),
        st.Page("pages/sales/funnel.py", title="漏斗与活动 Funnel & campaigns", icon="🔻"),
    ],
    "服务 Service": [
        st.Page("pages/service/sla_board.py", title="SLA 看板 SLA board", icon="⏱️"),
        st.Page("pages/service/qa_inspection.py", title="质检队列 QA queue", icon="🔎"),
        st.Page("pages/service/qa_agents.py", title="坐席质检 Agent QA", icon="🎧"),
        st.Page("pages/service/field_service.py", title="现场服务 Field service", icon="🛠"),
        st.Page("pages/service/requirement_ranking.py", title="需求排行 Requirements (Product)", icon="📌"),
    ],
    "渠道 Partners": [
        st.Page("pages/partner/reconciliation.py", title="对账 Reconciliation", icon="🤝"),
        st.Page("pages/partner/conflicts.py", title="撞单 Conflicts", icon="⚔️"),
        st.Page("pages/partner/resolution_review.py", title="名称复核 Name review", icon="🔤"),
    ],
    "财务 Finance": [
        st.Page("pages/finance/aging.py", title="账龄 AR aging", icon="⏳"),
        st.Page("pages/finance/overdue.py", title="逾期预警 Overdue", icon="🚨"),
        st.Page("pages/finance/dso.py", title="DSO 趋势 DSO trend", icon="📉"),
        st.Page("pages/finance/payment_risk.py", title="回款风险 Payment risk", icon="🎯"),
        st.Page("pages/finance/commissions.py", title="提成对账单 Commissions", icon="💰"),
    ],
}
st.navigation(pages).run()
