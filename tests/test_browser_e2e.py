"""The apps in a real browser: the demo rep logs in, types a variant of an existing company name
and is warned it exists, enters an opportunity on that existing account, the pipeline runs, and
the forecast page's drill-down shows the new opportunity.

Chromium (the system package, driven by Playwright) talks to `streamlit run apps/Home.py` served
from a copy of the session's S=1 lakehouse with its own operational store. The pipeline run in
the middle is the real one from the store down to the forecast (tests/store_rerun_fixtures.py,
as test_ops_into_marts runs it; the whole pipeline is the session's run): the store's extraction
brings the opportunity into the sales marts and a new snapshot is published, which the page
shows after a reload.
"""

from __future__ import annotations

import datetime as dt
import shutil

import dagster as dg
import pytest
from browser import chromium
from browser.streamlit_page import (
    click,
    fill,
    open_page,
    screenshots_on_failure,
    type_date,
    wait_idle,
)
from browser.streamlit_server import streamlit_app
from store_rerun_fixtures import run_selection, store_to_mart

pytestmark = pytest.mark.slow

REP = "rep1"
OPPORTUNITY = "E2E 浏览器录入商机"
AMOUNT = "98765432"  # larger than any demo deal: first row of the drill-down (sorted by amount)


@pytest.fixture(scope="module")
def lakehouse(pipeline_run, tmp_path_factory):
    """A copy of the session's lakehouse with a fresh operational store holding the demo logins:
    this test re-runs the pipeline, which must not change what the other tests read."""
    from kernel.settings import get_settings
    from operational.db import session_scope
    from operational.demo_users import DEMO_PASSWORD, seed_demo_users
    from operational.reference import Reference

    home = tmp_path_factory.mktemp("browser_home")
    source = pipeline_run.settings
    for name, path in {"landing": source.landing_dir, "lakehouse": source.lakehouse_dir,
                       "published": source.published_dir, "config": source.config_dir}.items():
        shutil.copytree(path, home / name)
    settings = get_settings({"CRMLAKE_HOME": str(home)})
    reference = Reference.from_duckdb(settings.published_database)
    with session_scope(settings.operational_url) as session:
        demo = {d.username: d for d, _ in seed_demo_users(session, reference)}
    return settings, demo[REP], DEMO_PASSWORD


def _existing_account(settings, crm_user_id: int) -> tuple[int, str]:
    """One of the rep's extracted accounts in the published snapshot (a limited company)."""
    import duckdb

    with duckdb.connect(str(settings.published_database), read_only=True) as con:
        row = con.execute(
            """select account_id, account_name from intermediate.int_accounts_unioned
               where owner_id = ? and account_name like '%有限公司%' order by account_id limit 1""",
            [crm_user_id],
        ).fetchone()
    assert row, f"demo rep {crm_user_id} owns no account in the snapshot"
    return row


def _variant(name: str) -> str:
    """The same company as a user might type it: other brackets, spaces around the legal form."""
    swapped = name.strip().translate(str.maketrans("()（）", "（）()"))
    return "  " + swapped.replace("有限公司", "  有限公司") + " "


def _squeeze(text: str) -> str:
    """Whitespace as the browser renders it (runs collapse to one space)."""
    return " ".join(text.split())


def _close_date(settings) -> dt.date:
    """A day late in the quarter the forecast page opens on (the quarter of the newest change)."""
    import duckdb

    with duckdb.connect(str(settings.published_database), read_only=True) as con:
        end = con.execute("select cast(max(valid_from) as date) from sales.opportunity_versions").fetchone()[0]
    day = max(end, dt.date.today())
    quarter_end = dt.date(day.year + (day.month > 9), (3 * ((day.month - 1) // 3) + 3) % 12 + 1, 1) - dt.timedelta(days=1)
    return quarter_end - dt.timedelta(days=5)


def _pick_option(page, label: str, text: str, typed: str) -> None:
    """Choose the option containing ``text`` in the selectbox ``label`` (typing ``typed`` filters it)."""
    box = page.get_by_label(label).first
    box.click()
    page.keyboard.type(typed)
    page.get_by_role("option").filter(has_text=text).first.click()


def _log_in(page, url: str, rep, password: str) -> None:
    page.goto(url)
    wait_idle(page)
    fill(page, "用户名 Username", rep.username)
    fill(page, "密码 Password", password)
    click(page, "登录 Log in")
    page.get_by_text(rep.display_name).first.wait_for()


def test_rep_enters_an_opportunity_and_sees_it_in_the_forecast(lakehouse, tmp_path):
    from playwright.sync_api import sync_playwright

    settings, rep, password = lakehouse
    chromium.require_chromium()
    account_id, account_name = _existing_account(settings, rep.crm_user_id)
    close = _close_date(settings)
    shots = tmp_path / "screenshots"

    with streamlit_app(settings.as_env(), tmp_path / "streamlit.log") as url, sync_playwright() as pw:
        browser = chromium.launch(pw)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.set_default_timeout(30_000)
        with screenshots_on_failure(page, shots, "1-entry"):
            _log_in(page, url, rep, password)

            open_page(page, "客户与联系人 Accounts & contacts")
            fill(page, "客户名称 Account name *", _variant(account_name))
            main = page.locator('[data-testid="stMain"]')
            main.get_by_text("客户已存在").or_(main.get_by_text("可能重复")).first.wait_for()
            assert _squeeze(account_name) in _squeeze(main.inner_text())  # names the existing account

            open_page(page, "商机 Opportunities")
            fill(page, "商机名称 Name *", OPPORTUNITY)
            _pick_option(page, "客户 Account *", f"(#{account_id})", str(account_id))
            fill(page, "金额 Amount (CNY)", AMOUNT)
            type_date(page, "预计成交 Close date", close)
            click(page, "创建 Create")
            main.get_by_text("已创建 Opportunity created").first.wait_for()

        run_selection(settings, store_to_mart(dg.AssetKey(["sales", "forecast"])))

        with screenshots_on_failure(page, shots, "2-forecast"):
            page.goto(url)  # the browser reloads the app: a new session, still logged in (session cookie)
            wait_idle(page)
            page.get_by_text(rep.display_name).first.wait_for()
            open_page(page, "预测 Forecast")
            main = page.locator('[data-testid="stMain"]')
            main.get_by_text("Opportunities 商机明细").wait_for()
            # the drill-down grid is a canvas; its cells are mirrored in an accessible (hidden) table
            cell = main.get_by_role("gridcell", name=OPPORTUNITY, exact=True, include_hidden=True).first
            cell.wait_for(state="attached", timeout=60_000)
            grid_row = cell.locator("xpath=..").inner_text()
            assert account_id is not None and "98765432" in grid_row.replace(",", ""), grid_row
        browser.close()
