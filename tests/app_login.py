"""Log an AppTest in: a real login in the store (``login``) or a viewer put in the session (``as_viewer``).

The pages read the logged-in viewer from ``st.session_state`` (apps/auth.py); tests of the
dashboards' figures set it directly, the login tests go through the form.
"""

from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest

PASSWORD = "test-password-1"


def viewer(role: str = "admin", *, username: str | None = None, crm_user_id: int | None = None,
           department_id: int | None = None, partner_id: int | None = None, user_id: int | None = None):
    """A data-layer viewer without a stored login (dashboards' row rules only need the viewer)."""
    from operational.scope import Viewer

    return Viewer(user_id=user_id, username=username or role, role=role, crm_user_id=crm_user_id,
                  department_id=department_id, partner_id=partner_id, display_name=username or role)


def as_viewer(at: AppTest, who, last_seen: dt.datetime | None = None) -> AppTest:
    """Put ``who`` in the session as the logged-in viewer, active at ``last_seen`` (default now)."""
    from operational.db import now_local

    at.session_state["auth_viewer"] = who
    at.session_state["auth_last_seen"] = last_seen or now_local()
    return at


def create_login(username: str, role: str, password: str = PASSWORD, **kwargs):
    """A stored login in the store at ``CRMLAKE_OPERATIONAL_URL``; its viewer."""
    from operational.auth import create_user, viewer_for
    from operational.db import session_scope

    with session_scope() as session:
        return viewer_for(create_user(session, username, password, role, **kwargs))


def login(at: AppTest, username: str, password: str = PASSWORD) -> AppTest:
    """Fill in and submit the login form (the page must show it)."""
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    at.button[0].click().run()
    return at
