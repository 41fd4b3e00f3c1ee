"""Agent QA scores (坐席质检得分) by agent and month: one colour per agent (the ten with the most
conversations, the others together as 其他), months as 2026年10月."""

import altair as alt
import pandas as pd
import streamlit as st

from apps import auth, charts, display
from apps import service_data as data

TOP = 10  # lines a reader can follow; the rest is one "其他" line (conversation-weighted)

viewer = auth.require_screen("qa_agents")
st.title("坐席质检得分 Agent QA scores")
scores = data.qa_agent_scores(viewer)
display.table(scores)
trend = data.qa_agent_trend(viewer)
if not trend.empty:
    folded = charts.fold_top_n(trend, "agent_name", "conversations", TOP)
    folded = folded.assign(weighted=folded["avg_qa_score"].astype(float) * folded["conversations"])
    lines = folded.groupby(["agent_name", "period_month"], as_index=False)[["weighted", "conversations"]].sum()
    lines["avg_qa_score"] = (lines["weighted"] / lines["conversations"].where(lines["conversations"] > 0)).round(2)
    lines["period_month"] = pd.to_datetime(lines["period_month"])
    order = [a for a in lines.groupby("agent_name")["conversations"].sum().sort_values(ascending=False).index
             if a != charts.OTHER] + ([charts.OTHER] if charts.OTHER in set(lines["agent_name"]) else [])
    charts.show(
        alt.Chart(lines).mark_line(point=True).encode(
            x=alt.X("period_month:T", axis=charts.month_axis()),
            y=alt.Y("avg_qa_score:Q", scale=alt.Scale(zero=False), title="平均质检分"),
            color=charts.colour("agent_name", "坐席", order),
            tooltip=[alt.Tooltip("agent_name:N", title="坐席"),
                     alt.Tooltip("period_month:T", title="月份", format=charts.MONTH_FORMAT),
                     alt.Tooltip("avg_qa_score:Q", title="平均质检分", format=".1f"),
                     alt.Tooltip("conversations:Q", title="会话数", format=",d")],
        ).properties(height=charts.LINE_HEIGHT),
        key="qa_trend", height=charts.LINE_HEIGHT + 60 + charts.legend_height(len(order)),
    )
