"""Lead -> opportunity -> won funnel by lead source / campaign / department / owner, and campaign ROI."""

import altair as alt
import pandas as pd
import streamlit as st

from apps import auth, charts, display, drill, row_rules, url_state
from apps import sales_data as data

viewer = auth.require_screen("sales_funnel")
st.title("Funnel & campaigns 漏斗与市场活动")

DIMENSIONS = {"all": "全部 All", "lead_source": "线索来源 Lead source", "campaign": "市场活动 Campaign",
              "department": "部门 Department", "owner": "负责人 Owner"}
PERIOD_TYPES = {"quarter": "季度 Quarter", "month": "月 Month"}
ALL = "(all 全部)"
c1, c2 = st.columns(2)
allowed = data.funnel_dimensions(viewer)
url_state.seed("funnel_by", url_state.choice("by", allowed, allowed[1] if len(allowed) > 1 else allowed[0]), allowed)
dimension = c1.selectbox("By 维度", allowed, format_func=DIMENSIONS.get, key="funnel_by")
url_state.seed("funnel_period_type", url_state.choice("period_type", list(PERIOD_TYPES), "quarter"), list(PERIOD_TYPES))
period_type = c2.selectbox("Period 周期", list(PERIOD_TYPES), format_func=PERIOD_TYPES.get, key="funnel_period_type")
funnel = data.funnel(viewer, period_type, dimension)
if funnel.empty:
    st.warning("No funnel data published yet. Run `make run`.")
    st.stop()
periods = [ALL, *sorted(funnel["period_start"].unique(), reverse=True)]
url_state.seed("funnel_period", url_state.choice("period", periods, ALL), periods)
period = st.selectbox("Period start 期间", periods, key="funnel_period",
                      format_func=lambda p: p if isinstance(p, str) else (display.quarter(p) if period_type == "quarter" else charts.month_label(p)))
url_state.keep(by=dimension, period_type=period_type, period=None if period == ALL else period)
shown = funnel if period == ALL else funnel[funnel["period_start"] == period]

totals = shown[["leads", "opportunities", "won_opportunities"]].sum()
m1, m2, m3, m4 = st.columns(4)
m1.metric("Leads 线索", display.count(totals["leads"]))
m2.metric("Opportunities 商机", display.count(totals["opportunities"]))
m3.metric("Won 赢单", display.count(totals["won_opportunities"]))
m4.metric("Lead → won 线索赢单率", display.percent(totals["won_opportunities"] / max(totals["leads"], 1)))

stages = pd.DataFrame({"step": ["线索 Leads", "商机 Opportunities", "赢单 Won"],
                       "count": [int(totals["leads"]), int(totals["opportunities"]), int(totals["won_opportunities"])]})
charts.show(charts.bars(stages, "step", "count", value_title="数量", sort=list(stages["step"])), key="funnel_steps")

by = shown.groupby(["dimension_key", "dimension_label"], as_index=False)[
    ["leads", "opportunities", "won_opportunities", "won_amount"]].sum()
by["lead_to_opportunity_rate"] = (by["opportunities"] / by["leads"]).round(4)
by["opportunity_to_won_rate"] = (by["won_opportunities"] / by["opportunities"].where(by["opportunities"] > 0)).round(4)
by = by.sort_values("leads", ascending=False).reset_index(drop=True)
st.caption("点击一行查看其商机 Select a row to list its opportunities.")
picked = drill.row(by, "dimension_key", name="row", key="funnel_rows", kinds={"dimension_key": display.ID})
if picked is not None and dimension in data.FUNNEL_COLUMNS:
    st.subheader(f"{picked['dimension_label']} · 商机 Opportunities")
    st.caption("所有期间 All periods")
    display.table(data.opportunities_of(viewer, dimension, str(picked["dimension_key"])))
if period != ALL:
    st.caption("Median days 中位天数 (at this grain):")
    display.table(shown[["dimension_label", "median_days_lead_to_opportunity", "median_days_opportunity_to_won"]])

st.subheader("Campaign ROI 市场活动回报")
if not row_rules.sees_all(viewer):
    st.info("Campaign ROI covers every owner; it is shown to finance and admins. 仅财务与管理员可见。")
    st.stop()
roi = data.campaign_roi(viewer)
st.metric("Total cost 总成本", display.money(roi["cost"].sum()))
st.metric("Won revenue 赢单金额", display.money(roi["won_amount"].sum()))
charts.show(alt.Chart(roi).mark_circle(size=80).encode(
    x=alt.X("cost:Q", axis=charts.money_axis("成本 Cost")), y=alt.Y("won_amount:Q", axis=charts.money_axis("赢单 Won")),
    color=charts.colour("campaign_type", "活动类型", url_state.allowed(roi["campaign_type"])),
    tooltip=[alt.Tooltip("campaign_name:N", title="市场活动"), charts.money_tooltip("cost", "成本"),
             charts.money_tooltip("won_amount", "赢单金额"), alt.Tooltip("roi:Q", title="投资回报率", format=".1%")]),
    key="funnel_roi")
display.table(roi)
