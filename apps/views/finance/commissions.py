"""Commission statements 提成对账单 per person and period, drill-down to lines, export."""

import pandas as pd
import streamlit as st

from apps import auth, charts, display, exports, row_rules, url_state
from apps import finance_data as fin

viewer = auth.require_screen("commissions")
st.title("提成对账单 Commission statements")
statements = fin.commission_statements(viewer)
periods = sorted(statements["period_start"].unique().tolist(), reverse=True)
if not periods:
    st.info("暂无提成对账单 No commission statements published yet.")
    st.stop()
url_state.seed("commission_period", url_state.choice("period", periods, periods[0]), periods)
period = st.selectbox("Period 期间", periods, format_func=charts.month_label, key="commission_period")
url_state.keep(period=period)
in_period = statements[statements["period_start"] == period]

c1, c2 = st.columns(2)
c1.metric("Commission 提成合计", display.money(in_period["total_amount"].sum()))
c2.metric("People 人数", display.count(len(in_period)))
display.table(in_period)
if not in_period.empty:  # the whole period in one workbook: a summary sheet and every line with its person
    everyone = fin.commission_period_lines(viewer, pd.Timestamp(period).date())
    st.download_button(
        "全部对账单 XLSX All statements of the period",
        exports.to_statements_xlsx(in_period, everyone, fin.PERSON_COLUMNS),
        file_name=f"{exports.file_stem(f'提成对账单_{pd.Timestamp(period):%Y-%m}_全部')}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="commission_all_xlsx",
    )

people = in_period.sort_values("user_name")
if not people.empty:
    user_id = st.selectbox(
        "Person 人员", people["user_id"].tolist(),
        format_func=lambda u: f"{people.set_index('user_id').loc[u, 'user_name']} ({people.set_index('user_id').loc[u, 'employee_code']})",
    )
    statement = people[people["user_id"] == user_id].iloc[0]
    st.subheader(f"{statement['user_name']} · {charts.month_label(period)} · {display.code(statement['status'])}")
    st.metric("Statement total 对账单合计", display.money(statement["total_amount"]))
    lines = fin.commission_lines(viewer, user_id, pd.Timestamp(period).date())
    display.table(lines)
    name = f"commission_{statement['employee_code']}_{pd.Timestamp(period):%Y-%m}"
    st.download_button("CSV", exports.to_csv(lines, for_people=True), file_name=f"{name}.csv", mime="text/csv")
    st.download_button(
        "XLSX", exports.to_xlsx({"对账单 statement": people[people["user_id"] == user_id], "明细 lines": lines},
                                 for_people=True),
        file_name=f"{name}.xlsx", mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )

if row_rules.sees_all(viewer):
    with st.expander("Review list 待复核（不计提成的输入错误）"):
        display.table(fin.commission_review(viewer), show_ids=["record_id"])
