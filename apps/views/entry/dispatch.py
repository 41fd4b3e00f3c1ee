"""派单池 Dispatch pool: field work orders wait in their service group's pool; engineers grab them
(抢单) before the deadline, managers assign them (派单); an offer nobody grabbed in time is
force-assigned by rule (operational/workflows/dispatch.py; the store's sensor checks every minute).
Every step is listed with its actor and the rule's reasons."""

import streamlit as st

from apps import entry_data as ed
from apps.auth import require_screen
from apps.components import forms
from apps.components import ops_forms as ops
from operational.models.dispatch import SERVICE_TYPES
from operational.workflows import dispatch as dp

NEW, GRAB, ASSIGN, MOVE, CHECK = "wo_new", "wo_grab", "wo_assign", "wo_move", "wo_check"
STATUS_WORDS = {"open": "待派 in pool", "dispatched": "已派 dispatched", "accepted": "已接 accepted",
                "on_site": "在现场 on site", "completed": "已完成 completed", "cancelled": "已取消 cancelled"}
HOW_WORDS = {"grab": "抢单 grabbed", "assign": "派单 assigned", "forced": "超时强派 forced"}

viewer = require_screen("dispatch")
st.title("派单池 Dispatch pool")
accounts = ops.all_account_names()
engineers = dp.engineers(ops.reference())
groups = sorted({e.team for e in engineers})
manager = viewer.role in dp.ASSIGNERS
for form in (NEW, GRAB, ASSIGN, MOVE, CHECK):
    forms.show_flash(form)
if not engineers:
    st.info("not computed: 已发布数据中没有现场工程师（intermediate.int_field_engineer_profiles）；"
            "运行管道后才能抢单或强派。 No field engineers in the published snapshot yet: run the pipeline first.")

pool_tab, mine_tab, new_tab = st.tabs(["派单池 Pool", "工单进度 Orders", "新建派工 New work order"])

with pool_tab:
    waiting = ed.read(dp.pool, viewer)
    st.metric("池中工单 Orders in the pool", f"{len(waiting):,}")
    if waiting:
        ops.table(waiting, ["work_order_no", "team", "dispatch_mode", "service_type", "account_id", "city",
                            "dispatched_at", "grab_deadline"], {"account_id": accounts})
        labels = {w["id"]: f"{w['work_order_no']} · {w['team']} · {w['service_type']} · "
                           f"{accounts.get(w['account_id'], w['account_id'])}" for w in waiting}
        picked = st.selectbox("工单 Work order", list(labels), format_func=labels.get, key="wo_pick")
        order = next(w for w in waiting if w["id"] == picked)
        if order["dispatch_mode"] == "grab" and not manager:
            forms.button(GRAB, "抢单 Grab", lambda: forms.flash(GRAB, "已抢到 Grabbed.") if ed.act(
                GRAB, dp.grab, viewer, picked).ok else None, key="wo_grab_button")
        if manager:
            team_engineers = {e.engineer_id: f"{e.name} ({e.home_city or '?'}; {'/'.join(sorted(e.skills)) or '—'})"
                              for e in engineers if e.team == order["team"]}
            with st.form(ASSIGN):
                forms.form_errors(ASSIGN, ["engineer_id", "status"])
                forms.select(ASSIGN, "engineer_id", "派给 Assign to", [None, *team_engineers], key="wo_engineer",
                             format_func=lambda k: team_engineers.get(k, "—"))
                forms.submit(ASSIGN, "派单 Assign", lambda: forms.flash(ASSIGN, "已派单 Assigned.") if ed.act(
                    ASSIGN, dp.assign, viewer, picked, st.session_state.get("wo_engineer") or "").ok else None)
    if manager:
        forms.button(CHECK, "立即检查超时 Check grab timeouts now", lambda: forms.flash(
            CHECK, "超时检查 Timeout check: {due} due, {force_assigned} forced, {no_engineer_free} waiting".format(
                **ed.act(CHECK, lambda s: dp.force_assign_expired(s)).value or {"due": 0, "force_assigned": 0,
                                                                               "no_engineer_free": 0})),
            key="wo_check_button")

with mine_tab:
    orders = [o for o in ed.read(dp.work_orders, viewer) if o["status"] != "open"
              and (manager or o["engineer_user_id"] == viewer.crm_user_id)]
    if not orders:
        st.info("暂无已派出的工单 No dispatched work orders" + ("" if manager else " of yours") + ".")
    else:
        ops.table(orders, ["work_order_no", "team", "status", "assigned_how", "engineer_id", "service_type",
                           "account_id", "dispatched_at", "accepted_at", "completed_at"], {"account_id": accounts})
        labels = {o["id"]: f"{o['work_order_no']} · {STATUS_WORDS.get(o['status'], o['status'])} · "
                           f"{HOW_WORDS.get(o['assigned_how'], '—')}" for o in orders}
        picked = st.selectbox("工单 Work order", list(labels), format_func=labels.get, key="wo_pick_mine")
        order = next(o for o in orders if o["id"] == picked)
        if order["status"] in dp.PROGRESS:
            with st.form(MOVE):
                forms.form_errors(MOVE, ["status"])
                nxt = dp.PROGRESS[order["status"]][0]
                if nxt == "completed":
                    forms.checkbox(MOVE, "is_first_time_fix", "一次修复 Fixed first time", key="wo_ftf")
                forms.submit(MOVE, f"推进到 Move to {STATUS_WORDS[nxt]}", lambda: forms.flash(MOVE, "已更新 Updated.")
                             if ed.act(MOVE, dp.advance, viewer, picked,
                                       first_time_fix=st.session_state.get("wo_ftf")).ok else None)
        st.subheader("派单过程 Dispatch steps")
        ops.table(ed.read(dp.events, viewer, picked), ["event_time", "event_type", "engineer_id", "actor", "detail"])

with new_tab:
    if not manager:
        st.info("派工由服务经理创建 Service managers create work orders.")
    else:
        with st.form(NEW):
            forms.form_errors(NEW, ["account_id", "service_type", "team"])
            forms.select(NEW, "account_id", "客户 Customer", [None, *sorted(accounts, key=accounts.get)],
                         key="wo_account", format_func=ops.label(accounts))
            forms.select(NEW, "service_type", "服务类型 Service type", list(SERVICE_TYPES), key="wo_type")
            forms.select(NEW, "team", "服务组 Service group", groups or ["现场服务组"], key="wo_team")
            forms.text(NEW, "ticket_no", "工单号 Ticket no (可空 optional)", key="wo_ticket_no")
            forms.submit(NEW, "放入派单池 Put in the pool", lambda: forms.flash(NEW, "已放入派单池 In the pool.") if ed.act(
                NEW, dp.create_work_order, viewer, account_id=st.session_state.get("wo_account"),
                service_type=st.session_state.get("wo_type"), team=st.session_state.get("wo_team"),
                ticket_no=ops.blank_to_none(st.session_state.get("wo_ticket_no"))).ok else None)
