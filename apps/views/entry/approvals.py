"""Approvals 审批: sales managers approve or reject (with a comment) the quotes of their team
whose discount is above the threshold, seeing the deal: the rep, customer and opportunity by name,
and per line the product, list price, discount, net price and amount."""

import streamlit as st

from apps import auth, display
from apps import entry_data as entry
from apps.components import forms, records
from apps.components import ops_forms as ops
from operational.models import Account
from operational.workflows import quotes as wf

viewer = auth.require_screen("approvals")
st.title("审批 Approvals")

FORM = "approval"
records.stale_notice(FORM)
forms.show_flash(FORM)
pending = entry.read(wf.pending_approvals, viewer)
st.metric("待审批 Waiting", len(pending))
people, products = ops.user_names(), ops.product_names()
customers = entry.names_of(viewer, "accounts", [p["account_id"] for p in pending], "account_name", Account)
for p in pending:  # the deal in people's words: the rep, the customer, the opportunity
    p["owner_name"] = people.get(p["owner_id"], p["owner_id"])
    p["account_name"] = customers.get(p["account_id"], p["account_id"])
waiting = entry.frame(pending, ["quote_no", "owner_name", "account_name", "opportunity_name", "total_amount",
                                "discount_rate", "reason", "requested_at"])
display.table(waiting, labels={"owner_name": "销售", "discount_rate": "整单折扣", "requested_at": "提交时间"})
by_quote = {p["quote_id"]: p for p in pending}
picked = st.selectbox(
    "报价单 Quote", list(by_quote), index=0 if by_quote else None, key="approval_quote", placeholder="请选择 Choose",
    format_func=lambda q: f"{by_quote[q]['quote_no']} · {by_quote[q]['owner_name']} · {by_quote[q]['account_name']} · "
                          f"{display.money(by_quote[q]['total_amount'])}")
if picked is not None:
    deal = by_quote[picked]
    st.subheader(f"报价 {deal['quote_no']}")
    d1, d2, d3 = st.columns(3)
    d1.markdown(f"**销售 Rep**  \n{deal['owner_name']}")
    d2.markdown(f"**客户 Customer**  \n{deal['account_name']}")
    d3.markdown(f"**商机 Opportunity**  \n{deal['opportunity_name'] or '—'}"
                + (f"（{display.money(deal['opportunity_amount'])}）" if deal.get("opportunity_amount") else ""))
    lines = entry.frame(entry.read(wf.quote_lines, viewer, picked),
                        ["product_id", "quantity", "list_price", "discount_rate", "unit_price", "line_amount"])
    lines.insert(0, "product", lines["product_id"].map(lambda p: products.get(p, p)))  # the product, not the id
    display.table(lines, labels={"discount_rate": "折扣", "unit_price": "折后单价", "line_amount": "金额"})
    gross = sum(float(r) for r in (lines["list_price"] * lines["quantity"]).fillna(0)) if len(lines) else 0.0
    st.caption(f"目录价合计 List total {display.money(gross)} · 折后合计 Net total {display.money(deal['total_amount'])}"
               f" · 整单折扣 Discount {display.percent(deal['discount_rate'])} · {deal['reason'] or ''}")
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
    entry.show_history(viewer, "quotes", picked)
