"""Leads 线索: create, my leads (follow up, return to the pool), the pool (claim), assign and
auto-return for managers. Every action is one store transaction (entry_data.act)."""

import streamlit as st

from apps import auth, display
from apps import entry_data as entry
from apps.components import convert_lead, forms, records
from operational.workflows import leads as wf

viewer = auth.require_screen("leads")
MANAGES = viewer.role in wf.ASSIGNERS
SOURCES = ["(none)", "website", "referral", "campaign", "trade_show", "cold_call", "partner", "other"]
LIST_COLUMNS = ["id", "lead_name", "company_name", "status", "owner_id", "mobile", "email", "city",
                "last_follow_up_at", "converted_account_id", "converted_opportunity_id", "version"]

st.title("线索 Leads")
owners = entry.owner_choices(viewer) if MANAGES else {}

# -- create --------------------------------------------------------------------------------
NEW = "lead_new"
new_keys = forms.keys(NEW, ["lead_name", "company_name", "mobile", "email", "lead_source", "city",
                            "owner_id", "is_in_pool"])


def _create() -> None:
    values = forms.cleaned(forms.values(new_keys))
    if values.get("lead_source") == "(none)":
        values["lead_source"] = None
    if not MANAGES:
        values.pop("owner_id", None)
        values.pop("is_in_pool", None)
    out = entry.act(NEW, wf.create_lead, viewer, values)
    if out.ok:
        forms.flash(NEW, f"线索 #{out.value['id']} 已创建 Lead created.")
        forms.clear(new_keys.values())


with st.expander("新建线索 New lead", expanded=True):
    forms.show_flash(NEW)
    with st.form(NEW):
        c1, c2 = st.columns(2)
        with c1:
            forms.text(NEW, "lead_name", "联系人姓名 Lead name *", new_keys["lead_name"])
            forms.text(NEW, "mobile", "手机 Mobile", new_keys["mobile"])
            forms.select(NEW, "lead_source", "来源 Source", SOURCES, new_keys["lead_source"])
        with c2:
            forms.text(NEW, "company_name", "公司 Company", new_keys["company_name"])
            forms.text(NEW, "email", "邮箱 E-mail", new_keys["email"])
            forms.text(NEW, "city", "城市 City", new_keys["city"])
        if MANAGES:
            forms.select(NEW, "owner_id", "负责人 Owner", list(owners), new_keys["owner_id"],
                         format_func=lambda u: owners.get(u, str(u)), index=None)
            st.checkbox("放入公海 Put in the pool", key=new_keys["is_in_pool"])
        forms.form_errors(NEW, new_keys)
        forms.submit(NEW, "创建 Create", _create)

tab_mine, tab_pool = st.tabs(["我的线索 My leads", "公海 Lead pool"])

# -- my leads ------------------------------------------------------------------------------
with tab_mine:
    forms.show_flash("lead_converted")
    mine = [r for r in entry.read(wf.list_my_leads, viewer, include_closed=True)
            if r["status"] in (*wf.OPEN_STATUSES, "converted")]
    crm_leads = entry.extracted(viewer, "leads", LIST_COLUMNS[:-1], where="not coalesce(is_in_pool, false)")
    entry.show_with_extracted(mine, crm_leads, LIST_COLUMNS[:-1],
                              show_ids=["id", "converted_account_id", "converted_opportunity_id"],
                              labels={"converted_account_id": "转化客户", "converted_opportunity_id": "转化商机"})
    st.caption(entry.READ_ONLY_NOTE + "源系统线索的跟进与转化请在销售易中操作。 Follow up and convert CRM leads in the CRM.")
    ids = [r["id"] for r in mine]
    chosen = st.selectbox("线索 Lead", ids, key="lead_selected", index=None, placeholder="请选择 Choose",
                          format_func=lambda i: entry.label(mine, i, "lead_name", "company_name", "status"))
    lead = next((r for r in mine if r["id"] == chosen), None)
    if lead is not None and lead["status"] == "converted":
        convert_lead.show_converted(lead, entry.converted_names(viewer, lead))
        entry.show_history(viewer, "leads", lead["id"])
    elif lead is not None:
        ACT = "lead_action"
        records.stale_notice(ACT)
        forms.show_flash(ACT)
        act_keys = forms.keys(ACT, ["note", "reason", "owner_id"])

        def _follow_up(lead=lead) -> None:
            out = entry.act(ACT, wf.record_follow_up, viewer, lead["id"], st.session_state.get(act_keys["note"]),
                            lead["version"])
            if out.ok:
                forms.flash(ACT, "已记录跟进 Follow-up recorded.")
                forms.clear([act_keys["note"]])

        def _return(lead=lead) -> None:
            out = entry.act(ACT, wf.return_to_pool, viewer, lead["id"], st.session_state.get(act_keys["reason"]),
                            lead["version"])
            if out.ok:
                forms.flash(ACT, "已退回公海 Returned to the pool.")
                forms.clear([act_keys["reason"]])

        def _reassign(lead=lead) -> None:
            out = entry.act(ACT, wf.assign_lead, viewer, lead["id"], st.session_state.get(act_keys["owner_id"]),
                            lead["version"])
            if out.ok:
                forms.flash(ACT, f"线索 #{lead['id']} 已分配 Lead assigned.")

        with st.form(ACT):
            forms.text(ACT, "note", "跟进内容 Follow-up note", act_keys["note"])
            forms.text(ACT, "reason", "退回原因 Reason to return to the pool", act_keys["reason"])
            if MANAGES:
                forms.select(ACT, "owner_id", "改派给 Reassign to", list(owners), act_keys["owner_id"],
                             format_func=lambda u: owners.get(u, str(u)), index=None)
            forms.form_errors(ACT, ["note", "reason", "owner_id"])
            b1, b2, b3 = st.columns(3)
            with b1:
                forms.submit(ACT, "记录跟进 Record follow-up", _follow_up, key="lead_follow_up")
            with b2:
                forms.submit(ACT, "退回公海 Return to pool", _return, key="lead_return")
            if MANAGES:
                with b3:
                    forms.submit(ACT, "改派 Reassign", _reassign, key="lead_reassign")
        st.subheader("转化 Convert")
        convert_lead.show(viewer, lead)
        entry.show_history(viewer, "leads", lead["id"])

# -- pool ----------------------------------------------------------------------------------
with tab_pool:
    POOL = "lead_pool"
    records.stale_notice(POOL)
    forms.show_flash(POOL)
    pool = entry.read(wf.list_pool, viewer)
    display.table(entry.frame(pool, [*LIST_COLUMNS, "pool_return_reason", "pool_entered_at"]), show_ids=["id"])
    pool_ids = [r["id"] for r in pool]
    picked = st.selectbox("公海线索 Pool lead", pool_ids, key="pool_selected", index=None,
                          format_func=lambda i: entry.label(pool, i, "lead_name", "company_name"))
    pool_lead = next((r for r in pool if r["id"] == picked), None)
    pool_keys = forms.keys(POOL, ["owner_id"])

    def _claim(lead=pool_lead) -> None:
        if lead is None:
            forms.set_errors(POOL, {forms.GENERAL: "请先选择线索 Choose a lead first"})
            return
        if entry.act(POOL, wf.claim_from_pool, viewer, lead["id"], lead["version"]).ok:
            forms.flash(POOL, f"已领取线索 #{lead['id']} Lead claimed.")

    def _assign(lead=pool_lead) -> None:
        if lead is None:
            forms.set_errors(POOL, {forms.GENERAL: "请先选择线索 Choose a lead first"})
            return
        owner = st.session_state.get(pool_keys["owner_id"])
        if entry.act(POOL, wf.assign_lead, viewer, lead["id"], owner, lead["version"]).ok:
            forms.flash(POOL, f"线索 #{lead['id']} 已分配 Lead assigned.")

    def _auto_return() -> None:
        out = entry.act(POOL, wf.auto_return_stale)
        if out.ok:
            forms.flash(POOL, f"自动退回 {len(out.value)} 条线索 {len(out.value)} stale leads returned to the pool.")

    with st.form(POOL):
        if MANAGES:
            forms.select(POOL, "owner_id", "分配给 Assign to", list(owners), pool_keys["owner_id"],
                         format_func=lambda u: owners.get(u, str(u)), index=None)
        forms.form_errors(POOL, ["owner_id"])
        b1, b2, b3 = st.columns(3)
        with b1:
            forms.submit(POOL, "领取 Claim", _claim, key="pool_claim")
        if MANAGES:
            with b2:
                forms.submit(POOL, "分配 Assign", _assign, key="pool_assign")
            with b3:
                forms.submit(POOL, f"自动退回超过 {wf.pool_days()} 天未跟进的线索 Auto-return stale leads",
                             _auto_return, key="pool_auto_return")
    if pool_lead is not None:
        entry.show_history(viewer, "leads", pool_lead["id"])
