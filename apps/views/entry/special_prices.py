"""特价申请 Special prices: a partner asks for a price below list for one product on one of its
approved registrations (only its own partner's registrations are offered or accepted); each
request shows its decision (approved price or the reason for a rejection) and audit history."""

import streamlit as st

from apps import display
from apps import entry_data as ed
from apps.auth import require_screen
from apps.components import forms
from apps.components import ops_forms as ops
from operational.workflows import partners

FORM = "special_price"

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
        ed.show_history(viewer, "special_price_requests", picked)
