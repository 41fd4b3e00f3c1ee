"""Commission statements 提成对账单 per person and period, drill-down to lines, export."""

import pandas as pd
import streamlit as st

from apps import auth, exports, row_rules
from apps import finance_data as fin

viewer = auth.require_screen("commissions")
st.title("提成对账单 Commission statements")
statements = fin.commission_statements(viewer)
periods = sorted(statements["period_start"].unique().tolist(), reverse=True)
period = st.selectbox("Period 期间", periods, format_func=lambda d: pd.Timestamp(d).strftime("%Y-%m"))
in_period = statements[statements["period_start"] == period]

c1, c2 = st.columns(2)
c1.metric("Commission 提成合计", f"¥{float(in_period['total_amount'].sum()):,.2f}")
c2.metric("People 人数", f"{len(in_period):,}")
st.dataframe(in_period, hide_index=True, use_container_width=True)

people = in_period.sort_values("user_name")
if not people.empty:
    user_id = st.selectbox(
        "Person 人员", people["user_id"].tolist(),
        format_func=lambda u: f"{people.set_index('user_id').loc[u, 'user_name']} ({people.set_index('user_id').loc[u, 'employee_code']})",
    )
    statement = people[people["user_id"] == user_id].iloc[0]
    st.subheader(f"{statement['user_name']} · {pd.Timestamp(period):%Y-%m} · {statement['status']}")
    st.metric("Statement total 对账单合计", f"¥{float(statement['total_amount']):,.2f}")
    lines = fin.commission_lines(viewer, user_id, pd.Timestamp(period).date())
    st.dataframe(lines, hide_index=True, use_container_width=True)
    name = f"commission_{statement['employee_code']}_{pd.Timestamp(period):%Y-%m}"
    st.download_button("CSV", exports.to_csv(lines), file_name=f"{name}.csv", mime="text/csv")
    st.download_button(
        "XLSX", exports.to_xlsx({"statement": people[people["user_id"] == user_id], "lines": lines}),
        file_name=f"{name}.xlsx", mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )

if row_rules.sees_all(viewer):
    with st.expander("Review list 待复核（不计提成的输入错误）"):
        st.dataframe(fin.commission_review(viewer), hide_index=True, use_container_width=True)
