"""需求与回访 Requirements & follow-up: turn a ticket into a product requirement (title, product and
description prefilled), link further tickets to it, release it with a version (product managers),
and tell each linked ticket's customer that it shipped (operational/workflows/requirements.py)."""

import datetime as dt

import streamlit as st

from apps import entry_data as ed
from apps.auth import require_screen
from apps.components import forms
from apps.components import ops_forms as ops
from operational.models.requirements import REQUIREMENT_STATUSES
from operational.workflows import requirements as rq
from operational.workflows import tickets

NEW, LINK, STATUS, NOTIFY = "req_new", "req_link", "req_status", "req_notify"
STATUS_WORDS = {"open": "待评估 open", "planned": "已排期 planned", "in_development": "开发中 in development",
                "released": "已发布 released", "rejected": "已拒绝 rejected"}

viewer = require_screen("requirements")
st.title("需求与回访 Requirements & follow-up")
accounts = ops.all_account_names()
works_tickets = viewer.role != "product_manager"  # product managers see no tickets (row rule)
my_tickets = ed.read(tickets.list_tickets, viewer) if works_tickets else []
ticket_labels = {t["id"]: f"{t['ticket_no']} · {accounts.get(t['account_id'], t['account_id'])} · {t['subject']}"
                 for t in my_tickets}
new_tab, list_tab, follow_tab = st.tabs(["从工单创建 From a ticket", "需求 Requirements", "待回访 Follow-up"])


def _prefill() -> None:
    """Fill the form from the picked ticket (the agent may still edit every field)."""
    picked = st.session_state.get("req_ticket")
    if picked is None:
        return
    draft = ed.read(rq.draft_from_ticket, viewer, picked)
    for field in ("title", "product_code", "product_line", "description"):
        st.session_state[f"req_{field}"] = draft.get(field) or ""


def _create() -> None:
    get = st.session_state.get
    done = ed.act(NEW, rq.create_from_ticket, viewer, get("req_ticket"), title=get("req_title") or "",
                  description=get("req_description"), product_code=get("req_product_code"),
                  product_line=get("req_product_line"))
    if done.ok:
        forms.flash(NEW, f"已创建需求 Created requirement {done.value['requirement_id']}")
        forms.clear(["req_title", "req_product_code", "req_product_line", "req_description"])


with new_tab:
    forms.show_flash(NEW)
    if not works_tickets:
        st.info("需求由客服从工单创建；产品经理在「需求」页排期和发布。 Service staff create requirements from "
                "tickets; product managers plan and release them on the Requirements tab.")
    elif not my_tickets:
        st.info("暂无可转为需求的工单 No tickets of yours to turn into a requirement.")
    else:
        st.selectbox("工单 Ticket", [None, *ticket_labels], format_func=lambda i: ticket_labels.get(i, "—"),
                     key="req_ticket", on_change=_prefill)
        with st.form(NEW):
            forms.form_errors(NEW, ["ticket_id", "title", "status"])
            forms.text(NEW, "title", "需求标题 Title", key="req_title")
            forms.text(NEW, "product_code", "产品编码 Product code", key="req_product_code")
            forms.text(NEW, "product_line", "产品线 Product line", key="req_product_line")
            forms.area(NEW, "description", "描述 Description", key="req_description")
            forms.submit(NEW, "一键转需求 Create requirement", _create)

with list_tab:
    for form in (LINK, STATUS):
        forms.show_flash(form)
    found = ed.read(rq.list_requirements, viewer)
    if not found:
        st.info("本系统暂无录入的需求 No requirements entered here yet.")
    else:
        ops.table(found, ["requirement_id", "title", "product_line", "status", "release_version", "released_on",
                          "source_ticket_no", "created_at"])
        labels = {r["requirement_id"]: f"{r['requirement_id']} · {STATUS_WORDS.get(r['status'], r['status'])} · {r['title']}"
                  for r in found}
        rid = st.selectbox("需求 Requirement", list(labels), format_func=labels.get, key="req_pick")
        current = next(r for r in found if r["requirement_id"] == rid)
        st.subheader("关联工单 Linked tickets")
        summary = ed.read(rq.linked_summary, viewer, rid)
        st.caption(f"{summary['tickets']:,} 张工单，{summary['customers']:,} 个客户 "
                   f"{summary['tickets']:,} tickets from {summary['customers']:,} customers")
        if summary["visible"]:
            ops.table(summary["visible"], ["ticket_no", "account_id", "subject", "status"], {"account_id": accounts})
        if works_tickets and current["status"] != "rejected" and my_tickets:
            with st.form(LINK):
                forms.form_errors(LINK, ["ticket_id", "requirement_id"])
                forms.select(LINK, "ticket_id", "再关联一张工单 Link another ticket", [None, *ticket_labels],
                             key="req_link_ticket", format_func=lambda i: ticket_labels.get(i, "—"))
                forms.submit(LINK, "关联 Link", lambda: forms.flash(LINK, "已关联 Linked.") if ed.act(
                    LINK, rq.link_ticket, viewer, rid, st.session_state.get("req_link_ticket")).ok else None)
        if viewer.role in rq.RELEASERS and current["status"] not in rq.CLOSED:
            with st.form(STATUS):
                forms.form_errors(STATUS, ["status", "release_version", "released_on"])
                forms.select(STATUS, "status", "新状态 New status",
                             [s for s in REQUIREMENT_STATUSES if s != current["status"]], key="req_to_status",
                             format_func=STATUS_WORDS.get)
                forms.text(STATUS, "release_version", "发布版本 Release version (发布时必填)", key="req_version")
                forms.date(STATUS, "released_on", "发布日期 Release date", key="req_released_on", value=dt.date.today())
                forms.submit(STATUS, "保存状态 Save status", lambda: forms.flash(STATUS, "状态已保存 Saved.") if ed.act(
                    STATUS, rq.set_status, viewer, rid, st.session_state.get("req_to_status"),
                    release_version=st.session_state.get("req_version"),
                    released_on=st.session_state.get("req_released_on"), expected_version=current["version"]).ok
                    else None)
        ed.show_history(viewer, "product_requirements", current["id"])

with follow_tab:
    forms.show_flash(NOTIFY)
    if viewer.role == "product_manager":
        st.info("回访由客服完成；此处列出已发布需求的客户。 Agents tell the customers; listed here for service staff.")
    else:
        pending = ed.read(rq.followups, viewer)
        st.metric("待回访客户 Customers to tell", f"{len(pending):,}")
        if pending:
            ops.table(pending, ["requirement_id", "account_id", "ticket_nos", "release_version", "released_on",
                                "owner_id"], {"account_id": accounts, "owner_id": ops.user_names()})
            names = {f["id"]: f"{f['requirement_id']} · {accounts.get(f['account_id'], f['account_id'])}" for f in pending}
            with st.form(NOTIFY):
                forms.form_errors(NOTIFY, ["status"])
                forms.select(NOTIFY, "followup_id", "已告知的客户 Customer told", list(names), key="req_followup",
                             format_func=names.get)
                forms.text(NOTIFY, "note", "回访记录 Note", key="req_note")
                forms.submit(NOTIFY, "标记已通知 Mark notified", lambda: forms.flash(NOTIFY, "已标记 Marked.") if ed.act(
                    NOTIFY, rq.mark_notified, viewer, st.session_state.get("req_followup"),
                    st.session_state.get("req_note")).ok else None)
        with st.expander("已通知 Told"):
            ops.table(ed.read(rq.followups, viewer, status="notified"),
                      ["requirement_id", "account_id", "release_version", "notified_by", "notified_at", "note"],
                      {"account_id": accounts})
