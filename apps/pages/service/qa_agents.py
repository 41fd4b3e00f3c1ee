"""Agent QA scores (坐席质检得分) by agent and month."""

import altair as alt
import streamlit as st

from apps import auth, display
from apps import service_data as data

viewer = auth.require_screen("qa_agents")
st.title("坐席质检得分 Agent QA scores")
scores = data.qa_agent_scores(viewer)
display.table(scores)
trend = data.qa_agent_trend(viewer)
st.altair_chart(
    alt.Chart(trend).mark_line(point=True).encode(
        x="period_month:T", y=alt.Y("avg_qa_score:Q", scale=alt.Scale(zero=False)), color="agent_name:N",
        tooltip=list(trend.columns),
    ),
    use_container_width=True,
)
