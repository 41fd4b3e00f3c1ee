"""Company-name resolution review list 客户名称待复核."""

import partner_data as data
import streamlit as st

st.title("Name resolution review 客户名称复核")
viewer = data.viewer_control()
if viewer.is_partner:
    st.warning("The review list is for channel managers and data stewards. 仅渠道经理可见。")
    st.stop()
review = data.review_list(viewer)
st.metric("Names to review 待复核名称", f"{len(review):,}")
st.dataframe(review, hide_index=True, use_container_width=True)
