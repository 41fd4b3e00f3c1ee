"""Login for every page: the login form, logout, session timeout and the viewer of this session.

Logins are the operational store's local users (``operational.auth``: argon2 hashes, lockout);
the session keeps the data layer's ``Viewer`` and the time of the last activity. A page calls
``require_screen(screen)`` first: without a live login it shows the login form and stops; a
role that may not open the screen gets a message and nothing else. Row rules are not applied
here but in the loaders the page calls with the returned viewer.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from operational import auth as store_auth
from operational import scope
from operational.db import now_local, session_scope
from operational.errors import AuthenticationError
from operational.models import ROLES
from operational.scope import Viewer

VIEWER_KEY = "auth_viewer"
SEEN_KEY = "auth_last_seen"
MESSAGE_KEY = "auth_message"
EXPIRED = "会话已超时，请重新登录 Your session timed out after {minutes} minutes without activity; please log in again."

ALL_ROLES = tuple(ROLES)
SALES_VIEW = ("sales_rep", "sales_manager", "finance", "admin")
FINANCE_VIEW = ("sales_rep", "sales_manager", "finance", "admin")
# dashboards (issues 1–6) → roles that may open them; entry screens are in operational.scope.SCREENS
DASHBOARDS: dict[str, tuple[str, ...]] = {
    "pipeline_status": ALL_ROLES,
    "sales_forecast": SALES_VIEW,
    "sales_movement": SALES_VIEW,
    "sales_funnel": SALES_VIEW,
    "sla_board": ("service_agent", "service_manager", "admin"),
    "qa_queue": ("service_manager", "admin"),
    "qa_agents": ("service_agent", "service_manager", "admin"),
    "field_service": ("service_manager", "admin"),
    "requirement_ranking": ("product_manager", "service_manager", "admin"),
    "partner_reconciliation": ("partner_user", "channel_manager", "finance", "admin"),
    "partner_conflicts": ("channel_manager", "admin"),
    "name_review": ("channel_manager", "admin"),
    "ar_aging": FINANCE_VIEW,
    "overdue": FINANCE_VIEW,
    "payment_risk": FINANCE_VIEW,
    "dso": ("finance", "admin"),
    "commissions": FINANCE_VIEW,
}


def can_open(viewer: Viewer, screen: str) -> bool:
    """Whether the viewer's role may open a dashboard or an entry screen."""
    if screen in DASHBOARDS:
        return viewer.role in DASHBOARDS[screen]
    return scope.can_open(viewer, screen)


# -- session
def start_session(viewer: Viewer, now: dt.datetime | None = None) -> None:
    st.session_state[VIEWER_KEY] = viewer
    st.session_state[SEEN_KEY] = now or now_local()
    st.session_state.pop(MESSAGE_KEY, None)


def logout(message: str | None = None) -> None:
    """Forget the login (and every widget value of the session) so the next user starts clean."""
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if message:
        st.session_state[MESSAGE_KEY] = message


def current_viewer() -> Viewer | None:
    """The logged-in viewer, or ``None``; an expired session is ended (with a message) first."""
    viewer = st.session_state.get(VIEWER_KEY)
    if viewer is None:
        return None
    minutes = store_auth.session_timeout_minutes()
    if store_auth.is_expired(st.session_state.get(SEEN_KEY), timeout_minutes=minutes):
        logout(EXPIRED.format(minutes=minutes))
        return None
    st.session_state[SEEN_KEY] = now_local()
    return viewer


def login(username: str, password: str) -> Viewer:
    """Check the password against the store; ``AuthenticationError`` with one generic message."""
    with session_scope() as session:
        user = store_auth.authenticate(session, username, password)
        return store_auth.viewer_for(user)


# -- UI
def login_form() -> None:
    """The login form; on success it starts the session and reruns the app."""
    st.title("登录 Log in")
    message = st.session_state.get(MESSAGE_KEY)
    if message:
        st.warning(message)
    with st.form("login"):
        username = st.text_input("用户名 Username", key="login_username")
        password = st.text_input("密码 Password", type="password", key="login_password")
        submitted = st.form_submit_button("登录 Log in")
    if submitted:
        try:
            viewer = login(username, password)
        except AuthenticationError:
            st.error(store_auth.LOGIN_FAILED)
            return
        start_session(viewer)
        st.rerun()


def require_screen(screen: str) -> Viewer:
    """First call of every page: the viewer if logged in and allowed; otherwise stop the page."""
    viewer = current_viewer()
    if viewer is None:
        login_form()
        st.stop()
    if not can_open(viewer, screen):
        st.error(f"无权访问 Role {viewer.role} may not open this screen ({screen}).")
        st.stop()
    return viewer


def user_box(viewer: Viewer) -> None:
    """Who is logged in, and the logout button, in the sidebar."""
    with st.sidebar:
        st.markdown(f"**{viewer.label}** · `{viewer.role}`")
        st.button("退出 Log out", key="logout", on_click=logout, args=("已退出 Logged out.",))
