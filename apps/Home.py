"""Entry point of the crmlake apps: login, then routes to the pages the viewer's role may open.

Only routes: which pages exist, their titles, sections and roles are the screen registry's
(``operational.screens``); which of them a viewer gets, and what answers at the URLs of the
others, is ``apps.navigation``'s. A refresh or a bookmark resumes the login from the browser's
session cookie (``apps.auth``).
"""

import streamlit as st

from apps import auth, navigation

st.set_page_config(page_title="CRM Lakehouse", page_icon="📊", layout="wide")

viewer = auth.current_viewer()
if viewer is None:
    st.navigation(navigation.logged_out_pages(auth.login_form), position="hidden").run()
    st.stop()

auth.user_box(viewer)
# every section open: finance's entry screens must not hide behind Streamlit's "View N more"
menu = navigation.logged_in_pages(viewer)
page = st.navigation(menu.sections, expanded=True)
if page.visibility == "hidden":  # a stand-in sends the viewer to another page (a new run) first
    page.run()
auth.sync_browser_cookie()  # in the run that stays, so the browser gets to run it
navigation.show_message()
waiting = navigation.needs_a_snapshot(menu, page)
if waiting is not None:
    navigation.nothing_published(waiting)
else:
    page.run()
