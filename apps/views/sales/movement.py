"""Pipeline movement waterfall between two chosen dates (any dates: computed on demand from the
opportunity versions), for the pipeline closing in a chosen quarter. A click on a step lists its
deals (by name); the dates and the step are kept in the address."""

import datetime as dt

import streamlit as st

from apps import auth, charts, display, url_state
from apps import sales_data as data

viewer = auth.require_screen("sales_movement")
st.title("Pipeline movement 商机变动")

dates = data.snapshot_dates()
if not dates:
    st.warning("No pipeline snapshots published yet. Run `make run`.")
    st.stop()
first, last = dates[0], dates[-1]
url_state.seed("movement_from", url_state.day("from", last - dt.timedelta(days=7), first, last))
url_state.seed("movement_to", url_state.day("to", last, first, last))
c1, c2 = st.columns(2)
start = c1.date_input("From 起 (end of day)", min_value=first, max_value=last, key="movement_from")
end = c2.date_input("To 止 (end of day)", min_value=first, max_value=last, key="movement_to")
window = data.quarter_bounds(end)
st.caption(f"预计成交日在 {window[0]} – {window[1]} 的商机（止日所在季度）。"
           "Pipeline with expected close date in the quarter of the end date.")

movement = data.movement_between(start, end, window, viewer=viewer)
steps = data.waterfall(movement)
m1, m2, m3 = st.columns(3)
m1.metric("Start 期初", display.money(steps["amount"].iloc[0]))
m2.metric("End 期末", display.money(steps["amount"].iloc[-1]))
m3.metric("Change 变动", display.money(steps["amount"].iloc[-1] - steps["amount"].iloc[0]))

st.caption("点击一个步骤查看其商机 Click a step to list its deals.")
clicked = charts.show(charts.waterfall(steps, name="step_pick"), key="movement_chart", name="step_pick", field="step")
with st.expander("步骤金额 Amounts per step"):
    display.table(steps.assign(step=[charts.waterfall_frame(steps)["label"][i] for i in range(len(steps))])[["step", "amount"]])
present = set(movement["movement_category"])
categories = [c for c in data.MOVEMENT_ORDER if c in present]
options = [url_state.ALL, *categories]
url_state.seed("movement_category", url_state.choice("step", categories, url_state.ALL), options)
url_state.follow("movement_category", clicked, categories)
chosen = st.session_state["movement_category"]
st.subheader("Opportunities 明细" + ("" if chosen == url_state.ALL else f" · {display.code(chosen)}"))
category = url_state.unless_all(st.selectbox("Category 类别", options, format_func=url_state.all_or(display.code),
                                             key="movement_category"))
url_state.keep(**{"from": start, "to": end, "step": category})
shown = movement if category is None else movement[movement["movement_category"] == category]
names = data.opportunity_names(viewer)
detail = names.merge(shown, on="opportunity_id", how="right")  # people read the deal, not its id
display.table(detail.sort_values("movement_amount"))
