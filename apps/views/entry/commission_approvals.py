"""提成审批 Commission approval (finance, admin): approve a published statement, mark it paid, or
reopen an approved one. draft -> approved -> paid; a paid statement is frozen (later changes reach
the person's next open statement as adjustment lines). Every step is audited with who and when."""

import pandas as pd
import streamlit as st

from apps import charts, display
from apps import entry_data as ed
from apps import finance_data as fin
from apps.auth import require_screen
from apps.components import forms
from operational.workflows import commission_approval as approval

APPROVE, PAY, REOPEN = "commission_approve", "commission_pay", "commission_reopen"
STATUS = {"draft": "草稿 draft", "approved": "已审批 approved", "paid": "已发放 paid"}

viewer = require_screen("commission_approvals")
st.title("提成审批 Commission approval")
st.caption("审批记录对账单当时的金额；发放须与审批金额一致；已发放的对账单冻结，之后的变化计入下期调整。"
           "Approval records the published figures; paying needs them unchanged; a paid statement is frozen.")
statements = fin.commission_statements(viewer)
periods = sorted(statements["period_start"].unique().tolist(), reverse=True)
if not periods:
    st.info("暂无提成对账单 No commission statements published yet: run the pipeline first.")
    st.stop()
period = st.selectbox("Period 期间", periods, format_func=charts.month_label, key="ca_approval_period")
in_period = statements[statements["period_start"] == period].copy()
live = {r["user_id"]: r for r in ed.read(approval.approvals, viewer, period_start=pd.Timestamp(period).date())}
in_period["approval_status"] = [live[u]["status"] if u in live else "draft" for u in in_period["user_id"]]
c1, c2, c3 = st.columns(3)
for col, status in zip((c1, c2, c3), STATUS, strict=True):
    col.metric(STATUS[status], display.count(int((in_period["approval_status"] == status).sum())))
display.table(in_period[["user_name", "employee_code", "department_name", "approval_status", "line_count",
                         "commission_amount", "adjustment_amount", "total_amount"]])

people = in_period.sort_values("user_name")
labels = {int(r.user_id): f"{r.user_name} ({r.employee_code}) · {STATUS[r.approval_status]} · {display.money(r.total_amount)}"
          for r in people.itertuples()}
user_id = st.selectbox("对账单 Statement", list(labels), format_func=labels.get, key="ca_approval_person")
statement = people[people["user_id"] == user_id].iloc[0]
figures = {k: statement[k] for k in ("total_amount", "commission_amount", "adjustment_amount", "line_count",
                                     "period_end")}
figures["period_end"] = pd.Timestamp(figures["period_end"]).date()
row = live.get(user_id)
start = pd.Timestamp(period).date()


def _approve() -> None:
    if ed.act(APPROVE, approval.approve, viewer, user_id, start, figures).ok:
        forms.flash(APPROVE, "已审批 Approved.")


def _pay() -> None:
    ref = st.session_state.get(f"ca_pay_ref_{row['id']}")
    if ed.act(PAY, approval.pay, viewer, row["id"], row["version"], figures, payment_reference=ref).ok:
        forms.flash(PAY, "已发放 Paid: the statement is frozen from the next run on.")


def _reopen() -> None:
    reason = st.session_state.get(f"ca_reopen_reason_{row['id']}")
    if ed.act(REOPEN, approval.reopen, viewer, row["id"], row["version"], reason).ok:
        forms.flash(REOPEN, "已重开 Back to draft.")


for form in (APPROVE, PAY, REOPEN):
    forms.show_flash(form)
if row is None:
    with st.form(APPROVE):
        forms.form_errors(APPROVE, ["statement"])
        st.write(f"按当前金额审批 Approve at {display.money(statement['total_amount'])}")
        forms.submit(APPROVE, "审批 Approve", _approve)
else:
    st.write(f"{STATUS[row['status']]} · 审批 {row['approved_by']} {row['approved_at']:%Y-%m-%d %H:%M} · "
             f"{display.money(row['approved_total'])}"
             + (f" · 发放 {row['paid_by']} {row['paid_at']:%Y-%m-%d %H:%M}" if row["paid_at"] else ""))
    if row["status"] == "approved":
        with st.form(PAY):
            forms.form_errors(PAY, ["statement"])
            forms.text(PAY, "payment_reference", "发放批次 Payment reference", key=f"ca_pay_ref_{row['id']}")
            forms.submit(PAY, "标记已发放 Mark paid", _pay)
        with st.form(REOPEN):
            forms.form_errors(REOPEN, ["statement", "reason"])
            forms.text(REOPEN, "reason", "重开原因 Why reopen it", key=f"ca_reopen_reason_{row['id']}")
            forms.submit(REOPEN, "重开 Reopen", _reopen)
    ed.show_history(viewer, "commission_statement_approvals", row["id"])
