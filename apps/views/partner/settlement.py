"""渠道结算 Partner settlement: a statement's agreed figures after its disputes were answered, its
payout lines (rebate, market fund, promotion subsidy), the vendor side's answers to disputes,
the release as payable once both sides confirmed, and the exports (the statement as settled;
every payable statement)."""

import streamlit as st

from apps import auth, display, exports
from apps import partner_data as statements_data
from apps import partner_settlement_data as data

viewer = auth.require_screen("partner_settlement")
st.title("Partner settlement 渠道结算")
statements = statements_data.statements(viewer).reset_index(drop=True)
if statements.empty:
    st.info("No partner statements in the published snapshot yet. 暂无对账单。")
    st.stop()

labels = [statements_data.statement_label(r) for _, r in statements.iterrows()]
choice = st.selectbox("Statement 对账单", labels, key="settlement_statement")
s = statements.iloc[labels.index(choice)]
pid, period = int(s.partner_id), s.period
settled, lines, payouts = data.figures(viewer, pid, period)

c1, c2, c3, c4 = st.columns(4)
c1.metric("货款（确认） Agreed goods", display.money(settled.goods_total))
c2.metric("应付伙伴 Payouts", display.money(settled.payout_total))
c3.metric("净额 Net (partner pays)", display.money(settled.net_amount))
c4.metric("状态 Status", display.code(s.status))
st.caption(f"厂商金额 {display.money(s.vendor_total)} · 伙伴金额 {display.money(s.partner_total)} · "
           f"未结差额 open difference {display.money(settled.open_difference)} · 待答复异议 {settled.open_disputes}")

st.subheader("付款明细 Payout lines")
if payouts.empty:
    st.info("本期没有返点、市场基金或促销补贴 No rebate, market fund or subsidy line for this month.")
else:
    display.table(payouts, labels=data.LABELS)

st.subheader("异议 Disputes")
dispute_rows = data.disputes(viewer, pid, period)
line_labels = {k: statements_data.line_label(r) for k, r in zip(lines["line_key"], lines.to_dict("records"), strict=True)}
if dispute_rows.empty:
    st.info("没有异议 No disputes.")
else:
    shown = dispute_rows.assign(line=dispute_rows["line_key"].map(line_labels),
                                decision=dispute_rows["decision"].map(lambda d: data.CODES.get(d, "待答复") if d else "待答复"))
    display.table(shown.drop(columns=["line_key"]), labels=data.LABELS, kinds={"dispute_id": display.ID})
    waiting = dispute_rows[dispute_rows["latest"] & dispute_rows["decision"].isna()]
    if viewer.role in ("channel_manager", "admin") and not waiting.empty:
        with st.form("answer"):
            st.markdown("**答复异议 Answer a dispute**（厂商方 vendor side）")
            options = {int(r.dispute_id): f"{line_labels.get(r.line_key, r.line_key)} · {r.reason}" for r in waiting.itertuples()}
            picked = st.selectbox("异议 Dispute", list(options), format_func=options.get, key="answer_dispute")
            decision = st.radio("答复 Decision", ["accept", "reject"], format_func=data.CODES.get, horizontal=True,
                                key="answer_decision")
            amount = st.text_input("调整后金额 Agreed amount (accept)", key="answer_amount")
            note = st.text_input("说明 Note (required to reject)", key="answer_note")
            if st.form_submit_button("提交答复 Answer"):
                try:
                    data.answer_dispute(viewer, pid, picked, decision, adjusted_amount=amount or None, note=note)
                except ValueError as exc:
                    st.error(str(exc))
                else:
                    st.success("已答复 Answered; the figures above follow on the next view.")

st.subheader("明细（确认金额） Lines with agreed amounts")
display.table(lines[["line_key", "line_class", "product_code", "vendor_amount", "report_amount", "agreed_amount",
                     "disputed"]], labels=data.LABELS, kinds={"line_key": display.ID})

if viewer.role in ("finance", "admin"):
    if st.button("放行付款 Release as payable", key="release", disabled=s.status == "payable"):
        try:
            data.release(viewer, pid, period)
        except ValueError as exc:
            st.error(str(exc))
        else:
            st.success("已放行 Released as payable.")

name = f"结算单_{s.partner_code}_{s.partner_name}_{period}"
st.download_button("导出结算单 Export XLSX",
                   exports.to_settlement_xlsx(data.summary(s, settled), lines, payouts, dispute_rows),
                   file_name=f"{exports.file_stem(name)}.xlsx", key="export_settlement")
payable = data.payables(viewer)
if not payable.empty:
    st.subheader("已放行应付 Payable statements")
    display.table(payable, labels=data.LABELS, kinds={"statement_key": display.ID, "partner_id": display.ID})
    st.download_button("导出应付清单 Export payables", exports.to_payables_xlsx(payable),
                       file_name="应付清单_payables.xlsx", key="export_payables")
