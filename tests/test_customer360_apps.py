"""Customer 360 and satisfaction pages driven by AppTest over the published S=1 snapshot (the
pipeline_run fixture): the figures they show equal the marts, a company link (?company=<key>)
opens that company, a rep cannot open another rep's company by editing the address, and an agent
sees only their own satisfaction figures."""

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


def _sql(settings, sql: str, params=()):
    with duckdb.connect(str(settings.published_database), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def _page(path: str, who, **params) -> AppTest:
    at = AppTest.from_file(str(APPS / "views" / path), default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    as_viewer(at, who).run()
    assert not at.exception, at.exception
    return at


def _frame_with(at: AppTest, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _open(at: AppTest, *sections: str) -> AppTest:
    """The page with the expanders of ``sections`` opened (as a click does: a rerun)."""
    for key in sections:
        at.session_state[f"c360_open_{key}"] = True
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_company_link_opens_its_360_with_every_section(env):
    from apps.customer360_data import SECTIONS

    key, deals = _sql(env, """select company_key, count(*) from sales.opportunities
                              group by 1 order by 2 desc, 1 limit 1""")[0]
    at = _page("sales/customer_360.py", viewer("admin"), company=key)
    assert at.selectbox(key="c360_company").value == key
    headers = [s.value for s in at.subheader]
    assert all(section.title in headers for section in SECTIONS if section.at_once)
    later = [section for section in SECTIONS if not section.at_once]
    assert [e.label for e in at.expander] == [section.title for section in later]  # one click away
    assert len(_frame_with(at, "opportunity_name")) == deals
    touch = _sql(env, "select days_without_activity from sales.account_activity where company_key = ?", (key,))
    assert sorted(_frame_with(at, "days_without_activity")["days_without_activity"]) == sorted(d for (d,) in touch)
    at = _open(at, *(section.key for section in later))
    open_amount = _sql(env, """select coalesce(sum(open_amount), 0) from finance.ar_aging where company_key = ?
                               and as_of_date = (select max(as_of_date) from finance.ar_aging)""", (key,))[0][0]
    if open_amount:
        assert float(_frame_with(at, "max_days_overdue")["open_amount"].sum()) == pytest.approx(float(open_amount))
    # every section either shows rows, says it has none, or says why it is not computed
    reasons = [i.value for i in at.info]
    assert all(r.startswith("not computed") for r in reasons), reasons


def test_a_closed_section_is_not_read_and_shows_the_company_rows_when_opened(env, monkeypatch):
    from apps import customer360_data

    key = _sql(env, """select company_key from finance.invoices where company_key is not null
                       group by 1 order by count(*) desc, 1 limit 1""")[0][0]
    sent: list[str] = []
    read = customer360_data.query
    monkeypatch.setattr(customer360_data, "query", lambda sql, params=(): sent.append(sql) or read(sql, params))
    at = _page("sales/customer_360.py", viewer("admin"), company=key)
    assert not any("from finance.invoices" in sql for sql in sent)  # closed: not read
    assert not any("invoice_no" in d.value.columns for d in at.dataframe)
    at = _open(at, "invoices")
    invoices = _sql(env, "select invoice_no from finance.invoices where company_key = ?", (key,))
    assert 0 < len(invoices)
    shown = _frame_with(at, "invoice_no")
    assert len(shown) == min(len(invoices), 200) and set(shown["invoice_no"]) <= {n for (n,) in invoices}
    assert at.query_params["company"] == key  # the company stays in the address


def test_a_rep_cannot_open_a_company_outside_their_scope_by_address(env):
    from operational.demo_users import demo_users
    from operational.reference import Reference

    rep = next(d for d in demo_users(Reference.load(env.published_database)) if d.role == "sales_rep")
    who = viewer("sales_rep", username=rep.username, crm_user_id=rep.crm_user_id, department_id=rep.department_id)
    others = _sql(env, """select company_key from intermediate.int_account_companies
        where company_key not in (select c.company_key from intermediate.int_account_companies as c
              join intermediate.int_accounts_unioned as a on a.account_id = c.account_id where a.owner_id = ?)
          and company_key not in (select company_key from sales.opportunities where owner_id = ?)
        order by 1 limit 1""", (rep.crm_user_id, rep.crm_user_id))
    assert others, "every company belongs to the rep"
    at = _page("sales/customer_360.py", who, company=others[0][0])
    assert at.selectbox(key="c360_company").value != others[0][0]
    assert any("outside your scope" in w.value for w in at.warning)


def test_satisfaction_page_matches_the_mart_and_an_agent_sees_only_their_own(env):
    rated, satisfied, closed = _sql(env, """select sum(rated_tickets), sum(satisfied_tickets), sum(closed_tickets)
                                            from service.satisfaction_monthly""")[0]
    assert 0 < rated < closed  # some closed tickets are unrated: the response rate is below 100 %
    at = _page("service/satisfaction.py", viewer("admin"))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["已评价 Rated"] == f"{rated:,}"
    assert metrics["CSAT 满意率"] == f"{satisfied / rated:.1%}"
    crm_user_id, agent_rated = _sql(env, """select g.crm_user_id, sum(m.rated_tickets)
        from service.satisfaction_monthly as m join staging.stg_callcenter__agents as g on g.agent_id = m.agent_id
        where g.crm_user_id is not null group by 1 having sum(m.rated_tickets) > 0 order by 2 desc, 1 limit 1""")[0]
    assert agent_rated < rated
    mine = _page("service/satisfaction.py", viewer("service_agent", crm_user_id=crm_user_id))
    assert {m.label: m.value for m in mine.metric}["已评价 Rated"] == f"{agent_rated:,}"
