"""Login of the apps (apps/auth.py, apps/Home.py) driven by AppTest on a real SQLite store:
the form, one generic message for every failure, the session timeout, logout, and which
pages each role gets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from app_login import as_viewer, create_login, login, viewer
from streamlit.testing.v1 import AppTest

APPS = Path(__file__).resolve().parents[1] / "apps"


@pytest.fixture
def env(tmp_path, monkeypatch):
    """Nothing published, a fresh store: the login needs only the store."""
    from kernel.settings import get_settings

    settings = get_settings({"CRMLAKE_HOME": str(tmp_path), "CRMLAKE_OPERATIONAL_URL": f"sqlite:///{tmp_path / 'ops.sqlite'}"})
    for key, value in settings.as_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.syspath_prepend(str(APPS))
    return settings


def _home() -> AppTest:
    return AppTest.from_file(str(APPS / "Home.py"), default_timeout=60)


def _registered(at: AppTest) -> set[str]:
    """Pages the navigation offers (switch_page refuses every other page)."""
    pages = set()
    for path in APPS.glob("views/**/*.py"):
        try:
            at.switch_page(str(path))
        except ValueError:
            continue
        pages.add(str(path.relative_to(APPS)))
    return pages


def test_anonymous_gets_only_the_login_form(env):
    at = _home()
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["登录 Log in"]
    assert at.text_input(key="login_username") and at.text_input(key="login_password")
    assert not at.metric and not at.dataframe
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(str(APPS / "views" / "pipeline_status.py"))


def test_wrong_password_and_unknown_user_get_the_same_message(env):
    from operational.auth import LOGIN_FAILED

    create_login("rep1", "sales_rep", crm_user_id=1)
    messages = []
    for username, password in (("rep1", "wrong-password"), ("nobody", "wrong-password")):
        at = _home()
        at.run()
        login(at, username, password)
        assert not at.exception
        messages.append([e.value for e in at.error])
        assert "auth_viewer" not in at.session_state
    assert messages == [[LOGIN_FAILED], [LOGIN_FAILED]]


def test_login_opens_the_pages_of_the_role_and_logout_ends_it(env):
    create_login("rep1", "sales_rep", crm_user_id=1)
    at = _home()
    at.run()
    login(at, "rep1")
    assert not at.exception
    assert at.session_state["auth_viewer"].username == "rep1"
    assert any("sales_rep" in m.value for m in at.sidebar.markdown)
    assert [t.value for t in at.title] == ["我的工作台 My pipeline & tasks"]  # the rep's home page ran
    pages = _registered(at)
    assert {"views/sales/forecast.py", "views/entry/leads.py", "views/entry/quotes.py"} <= pages
    assert not pages & {"views/finance/dso.py", "views/entry/approvals.py", "views/service/sla_board.py",
                        "views/partner/conflicts.py"}

    at = _home()
    at.run()
    login(at, "rep1")
    at.button(key="logout").click().run()
    assert not at.exception
    assert "auth_viewer" not in at.session_state
    assert at.text_input(key="login_username")


@pytest.mark.parametrize(
    ("role", "opens", "not_opens"),
    [
        ("sales_manager", {"views/entry/approvals.py", "views/sales/forecast.py"},
         {"views/finance/dso.py", "views/entry/commission_adjustments.py"}),
        ("finance", {"views/finance/dso.py", "views/finance/aging.py", "views/sales/forecast.py",
                     "views/entry/commission_adjustments.py"},
         {"views/entry/leads.py", "views/service/qa_inspection.py"}),
        ("service_agent", {"views/service/sla_board.py"}, {"views/sales/forecast.py", "views/finance/aging.py"}),
        ("partner_user", {"views/partner/reconciliation.py"}, {"views/partner/conflicts.py", "views/sales/forecast.py"}),
        ("product_manager", {"views/service/requirement_ranking.py"}, {"views/service/sla_board.py"}),
    ],
)
def test_each_role_gets_its_pages(env, role, opens, not_opens):
    at = as_viewer(_home(), viewer(role, crm_user_id=1, partner_id=1 if role == "partner_user" else None))
    at.run()
    assert not at.exception
    pages = _registered(at)
    assert opens <= pages and not pages & not_opens, pages


def test_session_times_out_after_inactivity(env, monkeypatch):
    from operational.db import now_local

    monkeypatch.setenv("CRMLAKE_SESSION_TIMEOUT_MINUTES", "30")
    rep = viewer("sales_rep", crm_user_id=1)
    fresh = as_viewer(_home(), rep, last_seen=now_local() - dt.timedelta(minutes=29))
    fresh.run()
    assert "auth_viewer" in fresh.session_state and not fresh.text_input

    stale = as_viewer(_home(), rep, last_seen=now_local() - dt.timedelta(minutes=31))
    stale.run()
    assert not stale.exception
    assert "auth_viewer" not in stale.session_state
    assert stale.text_input(key="login_username")
    assert any("timed out after 30 minutes" in w.value for w in stale.warning)


def test_a_page_opened_directly_asks_for_login_and_refuses_other_roles(env):
    page = str(APPS / "views" / "finance" / "dso.py")
    at = AppTest.from_file(page, default_timeout=60)
    at.run()
    assert not at.exception
    assert at.text_input(key="login_username") and not at.metric
    at = as_viewer(AppTest.from_file(page, default_timeout=60), viewer("sales_rep", crm_user_id=1))
    at.run()
    assert not at.exception
    assert any("may not open" in e.value for e in at.error) and not at.metric
