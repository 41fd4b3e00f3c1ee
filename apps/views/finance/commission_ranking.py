"""提成排行 Commission ranking by period: credit and commission, ranked among the people the viewer may see."""

import streamlit as st

from apps import auth, charts, display, url_state
from apps import commission_data as cd

viewer = auth.require_screen("commission_ranking")
st.title("提成排行 Commission ranking")
periods = cd.periods(viewer)
if not periods:
    st.info("暂无提成对账单 No commission statements published yet.")
    st.stop()
url_state.seed("ranking_period", url_state.choice("period", periods, periods[0]), periods)
period = st.selectbox("Period 期间", periods, format_func=charts.month_label, key="ranking_period")
url_state.keep(period=period)
ranked = cd.ranking(viewer, period)
st.caption("排名只在您可查看的人员中计算 Ranks are among the people you may see; 1 = highest.")
c1, c2 = st.columns(2)
c1.metric("Commission 提成合计", display.money(ranked["total_amount"].sum()))
c2.metric("Credit 业绩合计", display.money(ranked["credited_amount"].sum()))
display.table(ranked)
