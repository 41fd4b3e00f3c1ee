"""Pipeline movement waterfall between two chosen dates (any dates: computed on demand from the
opportunity versions), for the pipeline closing in a chosen quarter."""

import datetime as dt

import altair as alt
import streamlit as st

from apps import auth, display
from apps import sales_data as data

viewer = auth.require_screen("sales_movement")
st.title("Pipeline movement 商机变动")

dates = data.snapshot_dates()
if not dates:
    st.warning("No pipeline snapshots published yet. Run `make run`.")
    st.stop()
end_default = dates[-1]
c1, c2 = st.columns(2)
start = c1.date_input("From 起 (end of day)", end_default - dt.timedelta(days=7), min_value=dates[0], max_value=end_default)
end = c2.date_input("To 止 (end of day)", end_default, min_value=dates[0], max_value=end_default)
window = data.quarter_bounds(end)
st.caption(f"Pipeline with expected close date in {window[0]} – {window[1]} (the quarter of the end date).")

movement = data.movement_between(start, end, window, viewer=viewer)
steps = data.waterfall(movement)
steps["order"] = range(len(steps))
running = steps["amount"].cumsum()
steps["low"] = (running - steps["amount"]).where(steps.index.isin(range(1, len(steps) - 1)), 0)
steps["high"] = running.where(steps.index.isin(range(1, len(steps) - 1)), steps["amount"])
m1, m2, m3 = st.columns(3)
m1.metric("Start 期初", display.money(steps["amount"].iloc[0]))
m2.metric("End 期末", display.money(steps["amount"].iloc[-1]))
m3.metric("Change 变动", display.money(steps["amount"].iloc[-1] - steps["amount"].iloc[0]))
st.altair_chart(alt.Chart(steps).mark_bar().encode(
    x=alt.X("step:N", sort=list(steps["step"]), title=None), y=alt.Y("low:Q", title="CNY"), y2="high:Q",
    color=alt.condition("datum.amount >= 0", alt.value("#2a9d8f"), alt.value("#e76f51")), tooltip=["step", "amount"]))
display.table(steps.assign(step=steps["step"].map(display.code))[["step", "amount"]])

st.subheader("Opportunities 明细")
category = st.selectbox("Category 类别", ["(all 全部)", *sorted(movement["movement_category"].unique())],
                        format_func=lambda c: c if c == "(all 全部)" else display.code(c))
shown = movement if category == "(all 全部)" else movement[movement["movement_category"] == category]
names = data.opportunities(viewer)[["opportunity_id", "opportunity_name", "account_name", "owner_name"]]
detail = names.merge(shown, on="opportunity_id", how="right")  # people read the deal, not its id
display.table(detail.sort_values("movement_amount"))
