"""Sessions that survive a refresh, deep links and role home pages (issue 17), by AppTest on a real
SQLite store: the login form hands the browser a signed token (the session cookie); a new browser
session (a refresh) resumes from it while its store session may go on, and never once it expired,
was tampered with, was logged out, or its login was disabled. AppTest cannot send cookies, so the
"browser" here is ``apps.auth.browser_token`` answering with the token the last run wrote."""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from pathlib import Path

import pytest
from app_login import as_viewer, create_login, login, viewer
from streamlit.testing.v1 import AppTest

APPS = Path(__file__).resolve().parents[1] / "apps"
COOKIE_WRITE = re.compile(r'crmlake_session=([^;"]+);')


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A fresh store and lakehouse folder (the session secret is generated into it)."""
    from kernel.settings import get_settings

    settings = get_settings({"CRMLAKE_HOME": str(tmp_path), "CRMLAKE_OPERATIONAL_URL": f"sqlite:///{tmp_path / 'ops.sqlite'}"})
    for key, value in settings.as_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("CRMLAKE_SESSION_SECRET", raising=False)
    monkeypatch.delenv("CRMLAKE_SESSION_SECRET_FILE", raising=False)
    monkeypatch.syspath_prepend(str(APPS))
    return settings


class Browser:
    """The cookie jar of one browser: what the apps wrote last (``document.cookie = ...``)."""

    def __init__(self, monkeypatch):
        self.cookie: str | None = None
        from apps import auth

        monkeypatch.setattr(auth, "browser_token", lambda: self.cookie)

    def keep(self, at: AppTest) -> None:
        for element in at.get("html"):
            body = getattr(element, "proto", None)
            text = body.body if body is not None else ""
            if "crmlake_session=" not in text:
                continue
            found = COOKIE_WRITE.search(text)
            self.cookie = found.group(1) if found and "Max-Age=0" not in text else None

    def open(self, url_page: str | None = None) -> AppTest:
        """A new browser session (F5): the app from scratch, at ``url_page`` if given."""
        at = AppTest.from_file(str(APPS / "Home.py"), default_timeout=60)
        if url_page:
            at.switch_page(str(APPS / url_page))
        at.run()
        self.keep(at)
        return at


def _logged_in_as(at: AppTest) -> str | None:
    who = at.session_state["auth_viewer"] if "auth_viewer" in at.session_state else None
    return who.username if who is not None else None


def _login(browser: Browser, username: str) -> AppTest:
    at = browser.open()
    login(at, username)
    browser.keep(at)
    assert not at.exception
    return at


def test_a_refresh_keeps_the_login_and_logout_revokes_the_token(env, monkeypatch):
    create_login("rep1", "sales_rep", crm_user_id=1)
    browser = Browser(monkeypatch)
    at = _login(browser, "rep1")
    assert _logged_in_as(at) == "rep1"
    assert browser.cookie and browser.cookie.startswith("v1.")
    token = browser.cookie

    again = browser.open()  # F5
    assert not again.exception and _logged_in_as(again) == "rep1" and not again.text_input

    again.button(key="logout").click().run()
    browser.keep(again)
    assert _logged_in_as(again) is None and browser.cookie is None  # the cookie is deleted
    browser.cookie = token  # a copy of the token taken before the logout resumes nothing
    stolen = browser.open()
    assert _logged_in_as(stolen) is None and stolen.text_input(key="login_username")
    assert any("已结束" in w.value for w in stolen.warning)


def test_a_tampered_or_foreign_token_is_refused(env, monkeypatch):
    from operational.web_sessions import TOKEN_INVALID, make_token

    create_login("rep1", "sales_rep", crm_user_id=1)
    admin = create_login("admin1", "admin")
    browser = Browser(monkeypatch)
    _login(browser, "rep1")
    version, key, user_id, expires, signature = browser.cookie.split(".")
    for forged in (
        ".".join([version, key, str(admin.user_id), expires, signature]),  # another login, old signature
        ".".join([version, key, user_id, str(int(expires) + 3600), signature]),  # a longer life
        ".".join([version, key, user_id, expires, signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")]),
        make_token(key, admin.user_id, int(expires), secret=b"x" * 40),  # signed with a guessed secret
    ):
        browser.cookie = forged
        at = browser.open()
        assert _logged_in_as(at) is None, forged
        assert [w.value for w in at.warning] == [TOKEN_INVALID]


def test_an_expired_or_idle_token_is_refused(env, monkeypatch):
    from operational.db import now_local, session_scope
    from operational.models.sessions import AppSession
    from operational.web_sessions import TOKEN_EXPIRED, read_token

    create_login("rep1", "sales_rep", crm_user_id=1)
    browser = Browser(monkeypatch)
    _login(browser, "rep1")
    token = browser.cookie
    expires = int(token.split(".")[3])
    assert read_token(token, now=expires + 1) == TOKEN_EXPIRED
    assert isinstance(read_token(token, now=expires - 60), tuple)

    monkeypatch.setenv("CRMLAKE_SESSION_TIMEOUT_MINUTES", "30")
    with session_scope() as session:  # the browser was closed 31 minutes ago
        for row in session.query(AppSession):
            row.last_seen_at = now_local() - dt.timedelta(minutes=31)
    at = browser.open()
    assert _logged_in_as(at) is None
    assert any("timed out after 30 minutes" in w.value for w in at.warning)
    browser.cookie = token  # once refused, for good
    assert _logged_in_as(browser.open()) is None


def test_disabling_the_login_or_changing_its_role_ends_the_saved_session(env, monkeypatch):
    import sqlalchemy as sa

    from operational.db import session_scope
    from operational.models import AppUser

    create_login("rep1", "sales_rep", crm_user_id=1)
    browser = Browser(monkeypatch)
    _login(browser, "rep1")
    token = browser.cookie
    with session_scope() as session:  # changed directly in the database: no credential_version bump
        session.execute(sa.update(AppUser).where(AppUser.username == "rep1").values(role="finance"))
    at = browser.open()
    assert _logged_in_as(at) is None and any("sales_rep" in w.value and "finance" in w.value for w in at.warning)

    create_login("rep2", "sales_rep", crm_user_id=2)
    _login(browser, "rep2")
    live = browser.open()
    assert _logged_in_as(live) == "rep2"
    with session_scope() as session:
        session.execute(sa.update(AppUser).where(AppUser.username == "rep2").values(is_active=False))
    assert _logged_in_as(browser.open()) is None
    live.run()  # the browser session that is still open ends at its next run too
    assert _logged_in_as(live) is None and any("停用" in w.value for w in live.warning)
    assert token != browser.cookie


def test_the_session_secret_is_generated_once_private_and_never_in_the_repo(env):
    from operational import web_sessions

    first = web_sessions.session_secret()
    path = web_sessions.secret_path()
    assert path.is_relative_to(env.lakehouse_dir) and not path.is_relative_to(APPS.parent / "apps")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert web_sessions.session_secret() == first and len(first) >= 32
    os.chmod(path, 0o644)
    with pytest.raises(PermissionError, match="chmod 600"):
        web_sessions.session_secret()


def _empty_forecast(settings) -> None:
    """A published snapshot whose forecast is empty: the forecast page says so and stops."""
    import duckdb

    settings.published_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.published_database)) as con:
        con.execute("create schema sales; create table sales.forecast (quarter_start date)")


def _data_missing_only(at: AppTest) -> bool:
    """No exception, or only the one of a page reading a table this test did not publish."""
    missing = ("IOException", "FileNotFoundError", "CatalogException")  # no snapshot, or no such table
    return all(e.proto.type.rsplit(".", 1)[-1] in missing for e in at.exception)


def test_a_deep_link_shows_the_login_and_then_the_page(env, monkeypatch):
    _empty_forecast(env)
    create_login("manager1", "sales_manager", crm_user_id=1)
    browser = Browser(monkeypatch)
    at = browser.open("views/sales/forecast.py")  # /forecast, logged out
    assert not at.exception and at.text_input(key="login_username")
    assert [t.value for t in at.title] == ["登录 Log in"]
    login(at, "manager1")
    assert not at.exception
    assert any("Forecast" in t.value or "预测" in t.value for t in at.title), [t.value for t in at.title]


def test_a_deep_link_the_role_may_not_open_lands_home_with_a_message(env, monkeypatch):
    create_login("partner1", "partner_user", partner_id=7)
    browser = Browser(monkeypatch)
    at = browser.open("views/sales/forecast.py")
    login(at, "partner1")
    assert _data_missing_only(at), [e.proto.type for e in at.exception]
    assert any("无权打开" in w.value for w in at.warning), [w.value for w in at.warning]
    assert any("对账" in t.value for t in at.title), [t.value for t in at.title]


@pytest.mark.parametrize(
    ("role", "title"),
    [("sales_rep", "我的工作台"), ("sales_manager", "预测"), ("finance", "账龄"), ("service_agent", "SLA"),
     ("partner_user", "对账"), ("admin", "Pipeline status")],
)
def test_each_role_lands_on_its_home_page(env, role, title):
    at = as_viewer(AppTest.from_file(str(APPS / "Home.py"), default_timeout=60),
                   viewer(role, crm_user_id=1, partner_id=1 if role == "partner_user" else None))
    at.run()
    assert _data_missing_only(at)  # the pages' own empty-snapshot answers are not this test's
    assert any(title in t.value for t in at.title), [t.value for t in at.title]


def test_every_role_has_a_home_it_may_open_and_only_admins_see_pipeline_status(env):
    from operational import scope
    from operational.models import ROLES
    from operational.screens import home_of

    for role in ROLES:
        assert scope.can_open(viewer(role, partner_id=1), home_of(role).key), role
    assert [r for r in ROLES if scope.can_open(viewer(r, partner_id=1), "pipeline_status")] == ["admin"]
    page = AppTest.from_file(str(APPS / "views" / "pipeline_status.py"), default_timeout=60)
    as_viewer(page, viewer("finance")).run()
    assert any("may not open" in e.value for e in page.error) and not page.metric and not page.warning


def test_the_reps_home_links_to_the_deals_and_alerts_and_runs_on_its_own(env):
    at = as_viewer(AppTest.from_file(str(APPS / "Home.py"), default_timeout=60), viewer("sales_rep", crm_user_id=1))
    at.run()
    assert not at.exception
    assert any("尚无发布数据" in i.value for i in at.info) and any("暂无待办" in i.value for i in at.info)
    assert len(at.get("page_link")) == 2
    alone = as_viewer(AppTest.from_file(str(APPS / "views" / "my_work.py"), default_timeout=60),
                      viewer("sales_rep", crm_user_id=1))
    alone.run()
    assert not alone.exception and not alone.get("page_link")
