"""折扣分析 Discounts: discount depth against list price by month, rep, department and product
line; win rate and cycle time by discount band of the final quote; approval turnaround. Depths are
summed charged over summed list value (never an average of depths); the viewer's rows only."""

import streamlit as st

from apps import auth, charts, display
from apps import discounts_data as data

viewer = auth.require_screen("sales_discounts")
st.title("折扣分析 Discounts")

absent = data.missing()
if absent:
    st.warning("not computed: " + ", ".join(f"sales.{t}" for t in absent)
               + " not in the published snapshot 数据未发布 (run `crmlake run`).")
    st.stop()

RATIO = {"discount_depth": display.RATIO, "win_rate": display.RATIO}
LABELS = {"quotes": "报价单 Quotes", "quote_lines": "行 Lines", "list_amount": "目录价金额 List",
          "net_amount": "报价金额 Quoted", "discount_amount": "折让 Discount", "discount_depth": "折扣深度 Depth",
          "discount_band": "折扣段 Band", "closed_deals": "已结束 Closed", "won_deals": "赢单 Won",
          "lost_deals": "输单 Lost", "won_amount": "赢单金额 Won amount", "win_rate": "赢率 Win rate",
          "avg_cycle_days": "平均周期(天) Cycle days", "avg_won_cycle_days": "赢单周期(天) Won cycle days",
          **data.DEPTH_BY}

# -- depth ---------------------------------------------------------------------------------------
st.subheader("折扣深度 Discount depth vs list price")
by = st.selectbox("按 By", list(data.DEPTH_BY), format_func=data.DEPTH_BY.get, key="discount_by")
depth = data.depth_by(viewer, by)
if depth.empty:
    st.info("not computed: no quotes with list prices in your scope (crm.quotes / quote_lines) 暂无报价")
else:
    total_list, total_net = depth["list_amount"].sum(), depth["net_amount"].sum()
    m1, m2, m3 = st.columns(3)
    m1.metric("目录价金额 List value", display.money(total_list))
    m2.metric("报价金额 Quoted value", display.money(total_net))
    m3.metric("整体折扣深度 Overall depth", display.percent(1 - total_net / total_list) if total_list else "")
    if by == "quote_month":
        depth["quote_month"] = depth["quote_month"].map(lambda m: charts.month_label(m[:10]) if m else m)
    charts.show(charts.bars(depth, by, "discount_depth", category_title=data.DEPTH_BY[by], value_title="折扣深度",
                            value_kind="percent", sort=list(depth[by]) if by == "quote_month" else None),
                key="discount_depth")
    display.table(depth, labels=LABELS, kinds=RATIO)

# -- win rate by band ----------------------------------------------------------------------------
st.subheader("折扣段赢率与周期 Win rate and cycle time by discount band")
bands = data.band_outcomes(viewer)
if bands.empty:
    st.info("not computed: no closed deals with a quote in your scope 暂无已结束且有报价的商机")
else:
    st.caption("按商机最终报价的折扣段；周期 = 创建到结束的天数 Band of each closed deal's final quote; cycle = creation to close.")
    charts.show(charts.bars(bands, "discount_band", "win_rate", category_title="折扣段 Band", value_title="赢率",
                            value_kind="percent", sort=list(bands["discount_band"])), key="discount_win_rate")
    display.table(bands.drop(columns=["band_order"]), labels=LABELS, kinds=RATIO)

# -- approvals -----------------------------------------------------------------------------------
st.subheader("审批时效 Approval turnaround")
approvals = data.approvals_monthly(viewer)
if approvals.empty:
    st.info("not computed: no approvals requested on the entry screens yet (CRM quotes carry no approval "
            "times) 暂无录入界面的审批记录")
else:
    decided = approvals["decided"].sum()
    m1, m2 = st.columns(2)
    m1.metric("已审批 Decided", display.count(decided))
    m2.metric("平均时效(小时) Mean hours",
              display.number((approvals["avg_turnaround_hours"] * approvals["decided"]).sum() / decided, 2) if decided else "")
    display.table(approvals, labels={"requested_month": "申请月份 Month", "requested": "申请 Requested",
                                     "decided": "已审批 Decided", "avg_turnaround_hours": "平均小时 Mean h",
                                     "median_turnaround_hours": "中位小时 Median h",
                                     "max_turnaround_hours": "最长小时 Max h", "pending": "待审批 Pending"})

st.subheader("折扣最深的报价 Deepest quotes")
display.table(data.deepest_quotes(viewer), labels={**LABELS, "quote_no": "报价单号 Quote", "quote_date": "日期 Date",
                                                   "owner_name": "销售 Rep", "department_name": "部门 Department",
                                                   "is_final_quote": "最终报价 Final"}, kinds=RATIO)
