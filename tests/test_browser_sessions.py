"""Sessions and deep links in a real browser (issue 17): a bookmarked /forecast shows the login (no
"Page not found") and then the forecast; a refresh (F5) keeps the login; a page the role may not open
lands on the role's home page with a message; logout, then F5, shows the login again; the session
cookie is SameSite=Strict and no URL carries the token; no "Deploy" in the toolbar.

Chromium (the system package, driven by Playwright) talks to `streamlit run apps/Home.py` on
127.0.0.1 with a fresh lakehouse folder and store: nothing is published, which the dashboards say.
"""

from __future__ import annotations

import pytest
from browser import chromium
from browser.streamlit_page import click, fill, screenshots_on_failure, wait_idle
from browser.streamlit_server import streamlit_app

pytestmark = pytest.mark.slow

PASSWORD = "browser-session-pw-1"
LOGIN_TITLE = "登录 Log in"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The apps on a fresh lakehouse with one sales rep; yields (base URL, lakehouse home)."""
    from kernel.settings import get_settings
    from operational.auth import create_user
    from operational.db import session_scope

    home = tmp_path_factory.mktemp("browser_sessions")
    settings = get_settings({"CRMLAKE_HOME": str(home)})
    with session_scope(settings.operational_url) as session:
        create_user(session, "rep1", PASSWORD, "sales_rep", crm_user_id=1, display_name="销售一")
    env = {**settings.as_env(), "DO_NOT_TRACK": "1", "CRMLAKE_SESSION_TIMEOUT_MINUTES": "30"}
    with streamlit_app(env, home / "streamlit.log") as url:
        yield url, home


def _heading(page) -> str:
    page.wait_for_selector("h1", timeout=30_000)
    return page.locator("h1").first.inner_text()


def _shows(page, heading: str) -> bool:
    """Wait until the page's heading contains ``heading`` (a rerun may take a few seconds)."""
    page.locator("h1", has_text=heading).first.wait_for(timeout=30_000)
    wait_idle(page)
    return True


def _open(page, url: str) -> None:
    page.goto(url)
    wait_idle(page)


def _session_cookie(context):
    return next((c for c in context.cookies() if c["name"] == "crmlake_session"), None)


def test_refresh_deep_link_and_logout_in_the_browser(served):
    from playwright.sync_api import sync_playwright

    url, home = served
    chromium.require_chromium()
    with sync_playwright() as playwright:
        browser = chromium.launch(playwright)
        # the server's very first connection is the deep link (apps/views, not apps/pages: no old
        # pages-folder navigation answering "Page not found")
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        with screenshots_on_failure(page, home / "failures", "sessions"):
            # a bookmarked page while logged out: the login form, at that URL
            _open(page, f"{url}/forecast?dept=east")  # a shared view: its filters ride in the URL
            assert _heading(page) == LOGIN_TITLE
            assert page.get_by_text("Page not found").count() == 0
            assert page.get_by_role("button", name="Deploy").count() == 0
            fill(page, "用户名 Username", "rep1")
            fill(page, "密码 Password", PASSWORD)
            click(page, LOGIN_TITLE)
            assert _shows(page, "预测") and page.url.endswith("/forecast?dept=east"), page.url
            cookie = _session_cookie(context)
            assert cookie and cookie["value"].startswith("v1.") and cookie["sameSite"] == "Strict"
            assert cookie["value"] not in page.url

            # F5 keeps the login and the page
            page.reload()
            assert _shows(page, "预测")
            assert page.get_by_role("button", name="退出 Log out").count() == 1

            # a page the rep may not open: home (my pipeline and tasks) with a message
            _open(page, f"{url}/pipeline_status")
            assert _shows(page, "我的工作台")
            assert page.get_by_text("无权打开").count() >= 1
            # the menu has no folded sections ("View N more")
            assert page.get_by_role("button", name="View").count() == 0

            # logout, then F5: the login form, and the old token resumes nothing
            token = cookie["value"]
            click(page, "退出 Log out")
            assert _shows(page, LOGIN_TITLE)
            page.wait_for_function("() => !document.cookie.includes('crmlake_session=')", timeout=10_000)
            page.reload()
            assert _shows(page, LOGIN_TITLE)
            context.add_cookies([{**cookie, "value": token}])  # a copy of the token kept from before
            _open(page, f"{url}/forecast")
            assert _shows(page, LOGIN_TITLE)
            assert page.get_by_text("已结束").count() >= 1
        browser.close()
