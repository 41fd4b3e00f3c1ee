"""Conflicts 撞单 for channel managers: two owners chasing one resolved company."""

import partner_data as data
import streamlit as st

st.title("Conflicts 撞单")
viewer = data.viewer_control()
if viewer.is_partner:
    st.warning("The conflicts list is for channel managers. 仅渠道经理可见。")
    st.stop()
conflicts = data.conflicts(viewer)
c1, c2 = st.columns(2)
c1.metric("Conflicts 撞单数", f"{len(conflicts):,}")
c2.metric("Companies 涉及公司", f"{conflicts['company_key'].nunique():,}" if len(conflicts) else "0")
st.dataframe(conflicts, hide_index=True, use_container_width=True)
st.subheader("Deal registrations 报备")
st.dataframe(data.deal_registrations(viewer), hide_index=True, use_container_width=True)
