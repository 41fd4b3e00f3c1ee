"""Aging 账龄: open receivables by bucket as of any date, by customer, owner or department."""

import altair as alt
import streamlit as st

from apps import auth, display, exports
from apps import finance_data as fin

viewer = auth.require_screen("ar_aging")
st.title("账龄分析 AR aging")

reporting = fin.reporting_date()
as_of = st.date_input("As of 截至日期", value=reporting, max_value=reporting, key="aging_as_of")
st.caption(
    "Point in time: receipts dated after the as-of date do not count. Month-ends are "
    "materialized in finance.ar_aging; other dates are computed on demand with the same rule."
)
aging = fin.aging_as_of(viewer, as_of)
total = float(aging["open_amount"].sum()) if not aging.empty else 0.0
overdue = float(aging.loc[aging["is_overdue"], "open_amount"].sum()) if not aging.empty else 0.0

c1, c2, c3 = st.columns(3)
c1.metric("Open 未回款", display.money(total))
c2.metric("Overdue 逾期", display.money(overdue))
c3.metric("Installments 期数", display.count(len(aging)))

order = fin.bucket_order()
if not aging.empty:
    by_bucket = (
        aging.assign(open_amount=aging["open_amount"].astype(float))
        .groupby("bucket", as_index=False)["open_amount"].sum()
    )
    chart = (
        alt.Chart(by_bucket)
        .mark_bar()
        .encode(
            x=alt.X("bucket:N", sort=order, title="Bucket 账龄段"),
            y=alt.Y("open_amount:Q", title="Open 未回款 (CNY)"),
            tooltip=["bucket", alt.Tooltip("open_amount:Q", format=",.2f")],
        )
    )
    st.altair_chart(chart, use_container_width=True)

by = st.radio("Roll up by 汇总维度", ["customer", "owner", "department"], horizontal=True,
              format_func={"customer": "Customer 客户", "owner": "Owner 负责人", "department": "Department 部门"}.get)
rollup = fin.aging_rollup(aging, by)
buckets = {str(c): display.MONEY for c in rollup.columns if c not in fin.ROLLUP_COLUMNS.values()}  # one column per bucket
display.table(rollup, kinds=buckets)

with st.expander("Installments 明细"):
    display.table(aging.drop(columns=["bucket_order"]))
st.download_button("CSV", exports.to_csv(aging, for_people=True), file_name=f"ar_aging_{as_of}.csv", mime="text/csv")
st.download_button(
    "XLSX", exports.to_xlsx({"汇总 rollup": rollup, "明细 installments": aging}, for_people=True), file_name=f"ar_aging_{as_of}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
