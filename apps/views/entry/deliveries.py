"""交付 Deliveries: record one shipment to one customer against the lines still open on any of its
orders (settled lines are not offered); then each line's status after it — settled, settled but
flagged (beyond the over/short tolerance), or still open — and the delivery's audit history."""

import streamlit as st

from apps import entry_data as ed
from apps.auth import require_screen
from apps.components import forms
from apps.components import ops_forms as ops
from operational.workflows import deliveries

FORM = "delivery"

viewer = require_screen("deliveries")
st.title("交付 Deliveries")
accounts = ops.account_names(viewer)
products = ops.product_names()
new_tab, list_tab = st.tabs(["登记交付 Record a delivery", "交付记录 Deliveries"])


def _qty_key(line_id: int) -> str:
    return f"dl_{line_id}_qty"


def _field(line_id: int) -> str:
    return f"line {line_id}"


def _save(offered: list[dict]) -> None:
    chosen = [r for r in offered if (st.session_state.get(_qty_key(r["order_line_id"])) or "").strip()]
    lines = [{"order_line_id": r["order_line_id"], "quantity": st.session_state[_qty_key(r["order_line_id"])]}
             for r in chosen]
    done = ed.act(FORM, deliveries.create_delivery, viewer, lines, account_id=st.session_state.get("dl_account"),
                  delivery_date=st.session_state.get("dl_date"),
                  tracking_no=ops.blank_to_none(st.session_state.get("dl_tracking")),
                  note=ops.blank_to_none(st.session_state.get("dl_note")))
    if done.ok:
        forms.flash(FORM, f"已保存交付 Saved delivery {done.value['delivery_no']} ({len(lines)} lines)")
        forms.clear([_qty_key(r["order_line_id"]) for r in offered] + ["dl_tracking", "dl_note"])
        st.session_state["dl_pick"] = done.value["id"]
    else:  # the workflow numbers the submitted lines; show each message beside its own line
        renamed = {}
        for key, message in done.errors.items():
            if key.startswith("lines[") and "]" in key:
                n = int(key[6:key.index("]")])
                renamed[_field(chosen[n - 1]["order_line_id"]) if n <= len(chosen) else key] = message
            else:
                renamed[key] = message
        forms.set_errors(FORM, renamed)


with new_tab:
    forms.show_flash(FORM)
    open_lines = [r for r in ed.read(deliveries.line_statuses, viewer)
                  if r["status"] == "open" and r["order_status"] not in deliveries.CLOSED_ORDER_STATUSES]
    customers = sorted({r["account_id"] for r in open_lines}, key=lambda a: accounts.get(a, str(a)))
    if not customers:
        st.info("没有待交付的订单行 No order line is waiting for a delivery.")
    else:
        account_id = st.selectbox("客户 Customer", customers, format_func=ops.label(accounts), key="dl_account")
        offered = ed.read(deliveries.deliverable_lines, viewer, account_id)
        st.caption(f"{len({r['order_id'] for r in offered})} 个订单的 {len(offered)} 行未结清 open lines on "
                   f"{len({r['order_id'] for r in offered})} orders; leave a quantity empty to skip the line.")
        with st.form(FORM):
            forms.form_errors(FORM, [_field(r["order_line_id"]) for r in offered])
            for row in offered:
                info, qty = st.columns([4, 1])
                info.markdown(
                    f"**{row['order_no']}** · {products.get(row['product_id'], row['product_id'])}  \n"
                    f"订购 ordered {row['quantity']} {row['unit'] or ''} · 已交付 delivered {row['delivered_quantity']} · "
                    f"结清区间 settles within [{row['lower_bound']}, {row['upper_bound']}] · 尚缺 shortfall {row['shortfall']}"
                )
                with qty:
                    forms.text(FORM, _field(row["order_line_id"]), f"本次数量 Quantity {row['order_no']}/{row['order_line_id']}",
                               key=_qty_key(row["order_line_id"]))
            forms.date(FORM, "delivery_date", "交付日期 Delivery date", key="dl_date")
            forms.text(FORM, "tracking_no", "运单号 Tracking no.", key="dl_tracking")
            forms.text(FORM, "note", "备注 Note", key="dl_note")
            forms.submit(FORM, "保存交付 Save delivery", lambda: _save(offered))

with list_tab:
    done = ed.read(deliveries.list_deliveries, viewer)
    if not done:
        st.info("暂无交付记录 No deliveries yet.")
    else:
        ops.table(done, ["delivery_no", "account_id", "delivery_date", "tracking_no", "note", "version"],
                  {"account_id": accounts})
        labels = {d["id"]: f"{d['delivery_no']} · {accounts.get(d['account_id'], d['account_id'])}" for d in done}
        if st.session_state.get("dl_pick") not in labels:
            st.session_state.pop("dl_pick", None)
        delivery_id = st.selectbox("交付 Delivery", list(labels), format_func=labels.get, key="dl_pick")
        lines = ed.read(deliveries.delivery_lines, viewer, delivery_id)
        status = {r["order_line_id"]: r for r in ed.read(
            deliveries.line_statuses, viewer, order_line_ids=[r["order_line_id"] for r in lines])}
        case = [
            {"order_no": status[r["order_line_id"]]["order_no"], "product": products.get(status[r["order_line_id"]]["product_id"]),
             "this_delivery": r["quantity"], **{k: status[r["order_line_id"]][k] for k in (
                 "quantity", "tolerance_type", "tolerance_value", "delivered_quantity", "status", "excess",
                 "is_flagged_for_review", "recognised_revenue")}}
            for r in lines
        ]
        st.subheader("本次交付各行状态 Status of each line")
        flagged = sum(c["status"] == "settled_flagged" for c in case)
        settled = sum(c["status"] != "open" for c in case)
        c1, c2, c3 = st.columns(3)
        c1.metric("行 Lines", len(case))
        c2.metric("已结清 Settled", settled)
        c3.metric("超量待复核 Flagged", flagged)
        ops.table(case, list(case[0]) if case else [])
        ed.show_history(viewer, "deliveries", delivery_id)
