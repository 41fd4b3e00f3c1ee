"""Invoices 发票对账: per contract, invoiced vs collected both ways (red letters netted), the
invoice-based aging beside the installment-based one, and DSO on invoiced amounts."""

import altair as alt
import pandas as pd
import streamlit as st

from apps import auth, charts, display, drill, exports, row_rules
from apps import finance_data as fin
from apps import invoice_data as inv

viewer = auth.require_screen("invoices")
st.title("发票对账 Invoices")
if not inv.available():
    st.info("Not computed: this snapshot has no invoice marts (published before them). Run `crmlake run`.")
    st.stop()

recon = inv.reconciliation(viewer)
total = {c: float(recon[c].sum()) if not recon.empty else 0.0
         for c in ("invoiced_net", "collected_amount", "invoiced_not_collected", "collected_not_invoiced",
                   "red_letter_amount")}
c1, c2, c3, c4, c5 = st.columns(5)
c1.metric("Invoiced 开票净额", display.money(total["invoiced_net"]))
c2.metric("Collected 已回款", display.money(total["collected_amount"]))
c3.metric("Invoiced not collected 开票未回款", display.money(total["invoiced_not_collected"]))
c4.metric("Collected not invoiced 回款未开票", display.money(total["collected_not_invoiced"]))
c5.metric("Red-letter 红冲", display.money(total["red_letter_amount"]))
st.caption("Per contract (an order without a contract: per order), as of the snapshot. Net invoiced = normal "
           "invoices - red-letter (红冲) reversals; voided (作废) invoices count nothing. Collected = valid "
           "receipts net of refunds.")

reconcile_tab, aging_tab, dso_tab = st.tabs(["对账 Reconciliation", "账龄 Aging", "DSO"])

with reconcile_tab:
    statuses = ["invoiced_not_collected", "collected_not_invoiced", "balanced"]
    status = st.selectbox("Status 对账状态", ["all", *statuses], key="invoice_status",
                          format_func=lambda s: "全部 All" if s == "all" else inv.STATUS_LABELS[s])
    shown = recon if status == "all" else recon[recon["reconciliation_status"] == status]
    shown = shown.assign(reconciliation_status=shown["reconciliation_status"].map(inv.STATUS_LABELS))
    st.caption(f"{display.count(len(shown))} 份合同/订单 · 点击一行查看其发票 Select a row for its invoices.")
    picked = drill.row(shown, "reconciliation_key", name="contract", key="invoice_recon",
                       labels=inv.LABELS, kinds=inv.KINDS)
    if picked is not None:
        st.subheader(f"{picked['contract_no'] or picked['order_no']} · 发票 Invoices")
        display.table(inv.contract_invoices(viewer, picked["reconciliation_key"]), labels=inv.LABELS)
    st.download_button("CSV", exports.to_csv(shown, for_people=True), file_name="invoice_reconciliation.csv",
                       mime="text/csv")
    if row_rules.sees_all(viewer):
        unmatched = inv.unmatched_invoices(viewer)
        with st.expander(f"未匹配订单的发票 Invoices naming no known order ({display.count(len(unmatched))}, "
                         f"{display.money(unmatched['net_amount'].sum() if not unmatched.empty else 0)})"):
            st.caption("Their order number is empty or unknown: in no contract's reconciliation, aging or DSO.")
            display.table(unmatched, labels=inv.LABELS)

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
