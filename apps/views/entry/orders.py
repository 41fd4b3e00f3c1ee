"""订单 Orders: a new order from an approved quote (its lines copied) or from the price book, with
the over/short tolerance (溢短装) of bulk lines; the order list with each line's delivery status
and the selected order's audit history."""

import streamlit as st

from apps import display
from apps import entry_data as ed
from apps.auth import require_screen
from apps.components import forms
from apps.components import ops_forms as ops
from operational.workflows import deliveries, orders, quotes

QUOTE_FORM, BOOK_FORM = "order_from_quote", "order_from_book"
LINE_FIELDS = ("product_id", "quantity", "discount_pct", "tolerance_type", "tolerance_value")

viewer = require_screen("orders")
st.title("订单 Orders")
accounts = ops.account_names(viewer)
products = ops.product_names()
new_tab, list_tab = st.tabs(["新建订单 New order", "订单列表 Orders"])


def _from_quote(quote_id: int, count: int) -> None:
    tolerances = [
        {k: ops.blank_to_none(v) for k, v in line.items()}
        for line in ops.line_values("oq", count, ("tolerance_type", "tolerance_value"))
    ]
    done = ed.act(QUOTE_FORM, orders.create_order_from_quote, viewer, quote_id, tolerances=tolerances)
    if done.ok:
        forms.flash(QUOTE_FORM, f"已保存订单 Saved order {done.value['order_no']} ({display.money(done.value['total_amount'])})")
        forms.clear(ops.line_keys("oq", count, ("tolerance_type", "tolerance_value")))


def _from_book(count: int) -> None:
    lines = [
        {k: ops.blank_to_none(v) for k, v in line.items()}
        for line in ops.line_values("ob", count, LINE_FIELDS)
    ]
    done = ed.act(BOOK_FORM, orders.create_order, viewer, st.session_state.get("ob_account"), lines,
                  order_date=st.session_state.get("ob_date"))
    if done.ok:
        forms.flash(BOOK_FORM, f"已保存订单 Saved order {done.value['order_no']} ({display.money(done.value['total_amount'])})")
        forms.clear(ops.line_keys("ob", count, LINE_FIELDS))


with new_tab:
    source = st.radio("来源 Source", ["报价单 Approved quote", "价格表 Price book"], horizontal=True, key="order_source")
    if source.startswith("报价单"):
        forms.show_flash(QUOTE_FORM)
        approved = ed.read(quotes.list_quotes, viewer, status="approved")
        if not approved:
            st.info("没有可下单的已审批报价单 No approved quote to order from.")
        else:
            quote_labels = {
                q["id"]: f"{q['quote_no']} · {accounts.get(q['account_id'], q['account_id'])} · {display.money(q['total_amount'])}"
                for q in approved
            }
            quote_id = st.selectbox("报价单 Quote", list(quote_labels), format_func=quote_labels.get, key="oq_quote")
            lines = ed.read(quotes.quote_lines, viewer, quote_id)
            with st.form(QUOTE_FORM):
                forms.form_errors(QUOTE_FORM, [ops.line_field(n, f) for n in range(1, len(lines) + 1)
                                               for f in ("tolerance_type", "tolerance_value")])
                for n, line in enumerate(lines, 1):
                    info, kind, value = st.columns([3, 1, 1])
                    info.markdown(
                        f"**#{n} {products.get(line['product_id'], line['product_id'])}**  \n"
                        f"{line['quantity']} × {display.money(line['unit_price'])} = {display.money(line['line_amount'])}"
                    )
                    with kind:
                        forms.select(QUOTE_FORM, ops.line_field(n, "tolerance_type"), f"溢短装 Tolerance #{n}",
                                     ["none", "absolute", "percent"], key=ops.line_key("oq", n, "tolerance_type"))
                    with value:
                        forms.text(QUOTE_FORM, ops.line_field(n, "tolerance_value"), f"容差 Tolerance value #{n}",
                                   key=ops.line_key("oq", n, "tolerance_value"))
                forms.submit(QUOTE_FORM, "按报价单下单 Order from quote", lambda: _from_quote(quote_id, len(lines)))
    else:
        forms.show_flash(BOOK_FORM)
        book = quotes.products_for_viewer(viewer)
        offered = dict(zip(book["product_id"].to_list(),
                           (book["product_code"] + " " + book["product_name"] + " · ¥"
                            + book["list_price"].cast(str) + "/" + book["unit"].fill_null("")).to_list(), strict=True))
        count = ops.line_count("ob_count")
        with st.form(BOOK_FORM):
            fields = ["account_id", "order_date", "lines"] + [ops.line_field(n, f) for n in range(1, count + 1)
                                                              for f in LINE_FIELDS]
            forms.form_errors(BOOK_FORM, fields)
            forms.select(BOOK_FORM, "account_id", "客户 Account", [None, *sorted(accounts, key=accounts.get)],
                         key="ob_account", format_func=ops.label(accounts))
            forms.date(BOOK_FORM, "order_date", "下单日期 Order date", key="ob_date")
            forms.field_error(BOOK_FORM, "lines")
            for n in range(1, count + 1):
                cols = st.columns([3, 1, 1, 1, 1])
                with cols[0]:
                    forms.select(BOOK_FORM, ops.line_field(n, "product_id"), f"产品 Product #{n}",
                                 [None, *offered], key=ops.line_key("ob", n, "product_id"),
                                 format_func=ops.label(offered))
                with cols[1]:
                    forms.text(BOOK_FORM, ops.line_field(n, "quantity"), f"数量 Quantity #{n}",
                               key=ops.line_key("ob", n, "quantity"))
                with cols[2]:
                    forms.text(BOOK_FORM, ops.line_field(n, "discount_pct"), f"折扣% Discount #{n}",
                               key=ops.line_key("ob", n, "discount_pct"))
                with cols[3]:
                    forms.select(BOOK_FORM, ops.line_field(n, "tolerance_type"), f"溢短装 Tolerance #{n}",
                                 ["none", "absolute", "percent"], key=ops.line_key("ob", n, "tolerance_type"))
                with cols[4]:
                    forms.text(BOOK_FORM, ops.line_field(n, "tolerance_value"), f"容差 Tolerance value #{n}",
                               key=ops.line_key("ob", n, "tolerance_value"))
            forms.submit(BOOK_FORM, "创建订单 Create order", lambda: _from_book(count))
        st.caption("溢短装: absolute = 允许偏差（行单位）, percent = 订购数量的百分比; 交付落在容差内即结清，超出上限标记复核。 "
                   "Tolerance: absolute in the line's unit or percent of the ordered quantity; a delivery within it "
                   "settles the line, beyond the upper bound it is flagged for review.")

with list_tab:
    rows = ed.read(orders.list_orders, viewer)
    ORDER_COLUMNS = ["id", "order_no", "account_name", "status", "total_amount", "order_date", "updated_at"]
    shown = [{**r, "account_name": accounts.get(r["account_id"], r["account_id"])} for r in rows]
    crm = ed.extracted(viewer, "orders", ORDER_COLUMNS, names={"account_name": ("accounts", "account_id", "account_name")})
    ed.show_with_extracted(shown, crm, ORDER_COLUMNS)
    st.caption(ed.READ_ONLY_NOTE + "可在「回款 Payments」页为源系统订单建回款计划；交付请在源系统中登记。 "
               "Plan payments for a CRM order on the payments screen.")
    if not rows:
        st.info("本系统暂无录入的订单 No orders entered here yet.")
    else:
        order_labels = {r["id"]: f"{r['order_no']} · {accounts.get(r['account_id'], r['account_id'])}" for r in rows}
        order_id = st.selectbox("订单 Order", list(order_labels), format_func=order_labels.get, key="order_pick")
        status = ed.read(deliveries.line_statuses, viewer, order_id=order_id)
        st.subheader("订单行与交付 Lines and deliveries")
        ops.table(status, ["product_id", "unit", "quantity", "tolerance_type", "tolerance_value", "lower_bound",
                           "upper_bound", "delivered_quantity", "status", "shortfall", "excess", "recognised_revenue"],
                  {"product_id": products})
        ed.show_history(viewer, "orders", order_id)
