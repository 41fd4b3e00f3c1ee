"""Opportunities 商机: create, advance the stage (the form shows the fields the next stage
requires), close won / lost, with the stage and audit history of the selected opportunity."""

import datetime as dt

import streamlit as st

from apps import auth, display
from apps import entry_data as entry
from apps.components import forms, links, records
from operational.models import Contact, Opportunity
from operational.workflows import opportunities as wf
from operational.workflows import quotes as quotes_wf

viewer = auth.require_screen("opportunities")
st.title("商机 Opportunities")
choices = entry.account_choices(viewer)

# -- create --------------------------------------------------------------------------------
NEW = "opp_new"
keys = forms.keys(NEW, ["opportunity_name", "account_id", "amount", "close_date", "next_step", "stage"])


def _create() -> None:
    values = forms.cleaned(forms.values(keys))
    out = entry.act(NEW, wf.create_opportunity, viewer, values)
    if out.ok:
        forms.flash(NEW, f"商机 #{out.value['id']} 已创建 Opportunity created at stage {out.value['stage']}.")
        forms.clear(keys.values())


with st.expander("新建商机 New opportunity", expanded=True):
    forms.show_flash(NEW)
    with st.form(NEW):
        c1, c2 = st.columns(2)
        with c1:
            forms.text(NEW, "opportunity_name", "商机名称 Name *", keys["opportunity_name"])
            forms.select(NEW, "account_id", "客户 Account *", list(choices), keys["account_id"], index=None,
                         format_func=lambda i: f"{choices.get(i, i)} (#{i})")
            forms.select(NEW, "stage", "阶段 Stage", wf.open_stages(), keys["stage"])
        with c2:
            forms.number(NEW, "amount", "金额 Amount (CNY)", keys["amount"], value=None, min_value=0.0, step=1000.0)
            forms.date(NEW, "close_date", "预计成交 Close date", keys["close_date"], value=None)
            forms.text(NEW, "next_step", "下一步 Next step", keys["next_step"])
        st.caption("各阶段必填 Required per stage: " + " · ".join(
            f"{s}: {', '.join(wf.FIELD_LABELS.get(f, f) for f in wf.STAGE_REQUIREMENTS[s])}" for s in wf.open_stages()))
        forms.form_errors(NEW, keys)
        forms.submit(NEW, "创建 Create", _create)

# -- my opportunities ----------------------------------------------------------------------
st.subheader("我的商机 My opportunities")
mine = entry.read(entry.visible_rows, viewer, Opportunity)
OPP_COLUMNS = ["id", "opportunity_name", "account_id", "stage", "status", "amount", "close_date", "owner_id", "updated_at"]
entry.show_with_extracted(mine, entry.extracted(viewer, "opportunities", OPP_COLUMNS), OPP_COLUMNS)
st.caption(entry.READ_ONLY_NOTE + "推进源系统商机的阶段请在销售易中操作。 Move a CRM opportunity's stage in the CRM.")
wanted = links.requested("opportunity")
opp_ids = [r["id"] for r in mine]
picked = st.selectbox("商机 Opportunity", opp_ids, index=opp_ids.index(wanted) if wanted in opp_ids else None,
                      key="opp_selected", placeholder="请选择 Choose",
                      format_func=lambda i: entry.label(mine, i, "opportunity_name", "stage", "status"))
opp = next((r for r in mine if r["id"] == picked), None)

if opp is not None and opp["status"] == "open":
    MOVE = "opp_move"
    records.stale_notice(MOVE)
    forms.show_flash(MOVE)
    st.markdown(f"**{opp['opportunity_name']}** · 当前阶段 current stage **{opp['stage']}** · v{opp['version']}")
    target = st.selectbox("推进到 Move to", [*wf.open_stages(), wf.WON, wf.LOST], key="opp_target",
                          index=min(wf.open_stages().index(opp["stage"]) + 1, len(wf.open_stages()))
                          if opp["stage"] in wf.open_stages() else 0)
    needed = [f for f in wf.requirements(target) if f not in ("opportunity_name", "account_id")]
    st.caption(f"「{target}」须填写 Required for {target}: "
               + (", ".join(wf.FIELD_LABELS.get(f, f) for f in needed) or "—"))
    mkeys = forms.keys(f"{MOVE}.{opp['id']}.{target}", needed)
    contacts = entry.read(entry.visible_rows, viewer, Contact, account_id=opp["account_id"]) \
        if "decision_maker_contact_id" in needed else []
    quotes = entry.read(quotes_wf.list_quotes, viewer, opportunity_id=opp["id"]) if "quote_id" in needed else []

    def _move(opp=opp, target=target, mkeys=mkeys) -> None:
        values = forms.cleaned(forms.values(mkeys))
        if target == wf.LOST:
            out = entry.act(MOVE, wf.close_lost, viewer, opp["id"], values.get("loss_reason"), opp["version"])
        elif target == wf.WON:
            out = entry.act(MOVE, wf.close_won, viewer, opp["id"], values, opp["version"])
        else:
            out = entry.act(MOVE, wf.advance_stage, viewer, opp["id"], target, values, opp["version"])
        if out.ok:
            forms.flash(MOVE, f"商机已到「{out.value['stage']}」 Opportunity is now at {out.value['stage']}.")
            forms.clear(mkeys.values())

    with st.form(MOVE):
        for field in needed:
            label, key = wf.FIELD_LABELS.get(field, field), mkeys[field]
            current = opp.get(field)
            if field == "amount":
                forms.number(MOVE, field, label, key, value=float(current) if current is not None else None,
                             min_value=0.0, step=1000.0)
            elif field == "close_date":
                forms.date(MOVE, field, label, key, value=current if isinstance(current, dt.date) else None)
            elif field == "decision_maker_contact_id":
                names = {c["id"]: c["contact_name"] for c in contacts}
                forms.select(MOVE, field, label, list(names), key, index=None,
                             format_func=lambda i, names=names: f"{names.get(i, i)} (#{i})")
            elif field == "quote_id":
                qs = {q["id"]: f"{q['quote_no']} · {display.code(q['status'])} · {display.money(q['total_amount'])}" for q in quotes}
                forms.select(MOVE, field, label, list(qs), key, index=None,
                             format_func=lambda i, qs=qs: qs.get(i, str(i)))
            else:
                forms.text(MOVE, field, label, key, value=current or "")
        forms.form_errors(MOVE, needed)
        forms.submit(MOVE, f"保存并推进到「{target}」 Save and move to {target}", _move)

if opp is not None:
    with st.expander("阶段历史 Stage history"):
        history = entry.read(wf.stage_history, viewer, opp["id"])
        display.table(entry.frame(history, ["changed_at", "from_stage", "to_stage", "amount", "close_date",
                                           "changed_by"]), show_ids=["id"])
    entry.show_history(viewer, "opportunities", opp["id"])
