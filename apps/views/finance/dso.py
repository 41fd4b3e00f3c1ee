"""DSO 回款周期 trend by month, with billed and open receivables."""

import altair as alt
import streamlit as st

from apps import auth, charts, display, exports
from apps import finance_data as fin

viewer = auth.require_screen("dso")
st.title("DSO 应收账款周转天数")
st.caption("DSO = open receivables billed by the month-end / billed in the month x days in the month.")
dso = fin.dso_trend(viewer)
latest = dso.dropna(subset=["dso_days"]).tail(1)
if not latest.empty:
    st.metric("Latest DSO 最新", f"{float(latest['dso_days'].iloc[0]):.1f} days")
chart_data = dso.assign(dso_days=dso["dso_days"].astype(float))
charts.show(
    alt.Chart(chart_data).mark_line(point=True).encode(
        x=alt.X("month_end:T", axis=charts.month_axis()), y=alt.Y("dso_days:Q", title="DSO（天）"),
        tooltip=[alt.Tooltip("month_end:T", title="月份", format=charts.MONTH_FORMAT),
                 alt.Tooltip("dso_days:Q", title="DSO（天）", format=".1f")],
    ).properties(height=charts.LINE_HEIGHT),
    key="dso_chart", height=charts.LINE_HEIGHT + 60,
)
display.table(dso)
st.download_button("CSV", exports.to_csv(dso, for_people=True), file_name="dso_monthly.csv", mime="text/csv")
