"""拜访与跟进 Activities: visits and follow-ups per rep and week, accounts untouched for N days and
open deals stalled for N days by amount band. The rules and N live in the marts and sales.yml;
this page only shows the viewer's rows (a rep their own, a manager their department tree)."""

import altair as alt
import streamlit as st

from apps import activities_data as data
from apps import auth, charts, display

viewer = auth.require_screen("sales_activities")
st.title("拜访与跟进 Activities")

absent = data.missing()
if absent:
    st.warning("not computed: " + ", ".join(f"sales.{t}" for t in absent)
               + " not in the published snapshot 数据未发布 (run `crmlake run`).")
    st.stop()

days = data.settings_days()
stalled_n, untouched_n = days["stalled_deal_days"], days["inactive_account_days"]
st.caption(f"截至 As of {display.day(days['as_of_date'])} · 商机停滞 = 至少 {display.count(stalled_n)} 天无阶段变化或跟进 · "
           f"客户未跟进 = 至少 {display.count(untouched_n)} 天无拜访/跟进 (sales.yml)")

# -- visits and follow-ups per week ------------------------------------------------------------
st.subheader("每周拜访与跟进 Visits and follow-ups per week")
weekly = data.weekly(viewer)
if weekly.empty:
    st.info("not computed: no activities in your scope (crm.activities not delivered or none yours) 暂无拜访记录")
else:
    weeks = sorted(weekly["week_start"].unique())
    shown_weeks = weeks[-data.SHOWN_WEEKS:]
    recent = weekly[weekly["week_start"].isin(shown_weeks)]
    latest = weekly[weekly["week_start"] == weeks[-1]]
    m1, m2, m3 = st.columns(3)
    m1.metric("本周拜访 Visits (latest week)", display.count(latest["visits"].sum()))
    m2.metric("本周跟进 Follow-ups (latest week)", display.count(latest["follow_ups"].sum()))
    m3.metric("本周触达客户 Accounts touched", display.count(latest["accounts_touched"].sum()))
    per_week = recent.groupby("week_start", as_index=False)[["visits", "follow_ups"]].sum()
    long = per_week.melt("week_start", var_name="kind", value_name="count")
    long["kind"] = long["kind"].map({"visits": "拜访 Visits", "follow_ups": "跟进 Follow-ups"})
    long["week"] = long["week_start"].map(display.day)
    charts.show(alt.Chart(long).mark_bar().encode(
        x=alt.X("week:N", title="周 Week (Monday)", sort=[display.day(w) for w in shown_weeks]),
        y=alt.Y("count:Q", axis=charts.count_axis("次数")),
        color=charts.colour("kind", "类型", ["拜访 Visits", "跟进 Follow-ups"]),
        tooltip=["week:N", "kind:N", alt.Tooltip("count:Q", format=",d")]), key="activities_weekly")
    per_rep = recent.groupby(["owner_name", "department_name"], as_index=False, dropna=False)[
        ["activities", "visits", "follow_ups", "accounts_touched", "opportunities_touched", "duration_minutes"]].sum()
    st.caption(f"最近 {len(shown_weeks)} 周每位销售 Per rep, the last {len(shown_weeks)} weeks")
    display.table(per_rep.sort_values("visits", ascending=False), labels={
        "owner_name": "销售 Rep", "department_name": "部门 Department", "activities": "活动 Activities",
        "visits": "拜访 Visits", "follow_ups": "跟进 Follow-ups", "accounts_touched": "触达客户 Accounts",
        "opportunities_touched": "触达商机 Deals", "duration_minutes": "时长(分钟) Minutes"})

# -- stalled deals by amount band --------------------------------------------------------------
st.subheader("停滞商机 Stalled deals by amount band")
bands = data.stalled_by_band(viewer)
if bands.empty:
    st.info("not computed: no open deals in your scope 暂无进行中的商机")
else:
    m1, m2 = st.columns(2)
    m1.metric("停滞商机 Stalled deals", f"{display.count(bands['stalled_deals'].sum())} / {display.count(bands['open_deals'].sum())}")
    m2.metric("停滞金额 Stalled amount", display.money(bands["stalled_amount"].sum()))
    charts.show(charts.bars(bands, "amount_band", "stalled_amount", category_title="金额段 Amount band",
                            value_title="停滞金额", value_kind="money", sort=list(bands["amount_band"])),
                key="stalled_bands")
    display.table(bands.drop(columns=["band_order"]), labels={
        "amount_band": "金额段 Amount band", "open_deals": "进行中 Open", "stalled_deals": "停滞 Stalled",
        "open_amount": "进行中金额 Open amount", "stalled_amount": "停滞金额 Stalled amount"})
    band = st.selectbox("金额段 Band", ["(all 全部)", *bands["amount_band"]], key="stalled_band")
    deals = data.stalled_deals(viewer, None if band == "(all 全部)" else band)
    display.table(deals, labels={"opportunity_name": "商机 Deal", "account_name": "客户 Account",
                                 "owner_name": "负责人 Owner", "department_name": "部门 Department",
                                 "amount_band": "金额段 Band", "idle_days": "停滞天数 Idle days",
                                 "last_touch_at": "最后触达 Last touch", "last_stage_change_at": "最后阶段变化",
                                 "last_activity_at": "最后跟进 Last activity"})

# -- accounts untouched for N days -------------------------------------------------------------
st.subheader("未跟进客户 Accounts without activity")
counts = data.account_counts(viewer)
if not counts["accounts"]:
    st.info("not computed: no accounts in your scope 暂无客户")
else:
    m1, m2 = st.columns(2)
    m1.metric(f"≥{display.count(untouched_n)} 天未跟进 Untouched", f"{display.count(counts['inactive'])} / {display.count(counts['accounts'])}")
    m2.metric("从未跟进 Never touched", display.count(counts["never_touched"]))
    display.table(data.untouched_accounts(viewer), labels={
        "account_name": "客户 Account", "owner_name": "负责人 Owner", "department_name": "部门 Department",
        "days_without_activity": "未跟进天数 Days", "last_activity_at": "最后跟进 Last activity",
        "is_never_touched": "从未跟进 Never", "activities": "活动数 Activities"})
