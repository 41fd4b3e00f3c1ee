"""Expenses 费用: sales expenses by rep, department, customer, deal, campaign or type; deal margin
after expenses; campaign ROI with expenses; budget vs actual per department."""

import streamlit as st

from apps import auth, charts, display, exports, row_rules
from apps import expense_data as exp

viewer = auth.require_screen("expenses")
st.title("费用 Expenses")
if not exp.available():
    st.info("Not computed: this snapshot has no expense marts (published before them). Run `crmlake run`.")
    st.stop()

totals = exp.totals(viewer)
c1, c2, c3, c4 = st.columns(4)
c1.metric("Counted 已计费用", display.money(totals["counted_amount"]))
c2.metric("Pending 待审批", display.money(totals["pending_amount"]))
c3.metric("Rejected 已驳回", display.money(totals["rejected_amount"]))
c4.metric("Claims 报销笔数", display.count(totals["expense_count"]))
st.caption("An expense counts as cost once approved or paid; a submitted one is pending; a rejected one counts "
           "nowhere. Customer: the expense's, else its deal's; campaign: its deal's (as campaign ROI).")

# only the open tab runs (and reads); the tab is kept in the address
by_tab, deals_tab, campaigns_tab, budget_tab = st.tabs(
    ["汇总 By group", "商机毛利 Deal margin", "市场活动 Campaign ROI", "预算 Budget vs actual"], key="expense_tab",
    on_change="rerun", bind="query-params")

if by_tab.open:
    with by_tab:
        dimension = st.radio("By 维度", list(exp.DIMENSIONS), horizontal=True, key="expense_by",
                             format_func=lambda d: exp.DIMENSIONS[d][0])
        grouped = exp.by_dimension(viewer, dimension)
        if not grouped.empty:
            top = grouped.head(15).assign(counted_amount=grouped["counted_amount"].head(15).astype(float))
            charts.show(charts.bars(top, "group_name", "counted_amount", category_title=exp.DIMENSIONS[dimension][0],
                                    value_title="已计费用", value_kind="money"), key="expense_chart")
        display.table(grouped, labels=exp.LABELS, kinds=exp.KINDS)
        st.download_button("CSV", exports.to_csv(grouped, for_people=True), file_name=f"expenses_by_{dimension}.csv",
                           mime="text/csv")

if deals_tab.open:
    with deals_tab:
        st.caption("Margin after expenses = won amount - counted expenses (open or lost deals: minus the expenses "
                   "so far). No cost of goods: the CRM deal carries none.")
        summary = exp.deal_margin_summary(viewer)
        deal_total = exp.summary_totals(summary)
        d1, d2, d3, d4 = st.columns(4)
        d1.metric("Deals with expenses 有费用商机", display.count(deal_total["deal_count"]))
        d2.metric("Won 赢单金额", display.money(deal_total["won_amount"]))
        d3.metric("Deal expenses 商机费用", display.money(deal_total["expense_amount"]))
        d4.metric("Margin after expenses 费用后毛利", display.money(deal_total["margin_after_expenses"]))
        display.table(summary, labels=exp.LABELS, kinds=exp.KINDS)
        f1, f2 = st.columns(2)
        status = f1.selectbox("Deal status 商机状态", ["all", *exp.DEAL_STATUSES], key="expense_deal_status",
                              format_func=lambda s: "全部 All" if s == "all" else display.CODE_LABELS[s])
        search = f2.text_input("Search 搜索", key="expense_deal_search", placeholder="商机 / 负责人 / 客户")
        chosen = {"status": None if status == "all" else status, "search": search or None}
        deals = exp.deal_margins(viewer, **chosen)
        matching = int(summary.loc[summary["status"] == status, "deal_count"].sum() if chosen["status"]
                       else deal_total["deal_count"])
        listed = (f"{display.count(len(deals))} 个商机" if search else
                  f"{display.count(matching)} 个商机" + (f"，列出费用最高的 {display.count(len(deals))} 个"
                                                       if len(deals) < matching else ""))
        st.caption(f"{listed}; the CSV has every deal of the filter.")
        display.table(deals, labels=exp.LABELS, kinds=exp.KINDS)
        st.download_button("CSV", lambda: exports.to_csv(exp.deal_margins(viewer, **chosen, limit=None),
                                                         for_people=True),
                           file_name="deal_margin.csv", mime="text/csv", key="expense_deals_csv")

if campaigns_tab.open:
    with campaigns_tab:
        if not row_rules.sees_all(viewer):
            st.info("Campaign ROI covers every owner: for finance and admins.")
        else:
            st.caption("Campaign expenses = counted expenses on the campaign's deals; ROI after expenses = "
                       "(won - cost - expenses) / (cost + expenses).")
            display.table(exp.campaign_roi(viewer), labels=exp.LABELS, kinds=exp.KINDS)

if budget_tab.open:
    with budget_tab:
        if not row_rules.sees_all(viewer):
            st.info("Department budgets cover every owner: for finance and admins.")
        elif not exp.budget_available():
            st.info("Not computed: this snapshot has no budget vs actual mart.")
        else:
            budget = exp.budget_vs_actual(viewer)
            if budget.empty:
                st.info("Not computed: no expense budgets in the business settings (finance.yml expense_budgets).")
            else:
                st.caption("Budget per department and month (finance.yml expense_budgets) against counted expenses "
                           "of the department's reps.")
                display.table(budget, labels=exp.LABELS, kinds=exp.KINDS)
