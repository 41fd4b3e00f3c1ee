"""工单 Tickets: create a ticket from a call or a chat, assign it (service managers), move it through
the allowed statuses, close it with the customer's rating, and link it to a product requirement —
accepting a suggestion of the matching model or typing one. Every change is a ticket event (the
SLA clocks' input) and an audit entry."""

import streamlit as st

from apps import entry_data as ed
from apps.auth import require_screen
from apps.components import forms, records
from apps.components import knowledge_suggestions as ks
from apps.components import ops_forms as ops
from operational.models.service import CATEGORIES, PRIORITIES
from operational.workflows import tickets

NEW, ASSIGN, STATUS, CLOSE, LINK = "ticket_new", "ticket_assign", "ticket_status", "ticket_close", "ticket_link"

viewer = require_screen("tickets")
st.title("工单 Tickets")
accounts = ops.all_account_names()
users = ops.reference().frame("users")
assignable = {r["user_id"]: f"{r['user_name']} ({r['position']})" for r in users.to_dicts()
              if r["position"] in tickets.ASSIGNABLE_POSITIONS and r.get("is_active", True)} if users.height else {}
new_tab, work_tab = st.tabs(["新建工单 New ticket", "处理工单 Work on tickets"])


def _create() -> None:
    get = st.session_state.get
    from_call = get("tk_source", "电话 Call").startswith("电话")
    source_id = ops.blank_to_none(get("tk_source_id"))
    done = ed.act(NEW, tickets.create_ticket, viewer, account_id=get("tk_account"), priority=get("tk_priority"),
                  category=get("tk_category"), subject=(get("tk_subject") or "").strip(),
                  call_id=source_id if from_call else None, conversation_id=None if from_call else source_id,
                  channel="phone" if from_call else "chat",
                  description=ops.blank_to_none(get("tk_description")),
                  contact_phone=ops.blank_to_none(get("tk_phone")))
    if done.ok:
        forms.flash(NEW, f"已创建工单 Created ticket {done.value['ticket_no']}")
        forms.clear(["tk_source_id", "tk_subject", "tk_description", "tk_phone"])
        st.session_state["tk_pick"] = done.value["id"]


# what each action form empties after a successful save (the next action starts blank)
CLEARED = {ASSIGN: ["tk_assignee"], STATUS: ["tk_status_comment"], CLOSE: ["tk_rating", "tk_rating_comment"],
           LINK: ["tk_requirement"]}


def _run(form: str, message: str, action, *args, **kwargs) -> None:
    done = ed.act(form, action, viewer, *args, **kwargs)
    if done.ok:
        forms.flash(form, message)
        forms.clear(CLEARED.get(form, []))


with new_tab:
    forms.show_flash(NEW)
    with st.form(NEW):
        fields = ["account_id", "priority", "category", "subject", "call_id", "conversation_id", "channel"]
        forms.form_errors(NEW, fields)
        st.radio("来源 Source", ["电话 Call", "在线 Chat"], horizontal=True, key="tk_source")
        forms.text(NEW, "call_id", "通话/会话编号 Call id or chat conversation id", key="tk_source_id")
        forms.select(NEW, "account_id", "客户 Customer", [None, *sorted(accounts, key=accounts.get)], key="tk_account",
                     format_func=ops.label(accounts))
        forms.select(NEW, "priority", "优先级 Priority", list(PRIORITIES), key="tk_priority", index=2)
        forms.select(NEW, "category", "类别 Category", list(CATEGORIES), key="tk_category")
        forms.text(NEW, "subject", "主题 Subject", key="tk_subject")
        forms.area(NEW, "description", "描述 Description", key="tk_description")
        forms.text(NEW, "contact_phone", "联系电话 Contact phone", key="tk_phone")
        forms.submit(NEW, "创建工单 Create ticket", _create)

with work_tab:
    mine = ed.read(tickets.list_tickets, viewer)
    TICKET_COLUMNS = ["ticket_no", "account_name", "priority", "category", "subject", "status", "created_at"]
    with st.expander("呼叫中心抽取的工单 Tickets from the call center (只读 read-only)"):
        ed.show_with_extracted([], ed.extracted(viewer, "tickets", TICKET_COLUMNS,
                                                names={"account_name": ("accounts", "account_id", "account_name")}),
                               TICKET_COLUMNS)
        st.caption(ed.READ_ONLY_NOTE + "呼叫中心的工单请在呼叫中心系统处理。 Work call-center tickets there.")
    if not mine:
        st.info("本系统暂无录入的工单 No tickets entered here to work on.")
        st.stop()
    ops.table(mine, ["ticket_no", "account_id", "priority", "category", "subject", "status", "owner_id", "rating",
                     "version"], {"account_id": accounts, "owner_id": ops.user_names()})
    labels = {t["id"]: f"{t['ticket_no']} · {t['status']} · {t['subject']}" for t in mine}
    if st.session_state.get("tk_pick") not in labels:
        st.session_state.pop("tk_pick", None)
    ticket_id = st.selectbox("工单 Ticket", list(labels), format_func=labels.get, key="tk_pick")
    ticket = next(t for t in mine if t["id"] == ticket_id)
    for form in (ASSIGN, STATUS, CLOSE, LINK):
        forms.show_flash(form)
        records.stale_notice(form)

    if viewer.role in tickets.ASSIGNERS and ticket["status"] != "closed":
        with st.form(ASSIGN):
            forms.form_errors(ASSIGN, ["assignee_user_id"])
            forms.select(ASSIGN, "assignee_user_id", "分派给 Assign to", [None, *assignable], key="tk_assignee",
                         format_func=ops.label(assignable))
            forms.submit(ASSIGN, "分派 Assign", lambda: _run(
                ASSIGN, "已分派 Assigned.", tickets.assign_ticket, ticket_id, st.session_state.get("tk_assignee"),
                expected_version=ticket["version"]))

    moves = [s for s in tickets.TRANSITIONS.get(ticket["status"], ()) if s not in ("assigned", "closed")]
    if moves:
        with st.form(STATUS):
            forms.form_errors(STATUS, ["status"])
            forms.select(STATUS, "status", "新状态 New status", moves, key="tk_to_status")
            forms.text(STATUS, "comment", "说明 Comment", key="tk_status_comment")
            forms.submit(STATUS, "变更状态 Change status", lambda: _run(
                STATUS, "状态已变更 Status changed.", tickets.change_status, ticket_id,
                st.session_state.get("tk_to_status"), expected_version=ticket["version"],
                comment=ops.blank_to_none(st.session_state.get("tk_status_comment"))))

    if ticket["status"] == "resolved":
        with st.form(CLOSE):
            forms.form_errors(CLOSE, ["rating"])
            forms.text(CLOSE, "rating", "客户评分 Customer rating (1-5)", key="tk_rating")
            forms.text(CLOSE, "rating_comment", "评价 Customer comment", key="tk_rating_comment")
            forms.submit(CLOSE, "评分并关闭 Close with rating", lambda: _run(
                CLOSE, "已关闭 Closed.", tickets.close_with_rating, ticket_id, st.session_state.get("tk_rating"),
                ops.blank_to_none(st.session_state.get("tk_rating_comment")), expected_version=ticket["version"]))

    st.subheader("知识库建议 Knowledge suggestions")
    ks.panel(viewer, f"{ticket['subject']} {ticket.get('description') or ''}", ticket["ticket_no"], key="tk_kb")

    st.subheader("关联需求 Requirement link")
    suggestions = tickets.suggestions_for(ticket["ticket_no"])
    if suggestions:
        st.caption("匹配模型推荐 Suggestions of the matching model (best first)")
        ops.table(suggestions, ["suggestion_rank", "requirement_id", "score"])
    with st.form(LINK):
        forms.form_errors(LINK, ["requirement_id"])
        if suggestions:
            st.radio("采纳推荐 Accept a suggestion", [s["requirement_id"] for s in suggestions], key="tk_suggestion")
            forms.submit(LINK, "采纳推荐 Accept suggestion", lambda: _run(
                LINK, "已关联（推荐） Linked (suggestion).", tickets.link_requirement, ticket_id,
                st.session_state.get("tk_suggestion"), True), key="tk_accept")
        forms.text(LINK, "requirement_id", "或输入需求编号 Or type a requirement id", key="tk_requirement")
        forms.submit(LINK, "关联需求 Link requirement", lambda: _run(
            LINK, "已关联 Linked.", tickets.link_requirement, ticket_id, st.session_state.get("tk_requirement") or "",
            False), key="tk_link")
    links = ed.read(tickets.ticket_links, viewer, ticket_id)
    if links:
        ops.table(links, ["requirement_id", "from_suggestion", "suggestion_score", "linked_by", "linked_at"])

    st.subheader("工单事件 Events")
    ops.table(ed.read(tickets.ticket_events, viewer, ticket_id),
              ["event_time", "event_type", "from_status", "to_status", "actor", "detail"])
    ed.show_history(viewer, "tickets", ticket_id)
