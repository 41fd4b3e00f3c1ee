"""Fixtures of the service tests: the sla.md scenarios as staging rows, and a real dbt run of
the SLA models over them in a throwaway DuckDB warehouse (own target and log paths)."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import duckdb
from case_dbt import run_case_dbt
from company_fixtures import COMPANY_MODELS, write_company_resolution

from kernel.config import BusinessSettings
from kernel.config.model import Calendar, CalendarOverride, Service, SlaPolicy
from pipelines.sources.settings.tables import write_settings_tables

SLA_MODELS = [
    "int_service_calendar_range",
    "int_service_calendar_days",
    "int_service_working_intervals",
    "int_service_tickets_with_policy",
    "int_service_sla_clocks",
    "int_service_sla_business_pieces",
    "ticket_sla",
    "ticket_sla_escalations",
    *COMPANY_MODELS,
]

# The sla.md calendar and policy as business settings (not China's: proves the calendar is data).
CASE_SETTINGS = BusinessSettings(
    calendar=Calendar(
        china_public_holidays=False,
        overrides=[
            *(CalendarOverride(date=dt.date(2026, 10, d), type="holiday", name="国庆节") for d in range(1, 8)),
            CalendarOverride(date=dt.date(2026, 10, 10), type="workday", name="国庆节 调休"),
        ],
    ),
    service=Service(sla_policies=[
        SlaPolicy(id="standard", name="Standard", first_response_minutes=240,
                  next_response_minutes=480, resolution_minutes=960),
    ]),
)

# T1..T5 of sla.md as tickets and events (local times).
CASE_TICKETS = [
    ("T1", "2026-10-09 17:30:00", "closed"),
    ("T2", "2026-09-30 16:00:00", "closed"),
    ("T3", "2026-11-16 20:00:00", "closed"),
    ("T4", "2026-11-16 09:00:00", "resolved"),
    ("T5", "2026-11-19 10:00:00", "new"),
]
CASE_EVENTS = [
    # ticket, event_type, from, to, time
    ("T1", "status_change", None, "new", "2026-10-09 17:30:00"),
    ("T1", "agent_reply", None, None, "2026-10-10 09:30:00"),
    ("T2", "status_change", None, "new", "2026-09-30 16:00:00"),
    ("T2", "agent_reply", None, None, "2026-10-08 10:00:00"),
    ("T3", "status_change", None, "new", "2026-11-16 20:00:00"),
    ("T3", "agent_reply", None, None, "2026-11-17 13:30:00"),
    ("T4", "status_change", None, "new", "2026-11-16 09:00:00"),
    ("T4", "agent_reply", None, None, "2026-11-16 10:00:00"),
    ("T4", "status_change", "new", "in_progress", "2026-11-16 10:00:00"),
    ("T4", "status_change", "in_progress", "waiting_on_customer", "2026-11-16 11:00:00"),
    ("T4", "customer_reply", None, None, "2026-11-17 15:00:00"),
    ("T4", "status_change", "waiting_on_customer", "in_progress", "2026-11-17 15:00:00"),
    ("T4", "status_change", "in_progress", "resolved", "2026-11-18 12:00:00"),
    ("T5", "status_change", None, "new", "2026-11-19 10:00:00"),
]
CASE_AS_OF = "2026-11-20 10:00:00"


def build_case_warehouse(path: Path) -> None:
    """Staging tables holding only the sla.md tickets, plus the case calendar and policy
    (``settings`` tables written from ``CASE_SETTINGS``, as the pipeline's settings asset does)."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema staging")
        con.execute("create schema intermediate")
        con.execute(
            "create table intermediate.int_tickets_unioned (ticket_no varchar, account_id bigint, "
            "channel varchar, priority varchar, category varchar, status varchar, team varchar, "
            "assignee_agent_id varchar, created_at timestamp)"
        )
        con.executemany(
            "insert into intermediate.int_tickets_unioned values (?, 1, 'phone', 'P3', '故障报修', ?, '一线热线组', 'A1', cast(? as timestamp))",
            [(t, s, c) for t, c, s in CASE_TICKETS],
        )
        con.execute(
            "create table staging.stg_callcenter__ticket_events (event_id varchar, ticket_no varchar, "
            "event_type varchar, from_status varchar, to_status varchar, actor varchar, event_time timestamp)"
        )
        con.executemany(
            "insert into staging.stg_callcenter__ticket_events values (?, ?, ?, ?, ?, 'x', cast(? as timestamp))",
            [(f"E{n:02d}", *e) for n, e in enumerate(CASE_EVENTS)],
        )
        con.execute("create table intermediate.int_accounts_unioned (account_id bigint, account_name varchar, level varchar)")
        con.execute("insert into intermediate.int_accounts_unioned values (1, '客户甲', 'B')")
        write_company_resolution(con)
        write_settings_tables(con, CASE_SETTINGS)


def run_dbt(warehouse: Path, models: list[str], vars_yaml: str) -> subprocess.CompletedProcess:
    """dbt run of ``models`` on the case warehouse ``<folder>/warehouse.duckdb``."""
    return run_case_dbt(warehouse, ["run", "--select", *models], vars_yaml)
