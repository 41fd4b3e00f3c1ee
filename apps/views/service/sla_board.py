"""SLA board: open tickets, breached or about to breach first (service managers). A click on a
status lists its tickets with customer and agent; the metric and status are kept in the address."""

import altair as alt
import streamlit as st

from apps import auth, charts, customer360_data, display, url_state
from apps import service_data as data

viewer = auth.require_screen("sla_board")
st.title("SLA 看板 SLA board")
METRICS = ["first_response", "next_response", "resolution"]
url_state.seed("sla_metric", url_state.choice("metric", METRICS, "resolution"), METRICS)
metric = st.selectbox("指标 Metric", METRICS, format_func=display.code, key="sla_metric")
board = data.sla_board(viewer, metric)
as_of = board["as_of_at"].max() if not board.empty else None
st.caption(f"截至 As of {display.moment(as_of)} · business minutes on the service calendar (holidays, 调休 included)")

c1, c2, c3 = st.columns(3)
c1.metric("未结计时 Open clocks", display.count(len(board)))
c2.metric("已违约 Breached (open)", display.count((board["sla_status"] == "breached_open").sum()))
c3.metric("4 小时内到期 Due within 4 business h", display.count((board["remaining_minutes"] <= 240).sum()))

status = None
if not board.empty:
    by_status = board.groupby("sla_status", as_index=False).size().rename(columns={"size": "tickets"})
    by_status["label"] = by_status["sla_status"].map(display.code)
    st.caption("点击一个状态查看其工单 Click a status to list its tickets.")
    clicked = charts.show(
        charts.bars(by_status, "sla_status", "tickets", value_title="工单数", name="status_pick", label="label",
                    colour_by=charts.status_colour("sla_status", by_status["sla_status"])),
        key="sla_status_chart", name="status_pick", field="sla_status",
    )
    statuses = url_state.allowed(by_status["sla_status"])
    url_state.seed("sla_status", url_state.choice("status", statuses, url_state.ALL), [url_state.ALL, *statuses])
    url_state.follow("sla_status", clicked, statuses)
    status = url_state.unless_all(st.selectbox("SLA 状态 Status", [url_state.ALL, *statuses], key="sla_status",
                                               format_func=url_state.all_or(display.code)))
url_state.keep(metric=metric, status=status)
shown = board if status is None else board[board["sla_status"] == status]
if status is not None:
    st.subheader(f"{display.code(status)} · {display.count(len(shown))} 张工单 tickets")
display.table(customer360_data.with_links(shown.drop(columns=["as_of_at"])))

st.subheader("达成率 Attainment")
DIMENSIONS = ["team", "agent_name", "channel", "priority", "period_month"]
url_state.seed("sla_by", url_state.choice("by", DIMENSIONS, "team"), DIMENSIONS)
dimension = st.selectbox("按 By", DIMENSIONS, format_func=display.column_label, key="sla_by")
url_state.keep(by=dimension)
att = data.sla_attainment_by(viewer, dimension)
shown_att = att.assign(metric_label=att["metric"].map(display.code))
if dimension == "period_month":
    shown_att[dimension] = shown_att[dimension].map(charts.month_label)
elif dimension == "priority":
    shown_att[dimension] = shown_att[dimension].map(display.code)
charts.show(
    alt.Chart(shown_att).mark_bar().encode(
        x=alt.X("attainment_rate:Q", axis=charts.percent_axis("达成率")),
        y=alt.Y(f"{dimension}:N", axis=charts.category_axis(None)),
        color=charts.colour("metric_label", "指标", [display.code(m) for m in METRICS]),
        yOffset="metric_label:N",
        tooltip=[alt.Tooltip(f"{dimension}:N", title=display.column_label(dimension)),
                 alt.Tooltip("metric_label:N", title="指标"),
                 alt.Tooltip("attainment_rate:Q", title="达成率", format=".1%"),
                 alt.Tooltip("met:Q", title="达成", format=",d"), alt.Tooltip("breached:Q", title="违约", format=",d")],
    ),
    key="sla_attainment_chart",
)
display.table(att)
