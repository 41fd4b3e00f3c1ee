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

A login survives a refresh (F5): the login form opens a store session (``operational.web_sessions``)
and the browser keeps its signed token in the cookie ``crmlake_session`` (SameSite=Strict, Secure
over HTTPS, written by a few lines of JavaScript because Streamlit sets no cookies itself). A new
browser session (a refresh, a bookmarked page) resumes from ``st.context.cookies`` through the
same checks as every page run; logout ends the store session and deletes the cookie. The token
never goes into a URL, so no exported or shared link carries it (docs/security.md).
"""

from __future__ import annotations

import datetime as dt
import json

import streamlit as st

from kernel.settings import get_session_settings
from operational import auth as store_auth
from operational import scope, web_sessions
from operational.db import now_local, session_scope
from operational.errors import AuthenticationError
from operational.scope import Viewer
from operational.screens import REGISTRY

VIEWER_KEY = "auth_viewer"
SEEN_KEY = "auth_last_seen"
STARTED_KEY = "auth_started_at"
VERSION_KEY = "auth_credential_version"
MESSAGE_KEY = "auth_message"
SESSION_ID_KEY = "auth_session_id"  # the store session (app_sessions.id) behind this login
COOKIE_KEY = "auth_cookie_pending"  # a token for the browser to keep, "" to delete the cookie
RESUMED_KEY = "auth_resume_tried"  # a browser session tries its cookie once (it never changes within it)
COOKIE = "crmlake_session"

# the dashboards' roles, a view of the one screen registry (operational.screens) that the store checks too
DASHBOARDS: dict[str, tuple[str, ...]] = {s.key: s.roles for s in REGISTRY if s.is_dashboard}


def can_open(viewer: Viewer, screen: str) -> bool:
    """Whether the viewer's role may open a dashboard or an entry screen (``operational.screens``)."""
    return scope.can_open(viewer, screen)


# -- session
def start_session(grant: store_auth.SessionGrant, now: dt.datetime | None = None, *,
                  session_id: int | None = None, token: str | None = None) -> None:
    """Hold a login in this browser session; ``token`` (a new login's) is handed to the browser next run."""
    st.session_state[VIEWER_KEY] = grant.viewer
    st.session_state[VERSION_KEY] = grant.credential_version
    st.session_state[STARTED_KEY] = grant.started_at
    st.session_state[SEEN_KEY] = now or now_local()
    st.session_state[RESUMED_KEY] = True
    if session_id is not None:
        st.session_state[SESSION_ID_KEY] = session_id
    if token is not None:
        st.session_state[COOKIE_KEY] = token
    st.session_state.pop(MESSAGE_KEY, None)


def logout(message: str | None = None) -> None:
    """Forget the login (and every widget value of the session) so the next user starts clean; the
    store session ends, so its token resumes nothing even if the browser kept the cookie."""
    session_id = st.session_state.get(SESSION_ID_KEY)
    if session_id is not None:
        try:
            with session_scope() as session:
                web_sessions.end_session(session, session_id)
        except Exception:  # noqa: BLE001 -- the store is gone: the cookie is deleted below all the same
            pass
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state[RESUMED_KEY] = True  # the request's cookie is stale now: never resume from it
    st.session_state[COOKIE_KEY] = ""
    if message:
        st.session_state[MESSAGE_KEY] = message


def _session_problem(viewer: Viewer, now: dt.datetime) -> str | None:
    """Why this browser session's login may not go on (``operational.web_sessions`` and
    ``operational.auth.session_problem``), or ``None``; fails closed when the store cannot be read."""
    # the login form (start_session) sets every key; a test harness that puts a viewer in the session
    # by hand sets no version, and such a session is held to the timeouts only (session_problem)
    grant = store_auth.SessionGrant(viewer, st.session_state.get(VERSION_KEY),
                                    st.session_state.setdefault(STARTED_KEY, now))
    last_seen = st.session_state.get(SEEN_KEY)
    session_id = st.session_state.get(SESSION_ID_KEY)
    try:
        if session_id is not None:
            with session_scope() as session:
                return web_sessions.check(session, session_id, grant, last_seen, now=now)
        if grant.credential_version is None or viewer.user_id is None:  # nothing to look up
            return store_auth.session_problem(None, grant, now=now, last_seen=last_seen)
        with session_scope(readonly=True) as session:
            return store_auth.session_problem(session, grant, now=now, last_seen=last_seen)
    except Exception as exc:  # noqa: BLE001 -- no store, no session: fail closed, say why
        return f"无法核对登录 The login could not be checked against the store ({type(exc).__name__}); please log in again."


def current_viewer() -> Viewer | None:
    """The logged-in viewer, or ``None``; a session that may not go on is ended (with the reason) first.
    A new browser session without a login resumes the one its cookie names, if that may go on."""
    viewer = st.session_state.get(VIEWER_KEY)
    if viewer is None:
        return resume_from_browser()
    now = now_local()
    problem = _session_problem(viewer, now)
    if problem:
        logout(problem)
        return None
    st.session_state[SEEN_KEY] = now
    return viewer


def browser_token() -> str | None:
    """The session cookie the browser sent when this browser session opened (``None`` outside a browser)."""
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # noqa: BLE001 -- bare mode and AppTest have no request
        return None
    return value if isinstance(value, str) and value else None


def resume_from_browser() -> Viewer | None:
    """Once per browser session: resume the login of the browser's cookie (a refresh, a bookmark)."""
    if st.session_state.get(RESUMED_KEY):
        return None
    st.session_state[RESUMED_KEY] = True
    token = browser_token()
    if token is None:
        return None
    try:
        with session_scope() as session:
            resumed = web_sessions.resume(session, token)
    except Exception as exc:  # noqa: BLE001 -- fail closed, say why
        resumed = f"无法核对登录 The login could not be checked against the store ({type(exc).__name__}); please log in again."
    if isinstance(resumed, str):
        st.session_state[MESSAGE_KEY] = resumed
        st.session_state[COOKIE_KEY] = ""  # a token that failed once never succeeds: drop it
        return None
    start_session(resumed.grant, resumed.last_seen, session_id=resumed.session_id)
    return resumed.grant.viewer


def sync_browser_cookie() -> None:
    """Write (after a login) or delete (after logout or a refused token) the browser's session
    cookie. Call once per run, late: the script runs in the page itself, with the path and
    SameSite=Strict; Secure when served over HTTPS. The token is never put into a URL."""
    token = st.session_state.pop(COOKIE_KEY, None)
    if token is None:
        return
    if token:
        hours = get_session_settings().lifetime_hours
        attributes = f"; Max-Age={hours * 3600}; Path=/; SameSite=Strict"
    else:
        attributes = "; Max-Age=0; Path=/; SameSite=Strict"
    cookie = json.dumps(f"{COOKIE}={token}{attributes}")
    st.html(
        f"<script>document.cookie = {cookie} + (location.protocol === 'https:' ? '; Secure' : '');</script>",
        unsafe_allow_javascript=True,
    )


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


def login(username: str, password: str, source: str | None = None) -> tuple[store_auth.SessionGrant, int, str]:
    """Check the password against the store and open a store session: the grant, the session's id
    and its token; ``AuthenticationError`` with one generic message."""
    with session_scope() as session:
        user = store_auth.authenticate(session, username, password, source=source)
        grant = store_auth.grant_for(user)
        web_sessions.forget_old(session)
        session_id, token = web_sessions.open_session(session, grant, source=source)
        return grant, session_id, token


# -- UI
def login_form() -> None:
    """The login form; on success it starts the session and reruns the app."""
    sync_browser_cookie()  # a logout or a refused token deletes the cookie
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
            grant, session_id, token = login(username, password, client_source())
        except AuthenticationError:
            st.error(store_auth.LOGIN_FAILED)
            return
        except Exception as exc:  # noqa: BLE001 -- no store or no session secret: no login, say why
            st.error(f"登录暂不可用 Logins are unavailable ({type(exc).__name__}); ask an administrator.")
            return
        start_session(grant, session_id=session_id, token=token)
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
