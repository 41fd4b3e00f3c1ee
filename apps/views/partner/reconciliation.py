"""Partner reconciliation 渠道对账: statements (a click on one opens its lines), dispute a line,
confirm (only without open disputes and at a zero difference), export, the partner's rebates."""

import streamlit as st

from apps import auth, charts, display, drill, exports, url_state
from apps import partner_data as data

viewer = auth.require_screen("partner_reconciliation")
st.title("Partner reconciliation 渠道对账")
statements = data.statements(viewer).reset_index(drop=True)
if statements.empty:
    st.info("No partner statements in the published snapshot yet. 暂无对账单。")
    st.stop()

labels = [data.statement_label(r) for _, r in statements.iterrows()]
keys = list(statements["statement_key"])
clicked: list = []
if len(statements) > 1:  # several statements: pick one in the table (a partner with one sees it directly)
    st.caption("点击一张对账单查看其明细 Select a statement to open its lines.")
    picker = statements[["statement_key", "partner_code", "partner_name", "period", "vendor_total", "partner_total",
                         "difference", "lines", "lines_matched", "status"]]
    row = drill.row(picker, "statement_key", name="statement", key="statement_rows",
                    kinds={"statement_key": display.ID, "lines": display.COUNT, "lines_matched": display.COUNT},
                    labels={"lines": "行数"})
    clicked = [labels[keys.index(row["statement_key"])]] if row is not None else []
url_state.seed("statement", labels[keys.index(url_state.choice("statement", keys, keys[0]))], labels)
url_state.follow("statement", clicked, labels)
choice = st.selectbox("Statement 对账单", labels, key="statement")
s = statements.iloc[labels.index(choice)]
url_state.keep(statement=s.statement_key)

st.subheader(f"{s.partner_name}（{s.partner_code}）· {s.period} 对账单")
c1, c2, c3, c4 = st.columns(4)
c1.metric("Vendor total 厂商金额", display.money(s.vendor_total))
c2.metric("Partner total 伙伴金额", display.money(s.partner_total))
c3.metric("Difference 差额", display.money(s.difference))
c4.metric("Status 状态", display.code(s.status))
with st.expander("使用的上传 Upload used"):
    st.caption(f"{s.upload_file} · load {s.upload_load_id} · hash {s.upload_file_hash}")

lines = data.statement_lines(viewer, int(s.partner_id), s.period)
counts = lines.groupby("line_class").size().reset_index(name="lines")
counts["label"] = counts["line_class"].map(display.code)
charts.show(charts.bars(counts, "label", "lines", value_title="行数"), key="line_classes")
display.table(lines, kinds={"line_key": display.ID})  # lines read by report line, customer and product

line_labels = {key: data.line_label(row) for key, row in zip(lines["line_key"], lines.to_dict("records"), strict=True)}
with st.form("dispute"):
    st.subheader("Dispute a line 提出异议")
    line = st.selectbox("Line 行", list(line_labels), format_func=line_labels.get, key="dispute_line")
    reason = st.text_input("Reason 原因", key="dispute_reason")
    if st.form_submit_button("Dispute 异议"):
        try:
            data.dispute_line(viewer, int(s.partner_id), s.period, line, reason or "—")
        except ValueError as exc:
            st.error(str(exc))
        else:
            st.success(f"已提出异议 Disputed: {line_labels.get(line, line)}")

blockers = data.confirm_blockers(data.open_difference(viewer, int(s.partner_id), s.period, lines),
                                 int(lines["disputed"].sum()) if len(lines) else 0)
for reason in blockers:
    st.warning(f"暂不能确认 Cannot confirm yet: {reason}")
if st.button("Confirm statement 确认对账单", key="confirm", disabled=bool(blockers)):
    try:  # ValueError: a blocker appeared meanwhile, or this side confirmed already (ValidationError)
        data.confirm_statement(viewer, int(s.partner_id), s.period)
    except ValueError as exc:
        st.error(str(exc))
    else:
        st.success("Confirmation recorded; the statement is confirmed once both sides confirm. 已确认。")

name = f"对账单_{s.partner_code}_{s.partner_name}_{s.period}"
st.download_button(
    "Export XLSX 导出", exports.to_xlsx({"对账单 statement": statements.iloc[[labels.index(choice)]], "明细 lines": lines},
                                      for_people=True),
    file_name=f"{exports.file_stem(name)}.xlsx", key="export",
)

st.subheader(f"Rebates 返点 · {s.partner_name}")
display.table(data.rebates(viewer, int(s.partner_id)))
