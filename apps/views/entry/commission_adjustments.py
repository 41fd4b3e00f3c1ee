"""提成调整 Commission adjustments (finance, admin): add an amount to (or deduct it from) a person's
commission statement of one month, with the reason; edit or void one of a month that is still
open. The person is picked from the CRM users of the published data; the author is the login.
The statements pick the adjustments up on the next pipeline run."""

import streamlit as st

from apps import display
from apps import entry_data as ed
from apps.auth import require_screen
from apps.components import forms, records
from apps.components import ops_forms as ops
from operational.workflows import commission

FORM, EDIT_FORM, VOID_FORM = "commission_adjustment", "commission_adjustment_edit", "commission_adjustment_void"
ADD_KEYS = {"user_id": "ca_user", "period": "ca_period", "amount": "ca_amount", "reason": "ca_reason"}

viewer = require_screen("commission_adjustments")
st.title("提成调整 Commission adjustments")
locked = commission.lock_through()
st.caption(
    "金额为人民币，负数为扣减；下次数据运行后计入提成对账单。Amounts in CNY, negative = deduction; "
    "they reach the commission statements with the next pipeline run. "
    + (f"已结账至 Locked through {locked}: only later months take adjustments." if locked
       else "没有已结账期间 No month is locked.")
)


def _people() -> dict[int, str]:
    users = ops.reference().frame("users")
    if not users.height:
        return {}
    rows = users.sort(["is_active", "user_name"], descending=[True, False]).to_dicts()
    return {int(r["user_id"]): f"{r['user_name']} · {r['position']}{'' if r['is_active'] else ' (离职 inactive)'}"
            f" · #{r['user_id']}" for r in rows}


people = _people()
add_tab, list_tab = st.tabs(["新增调整 Add", "调整记录 Adjustments"])


def _add() -> None:
    values = forms.values(ADD_KEYS)
    done = ed.act(FORM, commission.add_adjustment, viewer, **values)
    if done.ok:
        row = done.value
        forms.flash(FORM, f"已保存调整 Saved adjustment: {people.get(row['user_id'], row['user_id'])} · "
                          f"{row['period']} · {display.money(row['amount'])}")
        forms.clear(ADD_KEYS.values())  # an empty form: a second click cannot save it twice
        st.session_state["ca_pick"] = row["id"]


def _edit(row: dict) -> None:
    keys = {f: f"ca_edit_{f}_{row['id']}" for f in commission.EDITABLE}
    ed.act(EDIT_FORM, commission.edit_adjustment, viewer, row["id"], forms.values(keys), row["version"])
    if not forms.errors(EDIT_FORM):
        forms.flash(EDIT_FORM, "已保存修改 Saved.")


def _void(row: dict) -> None:
    reason_key = f"ca_void_reason_{row['id']}"
    done = ed.act(VOID_FORM, commission.void_adjustment, viewer, row["id"], row["version"],
                  st.session_state.get(reason_key))
    if done.ok:
        forms.flash(VOID_FORM, f"已作废 Voided adjustment #{row['id']}.")
        forms.clear([reason_key, "ca_pick"])


with add_tab:
    forms.show_flash(FORM)
    if not people:
        st.info("已发布数据中没有 CRM 用户 No CRM users in the published data yet: run the pipeline first.")
    else:
        with st.form(FORM):
            forms.form_errors(FORM, list(ADD_KEYS))
            forms.select(FORM, "user_id", "人员 Person", list(people), key=ADD_KEYS["user_id"],
                         format_func=ops.label(people), index=None, placeholder="选择人员 Choose a person")
            forms.text(FORM, "period", "月份 Month (YYYY-MM)", key=ADD_KEYS["period"], placeholder="2026-09")
            forms.text(FORM, "amount", "金额 Amount (CNY, negative = deduction)", key=ADD_KEYS["amount"])
            forms.area(FORM, "reason", "原因 Reason", key=ADD_KEYS["reason"])
            forms.submit(FORM, "保存调整 Save adjustment", _add)

with list_tab:
    forms.show_flash(VOID_FORM)
    rows = ed.read(commission.list_adjustments, viewer)
    if not rows:
        st.info("暂无调整 No adjustments yet.")
    else:
        ops.table(rows, ["period", "user_id", "amount", "reason", "author", "updated_at", "version"],
                  {"user_id": people})
        labels = {r["id"]: f"{r['period']} · {people.get(r['user_id'], r['user_id'])} · {display.money(r['amount'])}" for r in rows}
        if st.session_state.get("ca_pick") not in labels:
            st.session_state.pop("ca_pick", None)
        picked = st.selectbox("调整 Adjustment", list(labels), format_func=labels.get, key="ca_pick")
        row = next(r for r in rows if r["id"] == picked)
        forms.show_flash(EDIT_FORM)
        records.stale_notice(EDIT_FORM)
        with st.form(EDIT_FORM):
            forms.form_errors(EDIT_FORM, list(commission.EDITABLE))
            options = list(people) if row["user_id"] in people else [row["user_id"], *people]
            forms.select(EDIT_FORM, "user_id", "人员 Person", options, key=f"ca_edit_user_id_{row['id']}",
                         format_func=ops.label(people), index=options.index(row["user_id"]))
            forms.text(EDIT_FORM, "period", "月份 Month (YYYY-MM)", key=f"ca_edit_period_{row['id']}", value=row["period"])
            forms.text(EDIT_FORM, "amount", "金额 Amount (CNY)", key=f"ca_edit_amount_{row['id']}", value=str(row["amount"]))
            forms.area(EDIT_FORM, "reason", "原因 Reason", key=f"ca_edit_reason_{row['id']}", value=row["reason"])
            forms.submit(EDIT_FORM, "保存修改 Save changes", lambda: _edit(row))
        with st.form(VOID_FORM):
            forms.form_errors(VOID_FORM, ["void_reason"])
            forms.text(VOID_FORM, "void_reason", "作废原因 Why void it", key=f"ca_void_reason_{row['id']}")
            forms.submit(VOID_FORM, "作废 Void", lambda: _void(row))
        ed.show_history(viewer, "commission_adjustments", picked)
