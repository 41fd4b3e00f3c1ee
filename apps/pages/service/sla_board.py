"""SLA board: open tickets, breached or about to breach first (service managers)."""

import altair as alt
import streamlit as st

from apps import auth, display
from apps import service_data as data

viewer = auth.require_screen("sla_board")
st.title("SLA 看板 SLA board")
metric = st.selectbox("指标 Metric", ["first_response", "next_response", "resolution"], index=2, format_func=display.code)
board = data.sla_board(viewer, metric)
as_of = board["as_of_at"].max() if not board.empty else None
st.caption(f"截至 As of {display.moment(as_of)} · business minutes on the service calendar (holidays, 调休 included)")

c1, c2, c3 = st.columns(3)
c1.metric("未结计时 Open clocks", int(len(board)))
c2.metric("已违约 Breached (open)", int((board["sla_status"] == "breached_open").sum()))
c3.metric("4 小时内到期 Due within 4 business h", int((board["remaining_minutes"] <= 240).sum()))

display.table(board.drop(columns=["as_of_at"]))

st.subheader("达成率 Attainment")
dimension = st.selectbox("按 By", ["team", "agent_name", "channel", "priority", "period_month"], format_func=display.column_label)
att = data.sla_attainment_by(viewer, dimension)
st.altair_chart(
    alt.Chart(att).mark_bar().encode(
        x=alt.X("attainment_rate:Q", axis=alt.Axis(format="%")), y=alt.Y(f"{dimension}:N"),
        color="metric:N", yOffset="metric:N", tooltip=list(att.columns),
    ),
    use_container_width=True,
)
display.table(att)
