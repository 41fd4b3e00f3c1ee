"""渠道审批 Channel approvals: the channel manager decides on pending deal registrations (seeing
who else claims the same company: open opportunities, other partners' registrations) and on
special price requests (at the requested price or a counter-offer, never above list). Both show
the deal: partner, customer, opportunity and its rep by name; product, list price, discount, net
price and amount. A
rejection needs a comment, which the partner sees."""

import streamlit as st

from apps import display
from apps import entry_data as ed
from apps.auth import require_screen
from apps.components import deals, forms
from apps.components import ops_forms as ops
from operational.workflows import partners

REG_FORM, PRICE_FORM = "registration_decision", "special_price_decision"

viewer = require_screen("channel_approvals")
st.title("渠道审批 Channel approvals")
partner_names = ops.partner_names()
product_names = ops.product_names()
reg_tab, price_tab = st.tabs(["报备审批 Registrations", "特价审批 Special prices"])


def _decide_registration(registration_id: int, approve: bool) -> None:
    comment = st.session_state.get("ca_reg_comment") or ""
    if approve:
        done = ed.act(REG_FORM, partners.approve_registration, viewer, registration_id, comment)
    else:
        done = ed.act(REG_FORM, partners.reject_registration, viewer, registration_id, comment)
    if done.ok:
        forms.flash(REG_FORM, f"{'已批准 Approved' if approve else '已驳回 Rejected'}: {done.value['customer_name']}"
                    + (f" · 保护至 protected until {done.value['protected_until']}" if approve else ""))
        forms.clear(["ca_reg_comment"])


def _decide_price(request_id: int, approve: bool) -> None:
    get = st.session_state.get
    if approve:
        done = ed.act(PRICE_FORM, partners.approve_special_price, viewer, request_id,
                      ops.blank_to_none(get("ca_price")), valid_until=get("ca_valid"), comment=get("ca_price_comment"))
    else:
        done = ed.act(PRICE_FORM, partners.reject_special_price, viewer, request_id, get("ca_price_comment") or "")
    if done.ok and approve and done.value["status"] == "pending":  # an earlier step of the approval chain
        forms.flash(PRICE_FORM, "本步已批准，等待审批链下一步 Step approved; the next step of the chain decides")
        forms.clear(["ca_price", "ca_price_comment"])
    elif done.ok:
        forms.flash(PRICE_FORM, f"{'已批准 Approved' if approve else '已驳回 Rejected'}"
                    + (f" at {display.money(done.value['approved_price'])}" if approve else ""))
        forms.clear(["ca_price", "ca_price_comment"])


with reg_tab:
    forms.show_flash(REG_FORM)
    pending = ed.read(partners.list_registrations, viewer, status="pending")
    if not pending:
        st.info("没有待审批的报备 No registration is waiting for a decision.")
    else:
        display.table(deals.registrations(pending), labels=deals.LABELS)
        labels = {r["id"]: f"{partner_names.get(r['partner_id'], r['partner_id'])} · {r['customer_name']}" for r in pending}
        registration_id = st.selectbox("报备 Registration", list(labels), format_func=labels.get, key="ca_reg")
        claims = ed.read(partners.registration_conflicts, viewer, registration_id)
        if claims:
            st.warning(f"同一客户有 {len(claims)} 个其他主张 {len(claims)} other claims on the same company")
            ops.table(claims, ["claim_type", "claim_id", "owner_type", "owner_id", "claim_status", "protected_until"])
        with st.form(REG_FORM):
            forms.form_errors(REG_FORM, ["decision_comment", "comment"])
            forms.area(REG_FORM, "decision_comment", "审批意见 Comment (required to reject)", key="ca_reg_comment")
            approve, reject = st.columns(2)
            with approve:
                forms.submit(REG_FORM, "批准 Approve", lambda: _decide_registration(registration_id, True), key="ca_reg_ok")
            with reject:
                forms.submit(REG_FORM, "驳回 Reject", lambda: _decide_registration(registration_id, False), key="ca_reg_no")
        ed.show_history(viewer, "deal_registrations", registration_id)

with price_tab:
    forms.show_flash(PRICE_FORM)
    pending = ed.read(partners.list_special_prices, viewer, status="pending")
    if not pending:
        st.info("没有待审批的特价申请 No special price request is waiting for a decision.")
    else:
        display.table(deals.special_prices(pending), labels=deals.LABELS)
        labels = {r["id"]: f"{partner_names.get(r['partner_id'], r['partner_id'])} · "
                           f"{product_names.get(r['product_id'], r['product_id'])} · {display.money(r['requested_price'])}" for r in pending}
        request_id = st.selectbox("申请 Request", list(labels), format_func=labels.get, key="ca_request")
        with st.form(PRICE_FORM):
            forms.form_errors(PRICE_FORM, ["approved_price", "decision_comment", "valid_until"])
            forms.text(PRICE_FORM, "approved_price", "批准单价 Approved price (empty = as requested)", key="ca_price")
            forms.date(PRICE_FORM, "valid_until", "有效期至 Valid until", key="ca_valid", value=None)
            forms.area(PRICE_FORM, "decision_comment", "审批意见 Comment (required to reject)", key="ca_price_comment")
            approve, reject = st.columns(2)
            with approve:
                forms.submit(PRICE_FORM, "批准特价 Approve price", lambda: _decide_price(request_id, True), key="ca_price_ok")
            with reject:
                forms.submit(PRICE_FORM, "驳回特价 Reject price", lambda: _decide_price(request_id, False), key="ca_price_no")
        ed.show_history(viewer, "special_price_requests", request_id)
