"""Row rules of the dashboards on the published S=1 snapshot: a rep sees only their own
figures, a manager their department tree, an agent their tickets, a partner user their
partner; checked on the pages (AppTest) against the marts with the same filter, and on the
loaders directly (a call outside the viewer's scope raises)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from app_login import as_viewer, viewer
from streamlit.testing.v1 import AppTest

APPS = Path(__file__).resolve().parents[1] / "apps"

pytestmark = pytest.mark.slow


@pytest.fixture
def env(pipeline_run, monkeypatch):
    for key, value in pipeline_run.settings.as_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.syspath_prepend(str(APPS))
    import streamlit as st

    st.cache_data.clear()
    return pipeline_run.settings


@pytest.fixture
def people(env):
    """The demo logins' CRM users (rep1, rep2, manager1, agent1, partner1 ...) as viewers."""
    from operational.demo_users import demo_users
    from operational.reference import Reference

    return {
        d.username: viewer(d.role, username=d.username, crm_user_id=d.crm_user_id,
                           department_id=d.department_id, partner_id=d.partner_id)
        for d in demo_users(Reference.load(env.published_database))
    }


def _sql(settings, sql: str, params=()):
    with duckdb.connect(str(settings.published_database), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def _page(path: str, who) -> AppTest:
    at = as_viewer(AppTest.from_file(str(APPS / "views" / path), default_timeout=120), who)
    at.run()
    assert not at.exception, at.exception
    return at


def _money(text: str) -> float:
    return float(text.replace("¥", "").replace(",", ""))


def _metric(at: AppTest, start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(start))


def _team(who) -> list[int]:
    from operational.scope import visible_owner_ids

    return sorted(visible_owner_ids(who))


def test_rep_opening_the_forecast_sees_only_their_own_figures(env, people):
    rep = people["rep1"]
    at = _page("sales/forecast.py", rep)
    quarter = at.selectbox[0].value
    figures = ("target_amount", "closed_won", "weighted_forecast", "commit_forecast", "best_case_forecast", "ml_forecast")
    own = _sql(env, f"select {', '.join(f'coalesce(sum({f}), 0)' for f in figures)} from sales.forecast "
                    "where quarter_start = ? and owner_id = ?", (quarter, rep.crm_user_id))[0]
    everyone = _sql(env, "select sum(closed_won) + sum(target_amount) from sales.forecast where quarter_start = ?",
                    (quarter,))[0][0]
    shown = [_money(_metric(at, p)) for p in ("Target", "Closed won", "Weighted", "Commit", "Best case", "ML forecast")]
    assert shown == pytest.approx([float(v) for v in own], abs=0.005)
    assert sum(shown[:2]) < float(everyone)  # the rep's share, not the company's
    name = _sql(env, "select user_name from staging.stg_crm__users where user_id = ?", (rep.crm_user_id,))[0][0]
    assert at.selectbox[2].options == ["(all 全部)", name]  # owner filter offers only the rep
    opps = at.dataframe[-1].value
    assert set(opps["owner_name"]) <= {name}
    q_end = _sql(env, "select cast(? as date) + interval 3 month - interval 1 day", (quarter,))[0][0]
    n = _sql(env, "select count(*) from sales.opportunities where owner_id = ? and expected_close_date between ? and ?",
             (rep.crm_user_id, quarter, q_end))[0][0]
    assert len(opps) == n


def test_manager_sees_the_team_and_the_rep_nothing_of_another_rep(env, people):
    from apps import sales_data

    manager, rep1, rep2 = people["manager1"], people["rep1"], people["rep2"]
    team = _team(manager)
    assert {rep1.crm_user_id, rep2.crm_user_id, manager.crm_user_id} <= set(team)
    at = _page("sales/forecast.py", manager)
    quarter = at.selectbox[0].value
    expected = _sql(env, f"select coalesce(sum(closed_won), 0) from sales.forecast where quarter_start = ? "
                         f"and owner_id in ({', '.join('?' * len(team))})", (quarter, *team))[0][0]
    assert _money(_metric(at, "Closed won")) == pytest.approx(float(expected), abs=0.005)

    mine = sales_data.opportunities(rep1)
    assert len(mine) and set(mine["owner_name"]) == set(sales_data.opportunities(rep1, owner=mine["owner_name"][0])["owner_name"])
    assert not set(sales_data.opportunities(rep2)["opportunity_id"]) & set(mine["opportunity_id"])
    names = sales_data.opportunity_names(rep1)  # the movement page's names: the same deals, the same names
    assert names.sort_values("opportunity_id").reset_index(drop=True).equals(
        mine[list(names.columns)].sort_values("opportunity_id").reset_index(drop=True))
    as_of = sales_data.data_end_date()
    pipeline = sales_data.pipeline_as_of(as_of, viewer=rep1)
    owned = {r[0] for r in _sql(env, "select opportunity_id from sales.opportunities where owner_id = ?", (rep1.crm_user_id,))}
    assert set(pipeline["opportunity_id"]) <= owned
    movement = sales_data.movement_between(as_of.replace(day=1), as_of, viewer=rep1)
    assert set(movement["opportunity_id"]) <= owned


def test_loaders_refuse_what_is_outside_the_scope(env, people):
    from apps import finance_data, sales_data
    from operational.errors import PermissionDenied

    rep = people["rep1"]
    with pytest.raises(PermissionDenied):
        sales_data.forecast(None)  # no viewer, no rows
    with pytest.raises(PermissionDenied):
        sales_data.campaign_roi(rep)
    with pytest.raises(PermissionDenied):
        sales_data.funnel(rep, "quarter", "lead_source")
    with pytest.raises(PermissionDenied):
        finance_data.dso_trend(rep)
    own_funnel = sales_data.funnel(rep, "quarter", "owner")
    assert set(own_funnel["dimension_key"]) <= {str(rep.crm_user_id)}
    assert len(sales_data.forecast(people["finance1"])) == _sql(env, "select count(*) from sales.forecast")[0][0]
    assert sales_data.forecast(people["partner1"]).empty  # a partner user owns no sales rows


def test_finance_pages_follow_the_owner_rule(env, people):
    from apps import finance_data

    rep = people["rep1"]
    as_of = finance_data.reporting_date()
    aging = finance_data.aging_as_of(rep, as_of)
    expected = _sql(env, "select count(*), coalesce(sum(open_amount), 0) from finance.ar_aging "
                         "where as_of_date = ? and owner_id = ?", (as_of, rep.crm_user_id))[0]
    assert (len(aging), float(aging["open_amount"].sum()) if len(aging) else 0.0) == (expected[0], pytest.approx(float(expected[1]), abs=0.005))
    assert set(aging["owner_id"]) <= {rep.crm_user_id}
    assert set(finance_data.commission_statements(rep)["user_id"]) <= {rep.crm_user_id}
    others = _sql(env, "select user_id, period_start from finance.commission_statements where user_id <> ? limit 1",
                  (rep.crm_user_id,))
    if others:
        assert finance_data.commission_lines(rep, others[0][0], others[0][1]).empty

    at = _page("finance/overdue.py", rep)
    n = _sql(env, "select count(*) from finance.overdue_warnings where owner_id = ?", (rep.crm_user_id,))[0][0]
    assert _metric(at, "Warnings") == f"{n:,}"


def test_agent_sees_only_their_tickets_on_the_sla_board(env, people):
    agent = people["agent1"]
    agent_ids = [r[0] for r in _sql(env, "select agent_id from staging.stg_callcenter__agents where crm_user_id = ?",
                                   (agent.crm_user_id,))]
    assert agent_ids, "agent1 is not an agent in the call-center data"
    at = _page("service/sla_board.py", agent)
    board = at.dataframe[0].value
    assert set(board["assignee_agent_id"]) <= set(agent_ids)
    n = _sql(env, f"select count(*) from service.ticket_sla where is_open and metric = 'resolution' "
                  f"and assignee_agent_id in ({', '.join('?' * len(agent_ids))})", agent_ids)[0][0]
    total = _sql(env, "select count(*) from service.ticket_sla where is_open and metric = 'resolution'")[0][0]
    assert _metric(at, "未结计时") == str(n) and n < total
    manager = _page("service/sla_board.py", people["service_mgr1"])
    assert _metric(manager, "未结计时") == str(total)


def test_partner_user_sees_only_their_partner(env, people):
    from apps import partner_data

    partner = people["partner1"]
    statements = partner_data.statements(partner)
    assert set(statements["partner_id"]) <= {partner.partner_id}
    other = _sql(env, "select partner_id, period from partner.statements where partner_id <> ? limit 1",
                 (partner.partner_id,))
    if other:
        with pytest.raises(PermissionError):
            partner_data.statement_lines(partner, other[0][0], other[0][1])
    with pytest.raises(PermissionError):
        partner_data.conflicts(partner)
    regs = partner_data.deal_registrations(partner)
    assert set(regs["partner_id"]) <= {partner.partner_id}


def _dashboard_pages() -> dict[str, str]:
    """Every dashboard of the screen registry with its page under apps/views/ (derived, so a new
    dashboard is opened here for every role that may open it without editing this test)."""
    from operational.screens import REGISTRY

    pages = {s.key: s.page.removeprefix("views/") for s in REGISTRY if s.is_dashboard and s.page}
    assert all((APPS / "views" / page).is_file() for page in pages.values()), pages
    return pages


DASHBOARD_PAGES = _dashboard_pages()


@pytest.mark.parametrize("username", ["rep1", "manager1", "agent1", "pm1", "channel1", "partner1"])
def test_every_dashboard_a_role_may_open_runs_for_it(env, people, username):
    """Scoped viewers take other paths through the pages (owner-only funnel, no DSO, ...)."""
    from apps import auth

    assert set(DASHBOARD_PAGES) == set(auth.DASHBOARDS)
    who = people[username]
    opened = [screen for screen in DASHBOARD_PAGES if auth.can_open(who, screen)]
    assert opened
    for screen in opened:
        at = _page(DASHBOARD_PAGES[screen], who)
        assert not at.error, (screen, [e.value for e in at.error])
