"""Requirement demand ranking (需求排行) for product teams, with drill-down to tickets and customers."""

import altair as alt
import streamlit as st

from apps import auth, display
from apps import service_data as data

viewer = auth.require_screen("requirement_ranking")
st.title("需求排行 Requirement demand")
ranking = data.requirement_ranking(viewer)
st.caption("Score = linked tickets + distinct customers + customer tier weights + revenue at stake "
           "(weights: service.yml demand_weights in the settings folder).")
display.table(ranking)

if not ranking.empty:
    requirement = st.selectbox(
        "需求 Requirement", ranking["requirement_id"].tolist(),
        format_func=lambda r: f"{r} {ranking.set_index('requirement_id').at[r, 'title']}",
    )
    trend = data.requirement_trend(viewer, requirement)
    st.altair_chart(
        alt.Chart(trend).mark_bar().encode(x="period_month:T", y="linked_tickets:Q", tooltip=list(trend.columns)),
        use_container_width=True,
    )
    st.subheader("关联工单与客户 Linked tickets and customers")
    display.table(data.requirement_tickets(viewer, requirement))

st.subheader("建议关联 Suggested links for unlinked tickets")
evaluation = data.requirement_matching_evaluation(viewer)
if not evaluation.empty:
    st.caption(f"Model precision@1 on {int(evaluation.at[0, 'held_out_tickets'])} held-out linked tickets: "
               f"{evaluation.at[0, 'precision_at_1']:.1%}")
display.table(data.requirement_suggestions(viewer))
