"""特价申请 Special prices: a partner asks for a price below list for one product on one of its
approved registrations (only its own partner's registrations are offered or accepted); each
request shows its decision (approved price or the reason for a rejection), its approval chain
(partner.yml: partner sales manager -> channel manager -> regional channel manager) with a form
for whoever may decide the step it waits at, and its audit history."""

import streamlit as st

from apps import display
from apps import entry_data as ed
from apps.auth import require_screen
from apps.components import forms
from apps.components import ops_forms as ops
from operational import special_price_chain
from operational.workflows import partners

FORM, DECIDE = "special_price", "special_price_step"

viewer = require_screen("special_prices")
st.title("特价申请 Special prices")
products = ops.reference().frame("products")
product_labels = {r["product_id"]: f"{r['product_code']} {r['product_name']} · 目录价 list {display.money(r['list_price'])}"
                  for r in products.to_dicts()} if products.height else {}
new_tab, list_tab = st.tabs(["新建申请 New request", "申请记录 Requests"])


def _request() -> None:
    get = st.session_state.get
    done = ed.act(FORM, partners.request_special_price, viewer, get("sp_product"),
                  ops.blank_to_none(get("sp_quantity")), ops.blank_to_none(get("sp_price")),
                  registration_id=get("sp_registration"), valid_until=get("sp_valid"),
                  reason=ops.blank_to_none(get("sp_reason")))
    if done.ok:
        forms.flash(FORM, f"已提交特价申请 Special price request submitted ({display.money(done.value['requested_price'])}, 待审批 pending)")
        forms.clear(["sp_quantity", "sp_price", "sp_reason"])


def _decide(request_id: int, approve: bool) -> None:
    get = st.session_state.get
    if approve:
        done = ed.act(DECIDE, partners.approve_special_price, viewer, request_id, ops.blank_to_none(get("spd_price")),
                      valid_until=get("spd_valid"), comment=get("spd_comment"))
    else:
        done = ed.act(DECIDE, partners.reject_special_price, viewer, request_id, get("spd_comment") or "")
    if done.ok:
        forms.flash(DECIDE, f"{'已批准' if approve else '已驳回'} 特价申请 → {display.code(done.value['status'])}")


def _decide_form(request_id: int, step: dict) -> None:
    forms.show_flash(DECIDE)
    with st.form(DECIDE):
        st.markdown(f"**第 {step['step_no']} 步 {step['label']}**"
                    + ("（最后一步：批准即生效 last step）" if step["is_last"] else ""))
        forms.form_errors(DECIDE, ["approver", "approved_price", "valid_until", "decision_comment"])
        if step["is_last"]:
            forms.text(DECIDE, "approved_price", "批准单价 Approved price (empty = as requested)", key="spd_price")
            forms.date(DECIDE, "valid_until", "有效期至 Valid until", key="spd_valid", value=None)
        forms.area(DECIDE, "decision_comment", "审批意见 Comment (required to reject)", key="spd_comment")
        forms.submit(DECIDE, "批准 Approve step", lambda: _decide(request_id, True), key="spd_ok")
        forms.submit(DECIDE, "驳回 Reject", lambda: _decide(request_id, False), key="spd_no")


with new_tab:
    forms.show_flash(FORM)
    approved = ed.read(partners.list_registrations, viewer, status="approved")
    if not approved:
        st.info("没有已批准的报备；特价须关联已批准的报备 A special price needs an approved deal registration first.")
    else:
        reg_labels = {r["id"]: f"{r['customer_name']} · 保护至 protected until {r['protected_until']}" for r in approved}
        with st.form(FORM):
            forms.form_errors(FORM, ["registration_id", "product_id", "quantity", "requested_price", "valid_until"])
            forms.select(FORM, "registration_id", "报备 Registration", list(reg_labels), key="sp_registration",
                         format_func=reg_labels.get)
            forms.select(FORM, "product_id", "产品 Product", [None, *product_labels], key="sp_product",
                         format_func=ops.label(product_labels))
            forms.text(FORM, "quantity", "数量 Quantity", key="sp_quantity")
            forms.text(FORM, "requested_price", "申请单价 Requested unit price (CNY)", key="sp_price")
            forms.date(FORM, "valid_until", "有效期至 Valid until", key="sp_valid", value=None)
            forms.area(FORM, "reason", "理由 Reason", key="sp_reason")
            forms.submit(FORM, "提交申请 Submit request", _request)

with list_tab:
    requests = ed.read(partners.list_special_prices, viewer)
    if not requests:
        st.info("暂无特价申请 No special price requests yet.")
    else:
        ops.table(requests, ["product_id", "quantity", "list_price", "requested_price", "approved_price", "status",
                             "valid_until", "decision_comment", "registration_id", "version"],
                  {"product_id": product_labels})
        labels = {r["id"]: f"{product_labels.get(r['product_id'], r['product_id'])} · {r['status']}" for r in requests}
        picked = st.selectbox("申请 Request", list(labels), format_func=labels.get, key="sp_pick")
        st.markdown("**审批链 Approval chain**（partner.yml `special_price_approval_chain`）")
        display.table(ed.frame(ed.read(special_price_chain.status_rows, picked)),
                      labels={"step_no": "步骤", "step": "审批人", "decision": "决定", "by": "决定人", "at": "时间",
                              "comment": "意见"})
        request = next(r for r in requests if r["id"] == picked)
        step = ed.read(special_price_chain.step_for, viewer, picked) if request["status"] == "pending" else None
        if step:
            _decide_form(picked, step)
        ed.show_history(viewer, "special_price_requests", picked)
