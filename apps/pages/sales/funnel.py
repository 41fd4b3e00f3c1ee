"""Lead -> opportunity -> won funnel by lead source / campaign / department / owner, and campaign ROI."""

import altair as alt
import pandas as pd
import streamlit as st

from apps import auth, display, row_rules
from apps import sales_data as data

viewer = auth.require_screen("sales_funnel")
st.title("Funnel & campaigns 漏斗与市场活动")

DIMENSIONS = {"all": "全部 All", "lead_source": "线索来源 Lead source", "campaign": "市场活动 Campaign",
              "department": "部门 Department", "owner": "负责人 Owner"}
c1, c2 = st.columns(2)
allowed = data.funnel_dimensions(viewer)
dimension = c1.selectbox("By 维度", allowed, format_func=DIMENSIONS.get, index=1 if len(allowed) > 1 else 0)
period_type = c2.selectbox("Period 周期", ["quarter", "month"], format_func={"quarter": "季度 Quarter", "month": "月 Month"}.get)
funnel = data.funnel(viewer, period_type, dimension)
if funnel.empty:
    st.warning("No funnel data published yet. Run `make run`.")
    st.stop()
periods = sorted(funnel["period_start"].unique(), reverse=True)
period = st.selectbox("Period start 期间", ["(all 全部)", *periods],
                      format_func=lambda p: p if isinstance(p, str) else (display.quarter(p) if period_type == "quarter" else display.month(p)))
shown = funnel if period == "(all 全部)" else funnel[funnel["period_start"] == period]

totals = shown[["leads", "opportunities", "won_opportunities"]].sum()
m1, m2, m3, m4 = st.columns(4)
m1.metric("Leads 线索", display.count(totals["leads"]))
m2.metric("Opportunities 商机", display.count(totals["opportunities"]))
m3.metric("Won 赢单", display.count(totals["won_opportunities"]))
m4.metric("Lead → won 线索赢单率", display.percent(totals["won_opportunities"] / max(totals["leads"], 1)))

stages = pd.DataFrame({"step": ["1 Leads 线索", "2 Opportunities 商机", "3 Won 赢单"],
                       "count": [int(totals["leads"]), int(totals["opportunities"]), int(totals["won_opportunities"])]})
st.altair_chart(alt.Chart(stages).mark_bar().encode(x="count:Q", y=alt.Y("step:N", title=None)))

by = shown.groupby(["dimension_key", "dimension_label"], as_index=False)[
    ["leads", "opportunities", "won_opportunities", "won_amount"]].sum()
by["lead_to_opportunity_rate"] = (by["opportunities"] / by["leads"]).round(4)
by["opportunity_to_won_rate"] = (by["won_opportunities"] / by["opportunities"].where(by["opportunities"] > 0)).round(4)
display.table(by.sort_values("leads", ascending=False), kinds={"dimension_key": display.ID})  # the label is shown
if period != "(all 全部)":
    st.caption("Median days 中位天数 (at this grain):")
    display.table(shown[["dimension_label", "median_days_lead_to_opportunity", "median_days_opportunity_to_won"]])

st.subheader("Campaign ROI 市场活动回报")
if not row_rules.sees_all(viewer):
    st.info("Campaign ROI covers every owner; it is shown to finance and admins. 仅财务与管理员可见。")
    st.stop()
roi = data.campaign_roi(viewer)
st.metric("Total cost 总成本", display.money(roi["cost"].sum()))
st.metric("Won revenue 赢单金额", display.money(roi["won_amount"].sum()))
st.altair_chart(alt.Chart(roi).mark_circle(size=80).encode(
    x=alt.X("cost:Q", title="Cost 成本"), y=alt.Y("won_amount:Q", title="Won 赢单"),
    color="campaign_type:N", tooltip=["campaign_name", "cost", "won_amount", "roi", "lead_conversion_rate"]))
display.table(roi)
