"""Entry point of the crmlake apps: routes to the pages, nothing else."""

import streamlit as st

st.set_page_config(page_title="CRM Lakehouse", page_icon="📊", layout="wide")

pages = {
    "概览 Overview": [
        st.Page("pages/pipeline_status.py", title="Pipeline status 数据状态", icon="🛠️", default=True),
    ],
}
st.navigation(pages).run()
