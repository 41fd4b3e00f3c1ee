"""Satisfaction 满意度: CSAT (share of 4-5 among rated tickets, unrated left out), response rate
(rated / closed), CSAT when the SLA was met vs breached, the QA score of rated tickets, and the
reasons behind low scores; by month, team, agent, channel, product or customer tier. Agents see
their own tickets, service managers everyone's (apps/satisfaction_data.py)."""

import streamlit as st

from apps import auth, charts, customer360_data, display, url_state
from apps import satisfaction_data as data

viewer = auth.require_screen("satisfaction")
st.title("满意度 Satisfaction")
if not data.available():
    st.info("not computed: service.satisfaction_monthly is not in the published snapshot (run `crmlake run`).")
    st.stop()

total = data.totals(viewer).iloc[0]
c1, c2, c3, c4 = st.columns(4)
c1.metric("CSAT 满意率", display.percent(total["csat"]))
c2.metric("回评率 Response rate", display.percent(total["response_rate"]))
c3.metric("已评价 Rated", display.count(total["rated_tickets"]))
c4.metric("质检均分 Avg QA (rated)", display.number(total["avg_qa_score"]))
st.caption("CSAT = 4-5 分工单 / 已评价工单（未评价不计）；回评率 = 已评价 / 已关闭。 "
           "CSAT counts 4-5 ratings among rated tickets only; the response rate is rated / closed (resolved or closed).")

st.subheader("SLA 达成 vs 违约 CSAT when the SLA was met vs breached")
split = data.sla_split(total)
display.table(split, labels=data.LABELS)
if split["rated_tickets"].sum() > 0:
    split["label"] = split["sla_outcome"].map(display.code)
    charts.show(charts.bars(split.dropna(subset=["csat"]), "sla_outcome", "csat", value_kind="percent",
                            value_title="CSAT", label="label",
                            colour_by=charts.status_colour("sla_outcome", split["sla_outcome"])),
                key="sat_sla_chart")

st.subheader("分维度 By dimension")
url_state.seed("sat_by", url_state.choice("by", list(data.DIMENSIONS), "team"), list(data.DIMENSIONS))
dimension = st.selectbox("按 By", list(data.DIMENSIONS), format_func=lambda d: display.column_label(d, data.LABELS),
                         key="sat_by")
url_state.keep(by=dimension)
rows = data.by(viewer, dimension)
display.table(rows.drop(columns=[c for c in rows.columns if c.startswith("sla_")]), labels=data.LABELS)

st.subheader("低分原因 Low-score reasons (1-2)")
reasons = data.low_score_reasons(viewer)
if reasons.empty:
    st.caption("无低分 No low scores.")
else:
    charts.show(charts.bars(reasons, "low_score_reason", "tickets", category_title="低分原因",
                                        value_title="工单数"), key="sat_reasons_chart")
    with st.expander("低分工单 Low-score tickets"):
        display.table(customer360_data.with_links(data.low_score_tickets(viewer)), labels=data.LABELS)
