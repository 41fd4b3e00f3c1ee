"""Invoices 发票对账: per contract, invoiced vs collected both ways (red letters netted), the
invoice-based aging beside the installment-based one, and DSO on invoiced amounts."""

import altair as alt
import pandas as pd
import streamlit as st

from apps import auth, charts, display, drill, exports, row_rules, url_state
from apps import finance_data as fin
from apps import invoice_data as inv

viewer = auth.require_screen("invoices")
st.title("发票对账 Invoices")
if not inv.available():
    st.info("Not computed: this snapshot has no invoice marts (published before them). Run `crmlake run`.")
    st.stop()

summary = inv.reconciliation_summary(viewer)
total = inv.summary_totals(summary)
c1, c2, c3, c4, c5 = st.columns(5)
c1.metric("Invoiced 开票净额", display.money(total["invoiced_net"]))
c2.metric("Collected 已回款", display.money(total["collected_amount"]))
c3.metric("Invoiced not collected 开票未回款", display.money(total["invoiced_not_collected"]))
c4.metric("Collected not invoiced 回款未开票", display.money(total["collected_not_invoiced"]))
c5.metric("Red-letter 红冲", display.money(total["red_letter_amount"]))
st.caption("Per contract (an order without a contract: per order), as of the snapshot. Net invoiced = normal "
           "invoices - red-letter (红冲) reversals; voided (作废) invoices count nothing. Collected = valid "
           "receipts net of refunds.")

# only the open tab runs (and reads); the tab is kept in the address
reconcile_tab, aging_tab, dso_tab = st.tabs(["对账 Reconciliation", "账龄 Aging", "DSO"], key="invoice_tab",
                                            on_change="rerun", bind="query-params")

if reconcile_tab.open:
    with reconcile_tab:
        statuses = ["invoiced_not_collected", "collected_not_invoiced", "balanced"]
        f1, f2, f3 = st.columns(3)
        status = f1.selectbox("Status 对账状态", ["all", *statuses], key="invoice_status",
                              format_func=lambda s: "全部 All" if s == "all" else inv.STATUS_LABELS[s])
        in_status = summary if status == "all" else summary[summary["reconciliation_status"] == status]
        departments = sorted(summary["department_name"].unique().tolist())
        department = f2.selectbox("Department 部门", ["all", *departments], key="invoice_department",
                                  format_func=lambda d: "全部 All" if d == "all" else d)
        search = f3.text_input("Search 搜索", key="invoice_search", placeholder="合同号 / 订单号 / 客户")
        by_department = (in_status.groupby("department_name", as_index=False)
                         [["contract_count", *inv.SUMMARY_MONEY]].sum()
                         .sort_values(["invoiced_not_collected", "department_name"], ascending=[False, True]))
        display.table(by_department, labels=inv.LABELS, kinds=inv.KINDS)
        chosen = {"status": None if status == "all" else status,
                  "department": None if department == "all" else department, "search": search or None}
        shown = inv.reconciliation(viewer, **chosen)
        linked = url_state.raw("contract")  # a link to a contract beyond the list still opens it
        if linked and linked not in set(shown["reconciliation_key"]):
            shown = pd.concat([inv.reconciliation(viewer, **chosen, key=linked), shown], ignore_index=True)
        matching = int(in_status.loc[in_status["department_name"] == department, "contract_count"].sum()
                       if chosen["department"] else in_status["contract_count"].sum())
        listed = (f"{display.count(len(shown))} 份合同/订单" if search else
                  f"{display.count(matching)} 份合同/订单" + (f"，列出差额最大的 {display.count(len(shown))} 份"
                                                             if len(shown) < matching else ""))
        st.caption(f"{listed} · 点击一行查看其发票 Select a row for its invoices; the CSV has every contract of "
                   "the filter.")
        picked = drill.row(shown.assign(reconciliation_status=shown["reconciliation_status"].map(inv.STATUS_LABELS)),
                           "reconciliation_key", name="contract", key="invoice_recon", labels=inv.LABELS,
                           kinds=inv.KINDS)
        if picked is not None:
            st.subheader(f"{picked['contract_no'] or picked['order_no']} · 发票 Invoices")
            display.table(inv.contract_invoices(viewer, picked["reconciliation_key"]), labels=inv.LABELS)

        def every_contract() -> bytes:  # read when the button is pressed, not on every render
            rows = inv.reconciliation(viewer, **chosen, limit=None)
            return exports.to_csv(rows.assign(reconciliation_status=rows["reconciliation_status"]
                                              .map(inv.STATUS_LABELS)), for_people=True)

        st.download_button("CSV", every_contract, file_name="invoice_reconciliation.csv", mime="text/csv")
        if row_rules.sees_all(viewer):
            count, amount = inv.unmatched_summary(viewer)
            with st.expander(f"未匹配订单的发票 Invoices naming no known order ({display.count(count)}, "
                             f"{display.money(amount)})", key="invoice_unmatched", on_change="rerun") as unmatched_box:
                st.caption("Their order number is empty or unknown: in no contract's reconciliation, aging or DSO.")
                if unmatched_box.open:
                    display.table(inv.unmatched_invoices(viewer), labels=inv.LABELS)

if aging_tab.open:
    with aging_tab:
        BASES = {"invoice": "按发票 By invoice date", "installment": "按分期 By installment due date"}
        basis = st.radio("Aging basis 账龄口径", list(BASES), format_func=BASES.get, horizontal=True, key="invoice_aging_basis")
        dates = inv.aging_dates() if basis == "invoice" else []
        if basis == "invoice":
            if not dates:
                st.info("Not computed: no invoice stands open on any month-end (no invoices matched to orders).")
            else:
                as_of = st.selectbox("As of 截至", dates, key="invoice_aging_as_of", format_func=display.day)
                aging = inv.invoice_aging(viewer, as_of)
                st.caption("Age = days since the invoice date. Per contract, collections pay the oldest standing "
                           "invoice first; a red-letter reversal takes its invoice out from its own date.")
        else:
            as_of = fin.reporting_date()
            aging = fin.aging_as_of(viewer, as_of)
            st.caption(f"Installments by days past due as of {display.day(as_of)} (the 账龄 AR aging page has any date).")
        if basis == "installment" or dates:
            st.metric("Open 未回款", display.money(aging["open_amount"].sum() if not aging.empty else 0))
            if not aging.empty:
                by_bucket = (aging.assign(open_amount=aging["open_amount"].astype(float))
                             .groupby(["bucket", "bucket_order"], as_index=False)["open_amount"].sum()
                             .sort_values("bucket_order"))
                charts.show(charts.bars(by_bucket, "bucket", "open_amount", category_title="账龄段", value_title="未回款",
                                        value_kind="money", sort=by_bucket["bucket"].tolist()),
                            key="invoice_aging_chart")
                rollup = fin.aging_rollup(aging, "customer")
                display.table(rollup, kinds={str(c): display.MONEY for c in rollup.columns if c != "account_name"})
                with st.expander("明细 Detail"):
                    display.table(aging.drop(columns=["bucket_order"]), labels=inv.LABELS, kinds=inv.KINDS)

if dso_tab.open:
    with dso_tab:
        if not row_rules.sees_all(viewer):
            st.info("DSO covers every owner: for finance and admins.")
        else:
            dso = inv.dso_comparison(viewer)
            latest = dso.dropna(subset=["dso_invoiced"]).tail(1)
            if not latest.empty:
                st.metric("Latest DSO on invoices 最新（按发票）", f"{float(latest['dso_invoiced'].iloc[0]):.1f} days")
            st.caption("DSO on invoices = invoiced and not collected at the month-end / net invoiced in the month x days "
                       "in the month; beside it the installment-based DSO (installments falling due treated as billed).")
            long = dso.melt(id_vars=["month_end"], value_vars=["dso_invoiced", "dso_installments"],
                            var_name="basis", value_name="dso_days").dropna()
            if not long.empty:
                long = long.assign(dso_days=long["dso_days"].astype(float),
                                   basis=long["basis"].map(inv.LABELS), month_end=pd.to_datetime(long["month_end"]))
                charts.show(
                    alt.Chart(long).mark_line(point=True).encode(
                        x=alt.X("month_end:T", axis=charts.month_axis()), y=alt.Y("dso_days:Q", title="DSO（天）"),
                        color=charts.colour("basis", "口径"),
                        tooltip=[alt.Tooltip("month_end:T", title="月份", format=charts.MONTH_FORMAT),
                                 alt.Tooltip("basis:N", title="口径"), alt.Tooltip("dso_days:Q", title="DSO（天）", format=".1f")],
                    ).properties(height=charts.LINE_HEIGHT),
                    key="invoice_dso_chart", height=charts.LINE_HEIGHT + 60,
                )
            display.table(dso, labels=inv.LABELS, kinds=inv.KINDS)
