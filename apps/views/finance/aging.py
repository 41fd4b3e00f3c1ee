"""Aging 账龄: open receivables by bucket as of any date, by customer, owner or department."""

import streamlit as st

from apps import auth, charts, customer360_data, display, drill, exports, url_state
from apps import finance_data as fin

viewer = auth.require_screen("ar_aging")
st.title("账龄分析 AR aging")

reporting = fin.reporting_date()
url_state.seed("aging_as_of", url_state.day("as_of", reporting, latest=reporting))
as_of = st.date_input("As of 截至日期", max_value=reporting, key="aging_as_of")
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
bucket = None
if not aging.empty:
    by_bucket = (
        aging.assign(open_amount=aging["open_amount"].astype(float))
        .groupby("bucket", as_index=False)["open_amount"].sum()
    )
    by_bucket["label"] = by_bucket["bucket"].map(display.column_label)
    st.caption("点击账龄段查看其发票与客户 Click a bucket to list its installments and customers.")
    clicked = charts.show(
        charts.bars(by_bucket, "bucket", "open_amount", category_title="账龄段", value_title="未回款",
                    value_kind="money", sort=[display.column_label(b) for b in order], name="bucket_pick",
                    label="label"),
        key="aging_chart", name="bucket_pick", field="bucket",
    )
    buckets = [b for b in order if b in set(by_bucket["bucket"])]
    url_state.seed("aging_bucket", url_state.choice("bucket", buckets, url_state.ALL), [url_state.ALL, *buckets])
    url_state.follow("aging_bucket", clicked, buckets)
    bucket = url_state.unless_all(st.selectbox("Bucket 账龄段", [url_state.ALL, *buckets], key="aging_bucket",
                                               format_func=url_state.all_or(display.column_label)))
    if bucket is not None:
        in_bucket = aging[aging["bucket"] == bucket]
        st.subheader(f"{display.column_label(bucket)} · {display.money(in_bucket['open_amount'].sum())}")
        display.table(customer360_data.with_links(in_bucket.drop(columns=["bucket_order"])))

ROLLUPS = {"customer": "Customer 客户", "owner": "Owner 负责人", "department": "Department 部门"}
url_state.seed("aging_by", url_state.choice("by", list(ROLLUPS), "customer"), list(ROLLUPS))
by = st.radio("Roll up by 汇总维度", list(ROLLUPS), horizontal=True, format_func=ROLLUPS.get, key="aging_by")
url_state.keep(as_of=as_of if as_of != reporting else None, bucket=bucket, by=by)
rollup = fin.aging_rollup(aging, by)
buckets_kinds = {str(c): display.MONEY for c in rollup.columns if c not in fin.ROLLUP_COLUMNS.values()}  # one column per bucket
st.caption("点击一行查看其明细 Select a row for its installments.")
column = fin.ROLLUP_COLUMNS[by]
picked = drill.row(rollup, column, name="who", key="aging_rollup", kinds=buckets_kinds)
if picked is not None:
    st.subheader(f"{picked[column]} · 明细 Installments")
    display.table(customer360_data.with_links(aging[aging[column] == picked[column]].drop(columns=["bucket_order"])))

with st.expander("Installments 明细"):
    display.table(customer360_data.with_links(aging.drop(columns=["bucket_order"])))
st.download_button("CSV", exports.to_csv(aging, for_people=True), file_name=f"ar_aging_{as_of}.csv", mime="text/csv")
st.download_button(
    "XLSX", exports.to_xlsx({"汇总 rollup": rollup, "明细 installments": aging}, for_people=True), file_name=f"ar_aging_{as_of}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
