"""Sales forecast versus target by department / rep / quarter (weighted, commit, best case, ML),
with the drill-down to the opportunity list."""

import altair as alt
import streamlit as st

from apps import auth, charts, customer360_data, display, url_state
from apps import sales_data as data

viewer = auth.require_screen("sales_forecast")
st.title("Forecast 销售预测")

quarters = data.quarters()
if not quarters:
    st.warning("No sales forecast published yet. Run `make run`.")
    st.stop()

end = data.data_end_date()
current = data.current_quarter(quarters, end)
ALL = "(all 全部)"
c1, c2, c3 = st.columns(3)
url_state.seed("forecast_quarter", url_state.choice("quarter", quarters, current), quarters)
quarter = c1.selectbox("Quarter 季度", quarters, format_func=display.quarter, key="forecast_quarter")
frame = data.forecast(viewer, quarter)
departments = [ALL, *sorted(frame["department_name"].dropna().unique())]
url_state.seed("forecast_department", url_state.choice("department", departments, ALL), departments)
department = c2.selectbox("Department 部门", departments, key="forecast_department")
if department != ALL:
    frame = frame[frame["department_name"] == department]
owners = [ALL, *sorted(frame["owner_name"].dropna().unique())]
url_state.seed("forecast_owner", url_state.choice("owner", owners, ALL), owners)
owner = c3.selectbox("Owner 负责人", owners, key="forecast_owner")
if owner != ALL:
    frame = frame[frame["owner_name"] == owner]
url_state.keep(quarter=quarter, department=None if department == ALL else department, owner=None if owner == ALL else owner)

FIGURES = {
    "target_amount": "Target 目标",
    "closed_won": "Closed won 已赢单",
    "weighted_forecast": "Weighted 加权",
    "commit_forecast": "Commit 承诺",
    "best_case_forecast": "Best case 最佳",
    "ml_forecast": "ML forecast 模型预测",
}
totals = {col: float(frame[col].sum()) for col in FIGURES}
# two rows of three: six full ¥ figures side by side were cut off ("¥15,68…") at 1440 px
cols = [*st.columns(3), *st.columns(3)]
for col, (key, label) in zip(cols, FIGURES.items(), strict=True):
    col.metric(label, display.money(totals[key]))
version = frame["model_version"].dropna()
st.caption(
    f"As of 截至 {end}. ML model version 模型版本: {version.iloc[0] if len(version) else 'n/a'}. "
    "Weighted = closed won + open × stage probability; ML = closed won + open × ML win probability + run-rate."
)

st.subheader("By department 按部门")
by_dept = frame.groupby("department_name", as_index=False)[list(FIGURES)].sum()
display.table(by_dept, labels=FIGURES)
long = by_dept.melt("department_name", var_name="figure", value_name="amount")
long["figure"] = long["figure"].map(FIGURES)
# grouped horizontal bars, one group per department: labels stay horizontal and whole, and the
# chart fits a phone (the small multiples' 90° labels were cut to "ML forecast 模型…")
charts.show(
    alt.Chart(long).mark_bar().encode(
        y=alt.Y("department_name:N", axis=charts.category_axis(None)),
        yOffset=alt.YOffset("figure:N", sort=list(FIGURES.values())),
        x=alt.X("amount:Q", axis=charts.money_axis("金额")),
        color=charts.colour("figure", None, FIGURES.values()),
        tooltip=[alt.Tooltip("department_name:N", title="部门"), alt.Tooltip("figure:N", title="口径"),
                 charts.money_tooltip("amount", "金额")],
    ),
    key="forecast_chart",
)

st.subheader("By rep 按销售")
by_rep = frame.groupby(["department_name", "owner_name"], as_index=False)[list(FIGURES)].sum()
by_rep["attainment"] = (by_rep["closed_won"] / by_rep["target_amount"].where(by_rep["target_amount"] > 0)).round(4)
display.table(by_rep.sort_values("target_amount", ascending=False), labels=FIGURES)

st.subheader("Opportunities 商机明细")
opps = data.opportunities(viewer, None if department == ALL else department,
                          None if owner == ALL else owner, closing=data.quarter_bounds(quarter))
display.table(customer360_data.with_links(opps))
