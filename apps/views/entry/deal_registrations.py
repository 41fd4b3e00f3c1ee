"""报备 Deal registrations: a partner registers a customer deal for its own partner only (channel
managers for a partner they manage); the name is resolved to a company so a conflict is flagged
however it was typed (the partner sees that there is one, not whose). Pending registrations can
be edited; every registration shows its status, protection and audit history."""

import streamlit as st

from apps import entry_data as ed
from apps.auth import require_screen
from apps.components import forms, records
from apps.components import ops_forms as ops
from operational import scope
from operational.workflows import partners

FORM, EDIT_FORM = "registration", "registration_edit"

viewer = require_screen("deal_registrations")
st.title("报备 Deal registrations")
partner_names = ops.partner_names()
is_partner = viewer.role == "partner_user"
if is_partner:
    st.caption(f"渠道伙伴 Partner: {partner_names.get(viewer.partner_id, viewer.partner_id)}")
new_tab, list_tab = st.tabs(["新建报备 Register a deal", "我的报备 Registrations"])


def _create() -> None:
    get = st.session_state.get
    done = ed.act(FORM, partners.create_deal_registration, viewer, get("dr_customer") or "",
                  estimated_amount=ops.blank_to_none(get("dr_amount")), expected_close_date=get("dr_close"),
                  product_line=get("dr_line"), partner_id=None if is_partner else get("dr_partner"))
    if done.ok:
        reg = done.value
        note = f" · ⚠️ {reg['conflict_note']}" if reg["has_conflict"] else ""
        forms.flash(FORM, f"已提交报备 Registration submitted for {reg['customer_name']} (待审批 pending){note}")
        forms.clear(["dr_customer", "dr_amount", "dr_close"])
        st.session_state["dr_pick"] = reg["id"]


def _edit(reg: dict) -> None:
    get = st.session_state.get
    ed.act(EDIT_FORM, partners.update_registration, viewer, reg["id"],
           {"estimated_amount": ops.blank_to_none(get(f"dr_edit_amount_{reg['id']}")),
            "expected_close_date": get(f"dr_edit_close_{reg['id']}")},
           reg["version"])
    if not forms.errors(EDIT_FORM):
        forms.flash(EDIT_FORM, "已保存 Saved.")


with new_tab:
    forms.show_flash(FORM)
    with st.form(FORM):
        forms.form_errors(FORM, ["customer_name", "estimated_amount", "expected_close_date", "partner_id", "product_line"])
        if not is_partner:
            managed = scope.visible_partner_ids(viewer, ops.reference())
            options = sorted(partner_names if managed is None else managed & set(partner_names))
            forms.select(FORM, "partner_id", "渠道伙伴 Partner", [None, *options], key="dr_partner",
                         format_func=ops.label(partner_names))
        forms.text(FORM, "customer_name", "客户名称 Customer name", key="dr_customer")
        forms.text(FORM, "estimated_amount", "预计金额 Estimated amount (CNY)", key="dr_amount")
        forms.date(FORM, "expected_close_date", "预计成交 Expected close", key="dr_close", value=None)
        product_lines = sorted(set(ops.reference().frame("products")["product_line"].drop_nulls().to_list())) \
            if ops.reference().frame("products").height else []
        forms.select(FORM, "product_line", "产品线 Product line", [None, *product_lines], key="dr_line")
        forms.submit(FORM, "提交报备 Submit registration", _create)

with list_tab:
    regs = ed.read(partners.list_registrations, viewer)
    def _from_partner_reports() -> None:
        """The registrations partner reports delivered (published snapshot), read-only."""
        columns = ["customer_name", "partner_name", "status", "estimated_amount", "expected_close_date", "submitted_at"]
        found = ed.extracted(viewer, "deal_registrations", ["partner_id", *columns[2:], "customer_name"])
        found.frame["partner_name"] = found.frame["partner_id"].map(lambda i: partner_names.get(i, i))
        with st.expander("伙伴报表中的报备 Registrations from partner reports (只读 read-only)"):
            ed.show_with_extracted([], found, columns)
            st.caption(ed.READ_ONLY_NOTE + "伙伴报表中的报备不能在此修改。 Registrations from partner reports cannot be edited here.")

    if not regs:
        st.info("本系统暂无录入的报备 No registrations entered here yet.")
        _from_partner_reports()
    else:
        ops.table(regs, ["customer_name", "partner_id", "status", "estimated_amount", "expected_close_date",
                         "protected_until", "has_conflict", "conflict_note", "decision_comment", "version"],
                  {"partner_id": partner_names})
        _from_partner_reports()
        labels = {r["id"]: f"{r['customer_name']} · {r['status']}" for r in regs}
        if st.session_state.get("dr_pick") not in labels:
            st.session_state.pop("dr_pick", None)
        picked = st.selectbox("报备 Registration", list(labels), format_func=labels.get, key="dr_pick")
        reg = next(r for r in regs if r["id"] == picked)
        if reg["status"] == "pending":
            forms.show_flash(EDIT_FORM)
            records.stale_notice(EDIT_FORM)
            with st.form(EDIT_FORM):
                forms.form_errors(EDIT_FORM, ["estimated_amount", "expected_close_date"])
                forms.text(EDIT_FORM, "estimated_amount", "预计金额 Estimated amount (CNY)", key=f"dr_edit_amount_{reg['id']}",
                           value=str(reg["estimated_amount"] or ""))
                forms.date(EDIT_FORM, "expected_close_date", "预计成交 Expected close", key=f"dr_edit_close_{reg['id']}",
                           value=reg["expected_close_date"])
                forms.submit(EDIT_FORM, "保存修改 Save changes", lambda: _edit(reg))
        ed.show_history(viewer, "deal_registrations", picked)
