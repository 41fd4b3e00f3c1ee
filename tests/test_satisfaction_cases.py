"""Satisfaction (满意度, issue 21 item 1): hand-computed cases on a tiny case warehouse, the two
satisfaction marts built by a real dbt run of only those models.

The case (agent G1 of team 一线热线组, phone, product P1, customer tier A, October 2026):

    ticket  status       rating (latest)            SLA (ticket_sla rows)         QA
    K1      closed       5                          met, met                      conv C1: 90
    K2      closed       2 on 10-05, 4 on 10-07     met, breached                 -
    K3      resolved     -  (unrated)               met                           -
    K4      closed       2 "处理时间太长"            breached                      conv C4: 60
    K5      closed       1 "太慢了，问题一直没解决"    met                           -
    K6      in_progress  -                          open                          -  (not closed: left out)
    K7      closed       -  (unrated)               breached                      -
    K8      closed       5 (entered in the store)   met                           -  (store rating: rating column)
    K9      closed       3 (no comment)             - (no SLA rows: no_sla)       -

Closed (resolved or closed, or rated): K1 K2 K3 K4 K5 K7 K8 K9 = 8 tickets.
Rated: K1 K2 K4 K5 K8 K9 = 6 (K2 counts once, with its latest score 4).
Satisfied (4-5): K1 K2 K8 = 3.  CSAT = 3 / 6 = 0.5 (unrated K3, K7 excluded; with them as
"not satisfied" it would wrongly be 3 / 8 = 0.375).  Response rate = 6 / 8 = 0.75.
Low scores (1-2): K4 (reason 处理慢 slow: 时间/长), K5 (问题未解决 unresolved wins over 慢).

Met vs breached (a ticket is breached when any of its SLA metrics breached, met when all met):
  met:      K1 (5), K5 (1), K8 (5), K3 unrated -> rated 3, satisfied 2, CSAT 2/3 = 0.6667
  breached: K2 (4), K4 (2), K7 unrated         -> rated 2, satisfied 1, CSAT 1/2 = 0.5
  K9 has no SLA rows (no_sla): in neither.
QA: rated tickets with a QA score: K1 (90), K4 (60) -> 2, sum 150, average 75.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from service_fixtures import run_dbt

MODELS = ["satisfaction_tickets", "satisfaction_monthly"]

TICKETS = [  # ticket_no, status, conversation_id
    ("K1", "closed", "C1"), ("K2", "closed", None), ("K3", "resolved", None), ("K4", "closed", "C4"),
    ("K5", "closed", None), ("K6", "in_progress", None), ("K7", "closed", None), ("K8", "closed", None),
    ("K9", "closed", None),
]
RATINGS = [  # rating_id, ticket_no, score, comment, rated_at
    ("R1", "K1", 5, "非常满意", "2026-10-03 10:00:00"),
    ("R2a", "K2", 2, "还需要改进", "2026-10-05 10:00:00"),
    ("R2b", "K2", 4, None, "2026-10-07 10:00:00"),
    ("R4", "K4", 2, "处理时间太长", "2026-10-06 10:00:00"),
    ("R5", "K5", 1, "太慢了，问题一直没解决", "2026-10-06 11:00:00"),
    ("R9", "K9", 3, None, "2026-10-08 11:00:00"),
    ("RX", None, 1, "会话评价", "2026-10-08 12:00:00"),  # a conversation's rating without a ticket
]
SLA = [  # ticket_no, metric, sla_status, is_breached
    ("K1", "first_response", "met", False), ("K1", "resolution", "met", False),
    ("K2", "first_response", "met", False), ("K2", "resolution", "breached", True),
    ("K3", "resolution", "met", False), ("K4", "resolution", "breached", True),
    ("K5", "resolution", "met", False), ("K6", "resolution", "open", False),
    ("K7", "resolution", "breached", True), ("K8", "resolution", "met", False),
]


def _build(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        for schema in ("staging", "intermediate", "service"):
            con.execute(f"create schema {schema}")
        con.execute("""create table intermediate.int_tickets_unioned (ticket_no varchar, account_id bigint,
            product_code varchar, assignee_agent_id varchar, conversation_id varchar, channel varchar,
            priority varchar, category varchar, status varchar, team varchar, created_at timestamp)""")
        con.executemany("insert into intermediate.int_tickets_unioned values (?, 1, 'P1', 'G1', ?, 'phone', 'P3',"
                        " '故障报修', ?, '一线热线组', timestamp '2026-10-02 09:00:00')",
                        [(t, c, s) for t, s, c in TICKETS])
        con.execute("create table intermediate.int_accounts_unioned (account_id bigint, account_name varchar,"
                    " level varchar)")
        con.execute("insert into intermediate.int_accounts_unioned values (1, '客户甲', 'A')")
        con.execute("create table intermediate.int_account_companies (account_id bigint, company_key varchar,"
                    " account_name varchar, company_name varchar)")
        con.execute("insert into intermediate.int_account_companies values (1, 'CO-1', '客户甲', '客户甲')")
        con.execute("create table staging.stg_callcenter__agents (agent_id varchar, crm_user_id bigint,"
                    " agent_name varchar, team varchar)")
        con.execute("insert into staging.stg_callcenter__agents values ('G1', null, '王坐席', '一线热线组')")
        con.execute("create table staging.stg_callcenter__ratings (rating_id varchar, ticket_no varchar,"
                    " conversation_id varchar, comment varchar, score bigint, rated_at timestamp)")
        con.executemany("insert into staging.stg_callcenter__ratings values (?, ?, null, ?, ?, cast(? as timestamp))",
                        [(r, t, c, s, at) for r, t, s, c, at in RATINGS])
        con.execute("create table staging.stg_ops__tickets (ticket_no varchar, rating bigint, rating_comment varchar,"
                    " closed_at timestamp)")
        con.execute("insert into staging.stg_ops__tickets values"
                    " ('K8', 5, null, timestamp '2026-10-09 10:00:00'), ('K7', null, null, timestamp '2026-10-09 11:00:00')")
        con.execute("create table service.ticket_sla (ticket_no varchar, metric varchar, sla_status varchar,"
                    " is_breached boolean)")
        con.executemany("insert into service.ticket_sla values (?, ?, ?, ?)", SLA)
        con.execute("create table service.qa_conversation_scores (conversation_id varchar, qa_score double)")
        con.execute("insert into service.qa_conversation_scores values ('C1', 90.0), ('C4', 60.0), ('C9', 10.0)")


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    work = tmp_path_factory.mktemp("satisfaction")
    warehouse = work / "warehouse.duckdb"
    _build(warehouse)
    result = run_dbt(warehouse, MODELS, "{as_of: '2026-10-31'}")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    con = duckdb.connect(str(warehouse), read_only=True)
    yield con
    con.close()


def test_csat_excludes_unrated_tickets(case):
    closed, rated, satisfied, low, csat, response = case.execute(
        """select sum(closed_tickets), sum(rated_tickets), sum(satisfied_tickets), sum(low_score_tickets),
                  max(csat), max(response_rate)
           from service.satisfaction_monthly""").fetchone()
    assert (closed, rated, satisfied, low) == (8, 6, 3, 2)
    assert csat == pytest.approx(0.5)
    assert response == pytest.approx(0.75)


def test_latest_rating_per_ticket_and_store_ratings(case):
    rows = dict(case.execute("select ticket_no, score from service.satisfaction_tickets").fetchall())
    assert rows == {"K1": 5, "K2": 4, "K3": None, "K4": 2, "K5": 1, "K7": None, "K8": 5, "K9": 3}


def test_low_score_reasons(case):
    reasons = dict(case.execute(
        "select ticket_no, low_score_reason from service.satisfaction_tickets where is_low_score").fetchall())
    assert reasons == {"K4": "处理慢 slow", "K5": "问题未解决 unresolved"}


def test_csat_when_sla_met_vs_breached(case):
    figures = case.execute(
        """select sum(sla_met_rated), sum(sla_met_satisfied), sum(sla_breached_rated), sum(sla_breached_satisfied),
                  sum(qa_rated_tickets), sum(qa_score_sum)
           from service.satisfaction_monthly""").fetchone()
    assert figures == (3, 2, 2, 1, 2, 150.0)
    outcomes = dict(case.execute("select ticket_no, sla_outcome from service.satisfaction_tickets").fetchall())
    assert outcomes["K9"] == "no_sla" and outcomes["K2"] == "breached" and outcomes["K3"] == "met"


def test_one_row_per_dimension_combination(case):
    rows = case.execute("""select period_month, agent_id, agent_name, team, channel, product_code, customer_tier
                           from service.satisfaction_monthly""").fetchall()
    assert [tuple(str(v) for v in r) for r in rows] == [
        ("2026-10-01", "G1", "王坐席", "一线热线组", "phone", "P1", "A")]
    assert case.execute("select company_key from service.satisfaction_tickets group by 1").fetchall() == [("CO-1",)]
