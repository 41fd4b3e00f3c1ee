"""Approvals 审批: sales managers approve or reject (with a comment) the quotes of their team
whose discount is above the threshold."""

import streamlit as st

from apps import auth, display
from apps import entry_data as entry
from apps.components import forms, records
from apps.components import ops_forms as ops
from operational.workflows import quotes as wf

viewer = auth.require_screen("approvals")
st.title("审批 Approvals")

FORM = "approval"
records.stale_notice(FORM)
forms.show_flash(FORM)
pending = entry.read(wf.pending_approvals, viewer)
st.metric("待审批 Waiting", len(pending))
people, products = ops.user_names(), ops.product_names()
waiting = entry.frame(pending, ["quote_no", "owner_id", "total_amount", "discount_rate", "reason", "requested_at"])
waiting.insert(1, "owner_name", waiting["owner_id"].map(lambda u: people.get(u, u)))  # the rep, not the id
display.table(waiting)
by_quote = {p["quote_id"]: p for p in pending}
picked = st.selectbox("报价单 Quote", list(by_quote), index=None, key="approval_quote",
                      format_func=lambda q: f"{by_quote[q]['quote_no']} · {display.money(by_quote[q]['total_amount'])}")
comment_key = f"{FORM}.comment"


def _decide(decision: str, quote_id: int | None) -> None:
    if quote_id is None:
        forms.set_errors(FORM, {forms.GENERAL: "请先选择报价单 Choose a quote first"})
        return
    action = wf.approve_quote if decision == "approve" else wf.reject_quote
    out = entry.act(FORM, action, viewer, quote_id, st.session_state.get(comment_key))
    if out.ok:
        verb = "已批准 approved" if decision == "approve" else "已驳回 rejected"
        forms.flash(FORM, f"报价单 {out.value['quote_no']} {verb}.")
        forms.clear([comment_key])


with st.form(FORM):
    forms.area(FORM, "comment", "审批意见 Comment (驳回必填 required to reject)", comment_key)
    forms.form_errors(FORM, ["comment"])
    b1, b2 = st.columns(2)
    with b1:
        forms.submit(FORM, "批准 Approve", lambda: _decide("approve", picked), key="approval_approve")
    with b2:
        forms.submit(FORM, "驳回 Reject", lambda: _decide("reject", picked), key="approval_reject")

if picked is not None:
    lines = entry.frame(entry.read(wf.quote_lines, viewer, picked),
                        ["product_id", "quantity", "list_price", "discount_rate", "unit_price", "line_amount"])
    lines.insert(0, "product", lines["product_id"].map(lambda p: products.get(p, p)))  # the product, not the id
    display.table(lines)
    entry.show_history(viewer, "quotes", picked)
