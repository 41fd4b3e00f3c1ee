"""Quotes 报价: lines from the rep's department price book; a discount above the threshold
sends the quote to a sales manager for approval (审批) instead of approving it at once."""

import pandas as pd
import streamlit as st

from apps import auth, display
from apps import entry_data as entry
from apps.components import forms
from operational.models import Opportunity
from operational.workflows import quotes as wf

LINES = 5
viewer = auth.require_screen("quotes")
st.title("报价 Quotes")
st.caption(f"折扣超过 {wf.discount_threshold()}% 需经理审批 Discounts above {wf.discount_threshold()} % need a "
           "sales manager's approval.")

book = entry.read(lambda session: wf.products_for_viewer(viewer).to_dicts())
products = {p["product_id"]: p for p in book}
opps = [o for o in entry.read(entry.visible_rows, viewer, Opportunity) if o["status"] == "open"]

NEW = "quote_new"
line_fields = [f"lines[{n}].{f}" for n in range(1, LINES + 1) for f in ("product_id", "quantity", "discount_pct")]
keys = forms.keys(NEW, ["opportunity_id", *line_fields])


def _create() -> None:
    values = forms.values(keys)
    lines = []
    for n in range(1, LINES + 1):
        product, qty, pct = (values[f"lines[{n}].{f}"] for f in ("product_id", "quantity", "discount_pct"))
        if product is None and not qty:
            continue  # an empty row
        lines.append({"product_id": product, "quantity": qty, "discount_pct": pct or 0})
    if values["opportunity_id"] is None:
        forms.set_errors(NEW, {"opportunity_id": "请选择商机 Choose an opportunity"})
        return
    out = entry.act(NEW, wf.create_quote, viewer, values["opportunity_id"], lines)
    if out.ok:
        q = out.value
        status = "待审批 waiting for approval" if q["status"] == "pending_approval" else "已批准 approved"
        forms.flash(NEW, f"报价单 {q['quote_no']} {display.money(q['total_amount'])} 已创建，{status}. Quote created ({q['status']}).")
        forms.clear(keys.values())


forms.show_flash(NEW)
with st.form(NEW):
    opp_names = {o["id"]: o["opportunity_name"] for o in opps}
    forms.select(NEW, "opportunity_id", "商机 Opportunity *", list(opp_names), keys["opportunity_id"], index=None,
                 format_func=lambda i: f"{opp_names.get(i, i)} (#{i})")
    st.markdown("**产品行 Lines** (价格表 price book of your department)")
    for n in range(1, LINES + 1):
        c1, c2, c3 = st.columns([3, 1, 1])
        with c1:
            forms.select(NEW, f"lines[{n}].product_id", f"产品 Product {n}", list(products),
                         keys[f"lines[{n}].product_id"], index=None,
                         format_func=lambda p: f"{products[p]['product_code']} {products[p]['product_name']} "
                                               f"{display.money(products[p]['list_price'])}/{products[p]['unit']}")
        with c2:
            forms.number(NEW, f"lines[{n}].quantity", f"数量 Qty {n}", keys[f"lines[{n}].quantity"],
                         value=None, min_value=0.0, step=1.0)
        with c3:
            forms.number(NEW, f"lines[{n}].discount_pct", f"折扣 % Discount {n}", keys[f"lines[{n}].discount_pct"],
                         value=0.0, min_value=0.0, max_value=99.99, step=1.0)
    forms.form_errors(NEW, keys)
    forms.submit(NEW, "创建报价 Create quote", _create)

st.subheader("我的报价 My quotes")
quotes = entry.read(wf.list_quotes, viewer)
QUOTE_COLUMNS = ["id", "quote_no", "opportunity_name", "status", "total_amount", "discount_rate", "quote_date"]
quoted_opps = entry.names_of(viewer, "opportunities", [q["opportunity_id"] for q in quotes], "opportunity_name", Opportunity)
entry.show_with_extracted(
    [{**q, "opportunity_name": quoted_opps.get(q["opportunity_id"], q["opportunity_id"])} for q in quotes],
    entry.extracted(viewer, "quotes", QUOTE_COLUMNS,
                    names={"opportunity_name": ("opportunities", "opportunity_id", "opportunity_name")}),
    QUOTE_COLUMNS, labels={"discount_rate": "整单折扣"})
st.caption(entry.READ_ONLY_NOTE + "源系统报价单的明细与审批请在销售易中查看。 CRM quotes are worked in the CRM.")
picked = st.selectbox("报价单 Quote", [q["id"] for q in quotes], index=None, key="quote_selected",
                      format_func=lambda i: entry.label(quotes, i, "quote_no", "status"))
if picked is not None:
    lines = entry.read(wf.quote_lines, viewer, picked)
    shown = pd.DataFrame(lines)
    if not shown.empty:
        shown["product"] = shown["product_id"].map(lambda p: products.get(p, {}).get("product_name", p))
    display.table(entry.frame(shown.to_dict("records"), ["product", "quantity", "list_price", "discount_rate",
                                                        "unit_price", "line_amount"]), show_ids=["id"])
    entry.show_history(viewer, "quotes", picked)
