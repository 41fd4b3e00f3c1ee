"""Entry flows in a real browser (issue 17): the demo rep double-clicks "create" on a new lead and
one lead is saved, then converts it into an account, contact and opportunity from the leads screen.

Chromium (the system package, driven by Playwright) talks to `streamlit run apps/Home.py` on the
session's S=1 snapshot, with a fresh operational store of its own (nothing is re-published, so the
shared lakehouse is only read).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from browser import chromium
from browser.streamlit_page import click, fill, open_page, screenshots_on_failure, wait_idle
from browser.streamlit_server import streamlit_app
from test_browser_e2e import _log_in

pytestmark = pytest.mark.slow

REP = "rep1"
LEAD = "浏览器转化联系人"
COMPANY = "杭州浏览器转化测试科技有限公司"


@pytest.fixture(scope="module")
def served(pipeline_run, tmp_path_factory):
    """The session snapshot's settings with a store of this module's own holding the demo logins."""
    from operational.db import session_scope
    from operational.demo_users import DEMO_PASSWORD, seed_demo_users
    from operational.reference import Reference

    settings = pipeline_run.settings
    url = f"sqlite:///{tmp_path_factory.mktemp('browser_entry') / 'ops.sqlite'}"
    with session_scope(url) as session:
        demo = {d.username: d for d, _ in seed_demo_users(session, Reference.load(settings.published_database))}
    return {**settings.as_env(), "CRMLAKE_OPERATIONAL_URL": url}, url, demo[REP], DEMO_PASSWORD


def _open(page, link: str, heading: str) -> None:
    """Open a page by its sidebar link and wait for its heading (a click that lands while the home
    page is still settling is sent again once)."""
    for attempt in range(2):
        open_page(page, link)
        try:
            page.get_by_role("heading", name=heading).first.wait_for(timeout=15_000)
            return
        except Exception:
            if attempt:
                raise


def _rows(url: str, sql: str) -> list[dict]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as con:
            return [dict(r._mapping) for r in con.execute(sa.text(sql))]
    finally:
        engine.dispose()


def test_double_click_saves_one_lead_and_the_rep_converts_it(served, tmp_path):
    from playwright.sync_api import sync_playwright

    env, url_db, rep, password = served
    chromium.require_chromium()
    shots = tmp_path / "screenshots"
    with streamlit_app(env, tmp_path / "streamlit.log") as url, sync_playwright() as pw:
        browser = chromium.launch(pw)
        page = browser.new_page(viewport={"width": 1440, "height": 1100})
        page.set_default_timeout(30_000)
        main = page.locator('[data-testid="stMain"]')
        with screenshots_on_failure(page, shots, "1-double-click"):
            _log_in(page, url, rep, password)
            _open(page, "线索 Lead", "线索 Leads")
            fill(page, "联系人姓名 Lead name *", LEAD)
            fill(page, "公司 Company", COMPANY)
            fill(page, "手机 Mobile", "13900139000")
            page.get_by_role("button", name="创建 Create").first.dblclick()
            wait_idle(page)
            main.get_by_text("Lead created").first.wait_for()
            wait_idle(page)
            leads = _rows(url_db, "select id, lead_name from leads")
            assert [r["lead_name"] for r in leads] == [LEAD], leads  # one lead from a double click
            assert page.get_by_label("联系人姓名 Lead name *", exact=True).input_value() == ""  # the form is empty

        with screenshots_on_failure(page, shots, "2-convert"):
            page.get_by_label("线索 Lead", exact=True).click()
            page.keyboard.type(str(leads[0]["id"]))  # typing filters and opens the list
            page.get_by_role("option").filter(has_text=COMPANY).first.click()
            wait_idle(page)
            assert page.get_by_label("新客户名称 New account's name (新建时)", exact=True).input_value() == COMPANY
            fill(page, "金额 Amount (¥)", "250000")
            click(page, "转化 Convert")
            main.get_by_text("已转化 Converted").first.wait_for()
            main.get_by_text(f"客户 Account: {COMPANY}").first.wait_for()  # a link to the account it became
            wait_idle(page)
            lead = _rows(url_db, "select status, converted_account_id, converted_opportunity_id from leads")[0]
            assert lead["status"] == "converted", lead
            accounts = _rows(url_db, "select id, account_name from accounts")
            assert accounts == [{"id": lead["converted_account_id"], "account_name": COMPANY}]
            assert _rows(url_db, "select contact_name from contacts") == [{"contact_name": LEAD}]
            opps = _rows(url_db, "select id, amount from opportunities")
            assert [o["id"] for o in opps] == [lead["converted_opportunity_id"]] and float(opps[0]["amount"]) == 250000
            assert "商机 Opportunity:" in main.inner_text()

        with screenshots_on_failure(page, shots, "3-link"):
            main.get_by_role("link", name=f"客户 Account: {COMPANY}").first.click()  # opens the account it became
            wait_idle(page)
            page.get_by_text("客户与联系人 Accounts & contacts").first.wait_for()
            assert COMPANY in page.get_by_label("客户 Account", exact=True).input_value()
        browser.close()
