"""Overdue 逾期预警: one warning per overdue installment, addressed to its owner."""

import streamlit as st

from apps import auth, exports
from apps import finance_data as fin

viewer = auth.require_screen("overdue")
st.title("逾期预警 Overdue warnings")
warnings = fin.overdue_warnings(viewer)
owners = sorted(warnings["owner_name"].dropna().unique().tolist())
owner = st.selectbox("Owner 回款负责人", ["(all 全部)", *owners])
shown = warnings if owner == "(all 全部)" else warnings[warnings["owner_name"] == owner]

c1, c2 = st.columns(2)
c1.metric("Warnings 预警数", f"{len(shown):,}")
c2.metric("Overdue open 逾期未回款", f"¥{float(shown['open_amount'].sum()):,.2f}")
st.dataframe(shown, hide_index=True, use_container_width=True)
st.download_button("CSV", exports.to_csv(shown), file_name="overdue_warnings.csv", mime="text/csv")
