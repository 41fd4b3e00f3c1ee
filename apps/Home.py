"""Entry point of the crmlake apps: login, then routes to the pages the viewer's role may open.

Only routes: which pages exist, their titles, sections and roles are the screen registry's
(``operational.screens``).
"""

import streamlit as st

from apps import auth
from operational.screens import menu

st.set_page_config(page_title="CRM Lakehouse", page_icon="📊", layout="wide")

viewer = auth.current_viewer()
if viewer is None:
    st.navigation([st.Page(auth.login_form, title="登录 Log in", icon="🔐")]).run()
    st.stop()

auth.user_box(viewer)
# the menu, pages and roles come from the screen registry (operational.screens)
sections = {
    section: [
        st.Page(s.page, title=s.title, icon=s.icon, default=s.key == "pipeline_status")
        for s in screens
        if auth.can_open(viewer, s.key)
    ]
    for section, screens in menu().items()
}
st.navigation({name: pages for name, pages in sections.items() if pages}).run()
