"""预测提交 Forecast call (sales reps, sales managers; admins read): each week a rep submits commit /
best case for a quarter, prefilled from the computed forecast; a manager submits the call for their
department tree (the override), beside what their reps submitted. Below: the calls as published
(weekly snapshots), submitted vs computed vs ML vs target with the week-over-week change.
A new call reaches the tables with the next pipeline run; the store keeps every submission."""

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from apps import charts, display, sales_data
from apps import entry_data as ed
from apps import forecast_calls_data as data
from apps.auth import require_screen
from apps.components import forms
from apps.components import ops_forms as ops
from operational.workflows import forecast_calls as flows

FORM = "forecast_call"
MONEY_COLUMNS = ("commit_amount", "best_case_amount", "commit_change_wow", "best_case_change_wow",
                 "commit_forecast", "ml_forecast", "target_amount", "reps_commit", "reps_best_case",
                 "reps_commit_change_wow", "manager_commit", "manager_best_case", "manager_commit_change_wow",
                 "override_vs_reps", "team_call_commit", "team_call_change_wow", "computed_commit")
KINDS = dict.fromkeys(MONEY_COLUMNS, display.MONEY)
LABELS = {
    "call_level": "层级 Level", "department_name": "部门 Department", "owner_name": "提交人 By",
    "commit_amount": "承诺 Commit", "best_case_amount": "最佳 Best case", "commit_change_wow": "承诺周环比 Commit WoW",
    "best_case_change_wow": "最佳周环比 Best case WoW", "is_submitted_this_week": "本周提交 This week",
    "submitted_at": "提交时间 Submitted", "note": "备注 Note", "commit_forecast": "系统承诺 Computed commit",
    "ml_forecast": "模型预测 ML", "target_amount": "目标 Target", "reps_commit": "销售提交合计 Reps' commit",
    "reps_best_case": "销售最佳合计 Reps' best case", "reps_commit_change_wow": "销售提交周环比 Reps WoW",
    "manager_name": "经理 Manager", "manager_commit": "经理判断 Manager call",
    "manager_commit_change_wow": "经理判断周环比 Manager WoW", "override_vs_reps": "调整 Override vs reps",
    "team_call_commit": "团队判断 Team call", "team_call_change_wow": "团队判断周环比 Team call WoW",
    "computed_commit": "系统承诺 Computed commit", "reps_with_call": "已提交人数 Reps with a call",
}

viewer = require_screen("forecast_calls")
st.title("预测提交 Forecast call")
reference = ops.reference()
today = dt.date.today()
current = flows.quarter_of(today)
published = [pd.Timestamp(q).date() for q in sales_data.quarters()]
quarters = sorted({*published, current, flows.quarter_of(current + dt.timedelta(days=95))}, reverse=True)
as_of = sales_data.data_end_date() if published else None
as_of = None if as_of is None else pd.Timestamp(as_of).date()
default = sales_data.current_quarter(quarters, as_of) if as_of else current
quarter = st.selectbox("季度 Quarter", quarters, index=quarters.index(default), format_func=display.quarter,
                       key="fc_quarter")

# -- the entry: my call (reps for themselves, managers for a department of their tree)
callable_departments = flows.call_departments(viewer, reference)
if callable_departments:
    names = {int(r["department_id"]): r["department_name"] for r in reference.frame("departments").to_dicts()
             if r["department_id"] in callable_departments}
    home = viewer.department_id if viewer.department_id in names else next(iter(sorted(names)), None)
    department = home
    if viewer.role == "sales_manager" and len(names) > 1:
        options = sorted(names, key=lambda d: (d != home, names[d]))
        department = st.selectbox("部门 Department (the tree your call covers)", options,
                                  format_func=lambda d: names.get(d, str(d)), key="fc_department")
    tree = reference.department_subtree(department) if viewer.role == "sales_manager" else None
    computed = data.computed_for(viewer, quarter, tree)
    st.subheader("我的提交 My call" if viewer.role == "sales_rep" else
                 f"经理判断 Manager call · {names.get(department, department)}")
    cols = st.columns(4)
    for col, (key, label) in zip(cols, [("commit_forecast", "系统承诺 Computed commit"),
                                        ("best_case_forecast", "系统最佳 Computed best case"),
                                        ("ml_forecast", "模型预测 ML forecast"), ("target_amount", "目标 Target")],
                                 strict=True):
        col.metric(label, display.money(computed[key]))
    mine = [r for r in ed.read(flows.list_calls, viewer, quarter_start=quarter, reference=reference)
            if r["owner_id"] == viewer.crm_user_id and r["department_id"] == department]
    if mine:
        last = mine[0]
        st.caption(f"上次提交 Last call {display.moment(last['created_at'])}: 承诺 commit "
                   f"{display.money(last['commit_amount'])} · 最佳 best case {display.money(last['best_case_amount'])}")

    # one set of fields per quarter and department: switching either shows that one's prefill
    suffix = f"{quarter:%Y%m}_{department}"
    KEYS = {"commit_amount": f"fc_commit_{suffix}", "best_case_amount": f"fc_best_case_{suffix}",
            "note": f"fc_note_{suffix}"}

    def _submit() -> None:
        values = forms.values(KEYS)
        done = ed.act(FORM, flows.submit_call, viewer, quarter_start=quarter, department_id=department,
                      reference=reference, **values)
        if done.ok:
            forms.flash(FORM, f"已提交 Call saved: {display.quarter(quarter)} 承诺 commit "
                              f"{display.money(done.value['commit_amount'])}, 最佳 best case "
                              f"{display.money(done.value['best_case_amount'])} (next pipeline run publishes it)")

    forms.show_flash(FORM)
    with st.form(FORM):
        forms.form_errors(FORM, list(KEYS))
        c1, c2 = st.columns(2)
        with c1:  # prefilled from the computed forecast (the system's commit and best case)
            forms.number(FORM, "commit_amount", "承诺 Commit (CNY)", key=KEYS["commit_amount"],
                         value=round(computed["commit_forecast"], 2), min_value=0.0, step=10000.0, format="%.2f")
        with c2:
            forms.number(FORM, "best_case_amount", "最佳 Best case (CNY)", key=KEYS["best_case_amount"],
                         value=round(max(computed["best_case_forecast"], computed["commit_forecast"]), 2),
                         min_value=0.0, step=10000.0, format="%.2f")
        forms.area(FORM, "note", "备注 Note (risks, deals in or out)", key=KEYS["note"])
        forms.submit(FORM, "提交 Submit call", _submit)
else:
    st.info("只有销售和销售经理提交预测 Only sales reps and sales managers submit calls; you see them below.")

# -- the calls as published: weekly snapshots, submitted vs computed vs ML vs target
st.divider()
missing = data.missing_marts()
if missing:
    st.info(f"未计算 Not computed: the published snapshot has no {', '.join(missing)} yet (run the pipeline).")
    st.stop()
weeks = data.weeks(quarter)
if not weeks:
    st.info(f"未计算 Not computed: no calls published for {display.quarter(quarter)} yet "
            f"(a call reaches the tables with the next pipeline run, counted once the snapshot's as-of "
            f"{display.day(as_of) or '—'} reaches its week).")
    st.stop()
week = st.selectbox("周 Week (Monday)", weeks, format_func=display.day, key="fc_week")
departments = data.tree_departments(viewer, reference)
rollup = data.rollup(quarter, departments)
this_week = rollup[pd.to_datetime(rollup["week_start"]).dt.date == week]
if not this_week.empty:
    st.subheader("团队汇总 Roll-up by department tree")
    display.table(this_week[["department_name", "reps_with_call", "reps_commit", "reps_commit_change_wow",
                             "manager_name", "manager_commit", "manager_commit_change_wow", "override_vs_reps",
                             "team_call_commit", "team_call_change_wow", "computed_commit", "ml_forecast",
                             "target_amount"]], labels=LABELS, kinds=KINDS)
    long = rollup.melt(["week_start", "department_name"], ["reps_commit", "manager_commit"],
                       var_name="figure", value_name="amount").dropna(subset=["amount"])
    long["figure"] = long["figure"].map({"reps_commit": "销售提交 Reps", "manager_commit": "经理判断 Manager"})
    charts.show(
        alt.Chart(long).mark_line(point=True).encode(
            x=alt.X("week_start:T", axis=alt.Axis(title="周 Week", format="%m-%d", labelAngle=0)),
            y=alt.Y("amount:Q", axis=charts.money_axis("承诺 Commit")),
            color=charts.colour("figure", None),
            strokeDash=alt.StrokeDash("department_name:N", title="部门"),
            tooltip=[alt.Tooltip("department_name:N", title="部门"), alt.Tooltip("figure:N", title="口径"),
                     alt.Tooltip("week_start:T", title="周", format="%Y-%m-%d"), charts.money_tooltip("amount", "金额")],
        ).properties(height=charts.LINE_HEIGHT),
        key="fc_history",
    )
st.subheader("提交明细 Calls")
display.table(data.calls(viewer, quarter, week), labels=LABELS, kinds=KINDS)
st.caption("周环比 WoW = this week's call minus last week's (a call not resubmitted carries forward). "
           "Computed / ML / target: the published forecast of the quarter as of the snapshot.")
