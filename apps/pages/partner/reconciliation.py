"""Partner reconciliation 渠道对账: statements, lines, dispute a line, confirm, export."""

import altair as alt
import streamlit as st

from apps import auth, display, exports
from apps import partner_data as data

viewer = auth.require_screen("partner_reconciliation")
st.title("Partner reconciliation 渠道对账")
statements = data.statements(viewer)
if statements.empty:
    st.info("No partner statements in the published snapshot yet. 暂无对账单。")
    st.stop()

labels = [f"{r.partner_code} {r.partner_name} · {display.month(r.period) if not isinstance(r.period, str) else r.period}"
          for r in statements.itertuples()]
choice = st.selectbox("Statement 对账单", labels, key="statement")
s = statements.iloc[labels.index(choice)]

c1, c2, c3, c4 = st.columns(4)
c1.metric("Vendor total 厂商金额", display.money(s.vendor_total))
c2.metric("Partner total 伙伴金额", display.money(s.partner_total))
c3.metric("Difference 差额", display.money(s.difference))
c4.metric("Status 状态", display.code(s.status))
st.caption(f"Upload used 使用的上传: {s.upload_file} · load {s.upload_load_id} · hash {s.upload_file_hash}")

lines = data.statement_lines(viewer, int(s.partner_id), s.period)
counts = lines.groupby("line_class").size().reset_index(name="lines")
counts["line_class"] = counts["line_class"].map(display.code)
st.altair_chart(
    alt.Chart(counts).mark_bar().encode(x=alt.X("lines:Q"), y=alt.Y("line_class:N", sort="-x")),
    use_container_width=True,
)
display.table(lines)

with st.form("dispute"):
    st.subheader("Dispute a line 提出异议")
    line = st.selectbox("Line 行", list(lines["line_key"]), key="dispute_line")
    reason = st.text_input("Reason 原因", key="dispute_reason")
    if st.form_submit_button("Dispute 异议"):
        try:
            data.dispute_line(viewer, int(s.partner_id), s.period, line, reason or "—")
        except ValueError as exc:
            st.error(str(exc))
        else:
            st.success(f"Line {line} disputed. 已提出异议。")
if st.button("Confirm statement 确认对账单", key="confirm"):
    try:  # ValidationError (a ValueError): this side confirmed already
        data.confirm_statement(viewer, int(s.partner_id), s.period)
    except ValueError as exc:
        st.error(str(exc))
    else:
        st.success("Confirmation recorded; the statement is confirmed once both sides confirm. 已确认。")

st.download_button(
    "Export XLSX 导出", exports.to_xlsx({str(s.period): lines}, for_people=True), file_name=f"statement_{s.partner_code}_{s.period}.xlsx", key="export"
)

st.subheader("Rebates 返点")
display.table(data.rebates(viewer))
