"""Drill-down by click in a real browser (issue 17): finance opens AR aging, clicks the first row of
the roll-up by customer, and that customer's installments appear under its name; the pick is in
the address, so reloading the link (a new session, logged in again) opens the same detail.

Chromium (the system package, driven by Playwright) talks to `streamlit run apps/Home.py` served
from a copy of the session's S=1 snapshot with its own operational store holding the demo logins.
"""

from __future__ import annotations

import shutil

import pytest
from browser import chromium
from browser.streamlit_page import screenshots_on_failure, wait_idle
from browser.streamlit_server import streamlit_app

pytestmark = pytest.mark.slow

LOGIN = "finance1"
AGING = "账龄 AR aging"
HEADER_PX, ROW_PX = 35, 35  # st.dataframe's default header and row heights


@pytest.fixture(scope="module")
def lakehouse(pipeline_run, tmp_path_factory):
    """The session's published snapshot and settings, copied, with a fresh store of demo logins."""
    from kernel.settings import get_settings
    from operational.db import session_scope
    from operational.demo_users import DEMO_PASSWORD, seed_demo_users
    from operational.reference import Reference

    home = tmp_path_factory.mktemp("drilldown_home")
    source = pipeline_run.settings
    for name, path in {"published": source.published_dir, "config": source.config_dir}.items():
        shutil.copytree(path, home / name)
    settings = get_settings({"CRMLAKE_HOME": str(home)})
    with session_scope(settings.operational_url) as session:
        demo = {d.username: d for d, _ in seed_demo_users(session, Reference.from_duckdb(settings.published_database))}
    return settings, demo[LOGIN], DEMO_PASSWORD


def _log_in(page, url: str, user, password: str) -> None:
    page.goto(url)
    wait_idle(page)
    page.locator('input[type="text"]').first.fill(user.username)
    page.locator('input[type="password"]').first.fill(password)
    page.locator('[data-testid="stFormSubmitButton"] button').first.click()
    page.locator('input[type="password"]').first.wait_for(state="detached", timeout=60_000)
    wait_idle(page)


def _open(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNavLink"]').filter(has_text=title).first.click()
    wait_idle(page)


def _first_customer(settings) -> str:
    """The customer with the most open receivables at the reporting date: the roll-up's first row."""
    import duckdb

    with duckdb.connect(str(settings.published_database), read_only=True) as con:
        return con.execute(
            """select account_name from finance.ar_aging
               where as_of_date = (select max(as_of_date) from finance.installments)
               group by account_name order by sum(open_amount) desc limit 1""").fetchone()[0]


def test_a_click_on_a_customer_row_opens_its_installments(lakehouse, tmp_path):
    from playwright.sync_api import sync_playwright

    settings, user, password = lakehouse
    chromium.require_chromium()
    customer = _first_customer(settings)

    with streamlit_app(settings.as_env(), tmp_path / "streamlit.log") as url, sync_playwright() as pw:
        browser = chromium.launch(pw)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.set_default_timeout(30_000)
        main = page.locator('[data-testid="stMain"]')
        with screenshots_on_failure(page, tmp_path / "screenshots", "drilldown"):
            _log_in(page, url, user, password)
            _open(page, AGING)
            main.get_by_text("点击一行查看其明细").wait_for()
            assert not main.get_by_text("明细 Installments", exact=False).filter(has_text=customer).count()
            rollup = main.locator('[data-testid="stDataFrame"]').first
            rollup.scroll_into_view_if_needed()
            box = rollup.bounding_box()
            # the row marker of the first row (the grid is a canvas: click where the row is drawn)
            page.mouse.click(box["x"] + 12, box["y"] + HEADER_PX + ROW_PX / 2)
            wait_idle(page)
            detail = main.get_by_role("heading", name=f"{customer} · 明细 Installments")
            detail.wait_for(timeout=60_000)
            grids = main.locator('[data-testid="stDataFrame"]')
            assert grids.count() >= 3  # roll-up, the customer's installments, all installments (expander)
            cell = grids.nth(1).get_by_role("gridcell", name=customer, exact=True, include_hidden=True).first
            cell.wait_for(state="attached")
            assert "who=" in page.url

            bookmarked = page.url  # the drilled view as a link: a new session opens the same detail
            page.goto(bookmarked)
            wait_idle(page)
            if page.locator('input[type="password"]').count():
                _log_in(page, bookmarked, user, password)
                if not main.get_by_text("点击一行查看其明细").count():
                    page.goto(bookmarked)  # the login may land on the role's home page
                    wait_idle(page)
            main.get_by_role("heading", name=f"{customer} · 明细 Installments").wait_for(timeout=60_000)
        browser.close()
