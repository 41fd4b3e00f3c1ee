"""sla.md T1-T5 and escalation, with the exact figures, through a real dbt run of the SLA models
over the case tickets (and the Python calendar reference over the same calendar)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from business_calendar_reference import BusinessCalendar, business_seconds, load_calendar
from service_fixtures import CASE_AS_OF, SLA_MODELS, build_case_warehouse, run_dbt

from kernel.config import BusinessSettings

T = dt.datetime.fromisoformat


@pytest.fixture(scope="module")
def case_sla(tmp_path_factory):
    work = tmp_path_factory.mktemp("service_sla")
    warehouse = work / "warehouse.duckdb"
    build_case_warehouse(warehouse)
    done = run_dbt(warehouse, SLA_MODELS, f'{{as_of: "{CASE_AS_OF}"}}')
    assert done.returncode == 0, done.stdout[-4000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        sla = {
            (r[0], r[1]): r[2:]
            for r in con.execute(
                "select ticket_no, metric, business_minutes, target_minutes, sla_status, breached_at, due_at,"
                " is_open from service.ticket_sla"
            ).fetchall()
        }
        escalations = con.execute(
            "select ticket_no, metric, action, triggered_at, raised_to_priority from service.ticket_sla_escalations"
            " order by 1, 2, 4"
        ).fetchall()
    return sla, escalations


@pytest.mark.parametrize(
    ("ticket", "minutes", "status", "breached_at"),
    [
        ("T1", 60, "met", None),  # Fri 17:30-18:00 + 调休 Sat 09:00-09:30
        ("T2", 180, "met", None),  # Wed 16:00-18:00 + (holidays) + Thu 10-08 09:00-10:00
        ("T3", 270, "breached", T("2026-11-17 13:00:00")),  # Tue 09:00-13:30
    ],
)
def test_first_response_t1_t2_t3(case_sla, ticket, minutes, status, breached_at):
    sla, _ = case_sla
    used, target, got_status, got_breached_at, _, _ = sla[(ticket, "first_response")]
    assert (float(used), target, got_status, got_breached_at) == (minutes, 240, status, breached_at)


def test_t4_resolution_pauses_waiting_on_customer(case_sla):
    sla, _ = case_sla
    used, target, status, breached_at, _, is_open = sla[("T4", "resolution")]
    assert (float(used), target, status, breached_at, is_open) == (480, 960, "met", None, False)
    # the pause applies to resolution only: next response (Tue 15:00 reply -> Wed 12:00) = 360
    assert float(sla[("T4", "next_response")][0]) == 360


def test_t5_open_ticket_breach_visible(case_sla):
    sla, _ = case_sla
    used, target, status, breached_at, _, is_open = sla[("T5", "first_response")]
    assert (float(used), status, breached_at, is_open) == (540, "breached_open", T("2026-11-19 14:00:00"), True)
    used, target, status, breached_at, due_at, _ = sla[("T5", "resolution")]
    # 540 of 960 used; the remaining 420 fall due Fri 17:00
    assert (float(used), status, breached_at, due_at) == (540, "open", None, T("2026-11-20 17:00:00"))


def test_escalations_fire_once_at_their_share(case_sla):
    _, escalations = case_sla
    got = {(t, m, a): (at, p) for t, m, a, at, p in escalations}
    # T3: 75% of 240 = 180 min at Tue 12:00, 100% at Tue 13:00 (priority P3 -> P2)
    assert got[("T3", "first_response", "notify_team_lead")] == (T("2026-11-17 12:00:00"), None)
    assert got[("T3", "first_response", "raise_priority")] == (T("2026-11-17 13:00:00"), "P2")
    assert got[("T5", "first_response", "notify_team_lead")] == (T("2026-11-19 13:00:00"), None)
    assert got[("T5", "first_response", "raise_priority")] == (T("2026-11-19 14:00:00"), "P2")
    # T5 resolution reaches 75% (720 min) only Fri 13:00, after the as-of: not fired yet
    assert ("T5", "resolution", "notify_team_lead") not in got
    # T1 (60 of 240) never escalates; T2 reaches exactly 75% (180) at its reply: notify fires
    # then (a share is reached when used >= share x target), but no priority raise
    assert not any(t == "T1" and m == "first_response" for t, m, _ in got)
    assert got[("T2", "first_response", "notify_team_lead")] == (T("2026-10-08 10:00:00"), None)
    assert ("T2", "first_response", "raise_priority") not in got
    # each action once per ticket and metric

    assert len(escalations) == len(got)


def test_python_calendar_reference_agrees_on_default_2026_calendar():
    """The default settings' calendar (chinese-calendar) has the same October 2026 days as sla.md."""
    cal = load_calendar(BusinessSettings())
    assert business_seconds(cal, T("2026-10-09 17:30"), T("2026-10-10 09:30")) == 60 * 60
    assert business_seconds(cal, T("2026-09-30 16:00"), T("2026-10-08 10:00")) == 180 * 60
    assert business_seconds(cal, T("2026-11-16 20:00"), T("2026-11-17 13:30")) == 270 * 60


def test_python_calendar_split_shift():
    cal = BusinessCalendar({1: [(540, 720), (780, 1080)]}, frozenset(), {})
    assert business_seconds(cal, T("2026-11-16 11:00"), T("2026-11-16 14:00")) == 120 * 60
