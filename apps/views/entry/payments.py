"""回款 Payments (finance): plan an order's installments (they must add up to the order amount to
the fen), book receipts against an installment (more than outstanding only as an advance, 预收),
and see each installment's received / outstanding / status with the audit history."""

import streamlit as st

from apps import display
from apps import entry_data as ed
from apps.auth import require_screen
from apps.components import forms
from apps.components import ops_forms as ops
from operational.workflows import orders, payments

PLAN_FORM, RECEIPT_FORM = "payment_plan", "receipt"
INSTALLMENT_FIELDS = ("amount", "due_date")

viewer = require_screen("payments")
st.title("回款 Payments")
accounts = ops.account_names(viewer)
plan_tab, receipt_tab, list_tab = st.tabs(["回款计划 Payment plan", "登记回款 Receipt", "分期 Installments"])
all_orders = ed.read(orders.list_orders, viewer)
planned = {p["order_id"] for p in ed.read(payments.list_plans, viewer)}


def unplanned_crm_orders(planned_here: set[int]) -> ed.Extracted:
    """The CRM's orders in the viewer's scope that have no payment plan, neither from the CRM nor
    entered here (a plan entered here is kept on the CRM order's id)."""
    found = ed.extracted(
        viewer, "orders", ["id", "order_no", "account_id", "account_name", "total_amount", "order_date", "status"],
        where="coalesce(status, '') <> 'cancelled' and order_id not in "
              "(select order_id from intermediate.int_payment_plans_unioned where order_id is not null) and order_id not in "
              "(select order_id from intermediate.int_payment_installments_unioned where order_id is not null)",
        names={"account_name": ("accounts", "account_id", "account_name")})
    found.frame = found.frame[~found.frame["id"].isin(planned_here)] if len(found.frame) else found.frame
    return found


def _plan(order_id: int, count: int) -> None:
    items = [{k: ops.blank_to_none(v) for k, v in item.items()}
             for item in ops.line_values("pp", count, INSTALLMENT_FIELDS)]
    done = ed.act(PLAN_FORM, payments.create_payment_plan, viewer, order_id, items)
    if done.ok:
        forms.flash(PLAN_FORM, f"已保存回款计划 Saved payment plan {done.value['plan_no']} ({count} installments)")
        forms.clear(ops.line_keys("pp", count, INSTALLMENT_FIELDS))


def _receipt(installment_id: int) -> None:
    get = st.session_state.get
    done = ed.act(RECEIPT_FORM, payments.record_receipt, viewer, installment_id, get("rc_amount"),
                  receipt_date=get("rc_date"), payment_method=get("rc_method"),
                  bank_txn_no=ops.blank_to_none(get("rc_txn")), is_advance=bool(get("rc_advance")))
    if done.ok:
        forms.flash(RECEIPT_FORM, f"已保存回款 Saved receipt {done.value['receipt_no']} {display.money(done.value['amount'])}")
        forms.clear(["rc_amount", "rc_txn", "rc_advance"])


def _installment_field(n: int, field: str) -> str:
    return f"installments[{n}].{field}"


with plan_tab:
    forms.show_flash(PLAN_FORM)
    open_orders = {o["id"]: o for o in all_orders if o["id"] not in planned and o["status"] != "cancelled"}
    crm_orders = unplanned_crm_orders(planned)
    open_orders |= {int(o["id"]): o for o in crm_orders.frame.to_dict("records")}
    st.caption(f"可建计划的订单 Orders without a plan: 本系统录入 {len(open_orders) - len(crm_orders.frame)} · "
               f"源系统抽取 {len(crm_orders.frame)}" + (f" · {crm_orders.reason}" if crm_orders.reason else ""))
    if not open_orders:
        st.info("没有待建回款计划的订单（本系统与源系统的订单都已有计划，或暂无订单） "
                "No order is waiting for a payment plan.")
    else:
        labels = {i: f"{o['order_no']} · {o.get('account_name') or accounts.get(o['account_id'], o['account_id'])} · "
                     f"{display.money(o['total_amount'])}" + (" · 源系统 CRM" if o.get(ed.SOURCE_COLUMN) else "")
                  for i, o in open_orders.items()}
        order_id = st.selectbox("订单 Order", list(labels), format_func=labels.get, key="pp_order")
        st.metric("订单金额 Order amount", f"{display.money(open_orders[order_id]['total_amount'])}")
        count = ops.line_count("pp_count", "期数 Installments", maximum=24)
        with st.form(PLAN_FORM):
            fields = ["installments", "order_id"] + [_installment_field(n, f) for n in range(1, count + 1)
                                                     for f in INSTALLMENT_FIELDS]
            forms.form_errors(PLAN_FORM, fields)
            forms.field_error(PLAN_FORM, "installments")
            for n in range(1, count + 1):
                amount, due = st.columns(2)
                with amount:
                    forms.text(PLAN_FORM, _installment_field(n, "amount"), f"金额 Amount #{n}",
                               key=ops.line_key("pp", n, "amount"))
                with due:
                    forms.text(PLAN_FORM, _installment_field(n, "due_date"), f"到期日 Due date #{n} (YYYY-MM-DD)",
                               key=ops.line_key("pp", n, "due_date"))
            forms.submit(PLAN_FORM, "保存回款计划 Save plan", lambda: _plan(order_id, count))

with receipt_tab:
    forms.show_flash(RECEIPT_FORM)
    st.caption("源系统（销售易）的分期请在源系统登记回款；此处登记本系统回款计划的分期。 "
               "Receipts on the CRM's own installments are booked in the CRM.")
    due = [i for i in ed.read(payments.list_installments, viewer) if i["status"] != "paid"]
    if not due:
        st.info("没有待回款的分期 No installment is waiting for money.")
    else:
        labels = {i["installment_id"]: f"{i['plan_no']} #{i['batch_no']} · {accounts.get(i['account_id'], i['account_id'])} · "
                                       f"未收 outstanding {display.money(i['outstanding'])} · due {i['due_date']}" for i in due}
        installment_id = st.selectbox("分期 Installment", list(labels), format_func=labels.get, key="rc_installment")
        with st.form(RECEIPT_FORM):
            forms.form_errors(RECEIPT_FORM, ["amount", "receipt_date"])
            forms.text(RECEIPT_FORM, "amount", "金额 Amount", key="rc_amount")
            forms.date(RECEIPT_FORM, "receipt_date", "到账日期 Receipt date", key="rc_date")
            forms.select(RECEIPT_FORM, "payment_method", "方式 Method", ["银行转账", "承兑汇票", "现金", "其他"], key="rc_method")
            forms.text(RECEIPT_FORM, "bank_txn_no", "银行流水号 Bank transaction no.", key="rc_txn")
            st.checkbox("预收 Advance (more than outstanding)", key="rc_advance")
            forms.submit(RECEIPT_FORM, "保存回款 Save receipt", lambda: _receipt(installment_id))

with list_tab:
    plans = ed.read(payments.list_plans, viewer)
    if not plans:
        st.info("暂无回款计划 No payment plans yet.")
    else:
        labels = {p["id"]: f"{p['plan_no']} · {accounts.get(p['account_id'], p['account_id'])} · {display.money(p['total_amount'])}"
                  for p in plans}
        plan_id = st.selectbox("回款计划 Plan", list(labels), format_func=labels.get, key="pl_pick")
        items = ed.read(payments.list_installments, viewer, plan_id=plan_id)
        ops.table(items, ["batch_no", "due_date", "amount", "received", "outstanding", "advance", "status"])
        ed.show_history(viewer, "payment_plans", plan_id)
        got = ed.read(ops.receipts, viewer, [i["installment_id"] for i in items])
        if got:
            st.subheader("回款记录 Receipts")
            ops.table(got, ["receipt_no", "installment_id", "receipt_date", "amount", "is_advance", "payment_method",
                            "bank_txn_no"])
            picked = st.selectbox("回款 Receipt", [r["id"] for r in got], key="rc_pick",
                                  format_func=ops.label({r["id"]: r["receipt_no"] for r in got}))
            ed.show_history(viewer, "receipts", picked)
