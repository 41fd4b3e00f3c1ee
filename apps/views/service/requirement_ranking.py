"""Requirement demand ranking (需求排行) for product teams: a click on a requirement lists its
requests (tickets with customers); the pick is kept in the address."""

import altair as alt
import streamlit as st

from apps import auth, charts, display, drill
from apps import service_data as data

viewer = auth.require_screen("requirement_ranking")
st.title("需求排行 Requirement demand")
ranking = data.requirement_ranking(viewer)
st.caption("Score = linked tickets + distinct customers + customer tier weights + revenue at stake "
           "(weights: service.yml demand_weights in the settings folder).")
st.caption("点击一个需求查看其工单与客户 Select a requirement to list its requests.")
picked = drill.row(ranking, "requirement_id", name="requirement", key="requirement_rows", show_ids=["requirement_id"],
                    first_by_default=True)

if picked is not None:
    requirement = picked["requirement_id"]
    st.subheader(f"{requirement} {picked['title']}")
    trend = data.requirement_trend(viewer, requirement)
    charts.show(
        alt.Chart(trend).mark_bar().encode(
            x=alt.X("yearmonth(period_month):T", axis=charts.month_axis()),
            y=alt.Y("linked_tickets:Q", axis=charts.count_axis("关联工单")),
            tooltip=[alt.Tooltip("yearmonth(period_month):T", title="月份", format=charts.MONTH_FORMAT),
                     alt.Tooltip("linked_tickets:Q", title="关联工单", format=",d"),
                     alt.Tooltip("distinct_customers:Q", title="客户数", format=",d")],
        ),
        key="requirement_trend",
    )
    st.subheader("关联工单与客户 Linked tickets and customers")
    display.table(data.requirement_tickets(viewer, requirement))

st.subheader("建议关联 Suggested links for unlinked tickets")
evaluation = data.requirement_matching_evaluation(viewer)
if not evaluation.empty:
    st.caption(f"Model precision@1 on {int(evaluation.at[0, 'held_out_tickets'])} held-out linked tickets: "
               f"{evaluation.at[0, 'precision_at_1']:.1%}")
display.table(data.requirement_suggestions(viewer))
