"""Conflicts 撞单 for channel managers: two owners chasing one resolved company."""

import streamlit as st

from apps import auth, customer360_data, display
from apps import partner_data as data

viewer = auth.require_screen("partner_conflicts")
st.title("Conflicts 撞单")
conflicts = data.conflicts(viewer)
c1, c2 = st.columns(2)
c1.metric("Conflicts 撞单数", display.count(len(conflicts)))
c2.metric("Companies 涉及公司", f"{conflicts['company_key'].nunique():,}" if len(conflicts) else "0")
display.table(customer360_data.with_links(conflicts), kinds={"conflict_key": display.ID})
st.subheader("Deal registrations 报备")
display.table(customer360_data.with_links(data.deal_registrations(viewer)))
