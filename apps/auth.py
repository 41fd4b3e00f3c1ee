"""Login for every page: the login form, logout, the session's re-check on every run, and its viewer.

Logins are the operational store's local users (``operational.auth``: argon2 hashes, rate limits
per login, per client source and global). The session keeps the data layer's ``Viewer``, the
login's ``credential_version``, when it started and when it was last active; every page run
re-checks it against the store (``operational.auth.session_problem``: still active, same role,
partner and scope, same version, not idle, not older than its lifetime) and otherwise clears it
and shows the login form with the reason. A page calls ``require_screen(screen)`` first: without
a live login it shows the login form and stops; a role that may not open the screen gets a
message and nothing else. Row rules are not applied here but in the loaders the page calls with
the returned viewer.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from kernel.settings import get_session_settings
from operational import auth as store_auth
from operational import scope
from operational.db import now_local, session_scope
from operational.errors import AuthenticationError
from operational.scope import Viewer
from operational.screens import REGISTRY

VIEWER_KEY = "auth_viewer"
SEEN_KEY = "auth_last_seen"
STARTED_KEY = "auth_started_at"
VERSION_KEY = "auth_credential_version"
MESSAGE_KEY = "auth_message"

# the dashboards' roles, a view of the one screen registry (operational.screens) that the store checks too
DASHBOARDS: dict[str, tuple[str, ...]] = {s.key: s.roles for s in REGISTRY if s.is_dashboard}


def can_open(viewer: Viewer, screen: str) -> bool:
    """Whether the viewer's role may open a dashboard or an entry screen (``operational.screens``)."""
    return scope.can_open(viewer, screen)


# -- session
def start_session(grant: store_auth.SessionGrant, now: dt.datetime | None = None) -> None:
    st.session_state[VIEWER_KEY] = grant.viewer
    st.session_state[VERSION_KEY] = grant.credential_version
    st.session_state[STARTED_KEY] = grant.started_at
    st.session_state[SEEN_KEY] = now or now_local()
    st.session_state.pop(MESSAGE_KEY, None)


def logout(message: str | None = None) -> None:
    """Forget the login (and every widget value of the session) so the next user starts clean."""
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if message:
        st.session_state[MESSAGE_KEY] = message


def current_viewer() -> Viewer | None:
    """The logged-in viewer, or ``None``; a session that may not go on is ended (with the reason) first."""
    viewer = st.session_state.get(VIEWER_KEY)
    if viewer is None:
        return None
    now = now_local()
    # the login form (start_session) sets every key; a test harness that puts a viewer in the session
    # by hand sets no version, and such a session is held to the timeouts only (session_problem)
    grant = store_auth.SessionGrant(viewer, st.session_state.get(VERSION_KEY),
                                    st.session_state.setdefault(STARTED_KEY, now))
    last_seen = st.session_state.get(SEEN_KEY)
    try:
        if grant.credential_version is None or viewer.user_id is None:  # nothing to look up
            problem = store_auth.session_problem(None, grant, now=now, last_seen=last_seen)
        else:
            with session_scope(readonly=True) as session:
                problem = store_auth.session_problem(session, grant, now=now, last_seen=last_seen)
    except Exception as exc:  # noqa: BLE001 -- no store, no session: fail closed, say why
        problem = f"无法核对登录 The login could not be checked against the store ({type(exc).__name__}); please log in again."
    if problem:
        logout(problem)
        return None
    st.session_state[SEEN_KEY] = now
    return viewer


def client_source() -> str | None:
    """The client's address for the login rate limits: the proxy header named by
    ``CRMLAKE_CLIENT_IP_HEADER`` (its last entry, the one the proxy itself added), else the
    connection's address; ``None`` (counted as "unknown") on localhost or when Streamlit has none."""
    try:
        header = get_session_settings().client_ip_header
        value = st.context.headers.get(header) if header else None
        if isinstance(value, str) and value.split(",")[-1].strip():
            return value.split(",")[-1].strip()
        address = getattr(st.context, "ip_address", None)
        return address if isinstance(address, str) and address else None
    except Exception:  # noqa: BLE001 -- outside a browser session (tests, bare mode) there is no context
        return None


def login(username: str, password: str, source: str | None = None) -> store_auth.SessionGrant:
    """Check the password against the store; ``AuthenticationError`` with one generic message."""
    with session_scope() as session:
        user = store_auth.authenticate(session, username, password, source=source)
        return store_auth.grant_for(user)


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
            grant = login(username, password, client_source())
        except AuthenticationError:
            st.error(store_auth.LOGIN_FAILED)
            return
        start_session(grant)
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
