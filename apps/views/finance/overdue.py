"""Overdue 逾期预警: one warning per overdue installment, addressed to its owner."""

import streamlit as st

from apps import auth, customer360_data, display, exports, url_state
from apps import finance_data as fin

viewer = auth.require_screen("overdue")
st.title("逾期预警 Overdue warnings")
warnings = fin.overdue_warnings(viewer)
owners = [url_state.ALL, *sorted(warnings["owner_name"].dropna().unique().tolist())]
url_state.seed("overdue_owner", url_state.choice("owner", owners, url_state.ALL), owners)
owner = st.selectbox("Owner 回款负责人", owners, key="overdue_owner", format_func=url_state.all_or(str))
url_state.keep(owner=url_state.unless_all(owner))
shown = warnings if owner == url_state.ALL else warnings[warnings["owner_name"] == owner]

c1, c2 = st.columns(2)
c1.metric("Warnings 预警数", display.count(len(shown)))
c2.metric("Overdue open 逾期未回款", display.money(shown["open_amount"].sum()))
display.table(customer360_data.with_links(shown))
st.download_button("CSV", exports.to_csv(shown, for_people=True), file_name="overdue_warnings.csv", mime="text/csv")
