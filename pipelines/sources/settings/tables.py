"""The business settings as typed warehouse tables (schema ``settings``), the form dbt reads.

dbt cannot read YAML, so the validated settings are written once per run as small tables: one
per list (calendar days, SLA policies, aging buckets ...) and one row of scalars
(``settings.parameters``). The column types are fixed here, whatever the YAML held, so the
SQL over them is the same on every run and on both engines. No Dagster here: the test
fixtures write the same tables into their throwaway warehouses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import duckdb
import pyarrow as pa

from kernel.config import BusinessSettings, calendar_exceptions, known_through_year

SCHEMA = "settings"

# table -> (description, [(column, DuckDB type)])
TABLES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "working_hours": (
        "Weekly working intervals per ISO weekday (1 = Monday), HH:MM local time (calendar.yml working_hours).",
        [("iso_weekday", "INTEGER"), ("start_time", "VARCHAR"), ("end_time", "VARCHAR")],
    ),
    "calendar_exceptions": (
        "Dated exceptions of the calendar: China's public holidays and make-up days (chinese-calendar) "
        "and the company's overrides, which win (calendar.yml).",
        [("calendar_date", "DATE"), ("day_type", "VARCHAR"), ("name", "VARCHAR"), ("source", "VARCHAR")],
    ),
    "calendar_exception_hours": (
        "Working intervals of every makeup_workday exception (calendar.yml makeup_workday_hours or the override's hours).",
        [("calendar_date", "DATE"), ("start_time", "VARCHAR"), ("end_time", "VARCHAR")],
    ),
    "sla_policies": (
        "SLA policies with targets in business minutes (service.yml sla_policies).",
        [("policy_id", "VARCHAR"), ("policy_name", "VARCHAR"), ("customer_tier", "VARCHAR"),
         ("channel", "VARCHAR"), ("priority", "VARCHAR"), ("first_response_minutes", "INTEGER"),
         ("next_response_minutes", "INTEGER"), ("resolution_minutes", "INTEGER")],
    ),
    "sla_pause_statuses": (
        "Ticket statuses that pause an SLA clock (service.yml sla_pause_statuses).",
        [("metric", "VARCHAR"), ("status", "VARCHAR")],
    ),
    "sla_escalations": (
        "Escalation steps at a share of an SLA target (service.yml sla_escalations).",
        [("policy_id", "VARCHAR"), ("metric", "VARCHAR"), ("at_share", "DOUBLE"), ("action", "VARCHAR")],
    ),
    "demand_tier_weights": (
        "Requirement demand points per distinct customer by account level (service.yml demand_weights.tier).",
        [("customer_tier", "VARCHAR"), ("weight", "DECIMAL(18,4)")],
    ),
    "aging_buckets": (
        "AR aging buckets by days past due, edges inclusive (finance.yml aging_buckets).",
        [("bucket", "VARCHAR"), ("min_days", "INTEGER"), ("max_days", "INTEGER"), ("sort_order", "INTEGER")],
    ),
    "expense_budgets": (
        "Sales expense budget per CRM department (name or code) and month, CNY (finance.yml expense_budgets).",
        [("department", "VARCHAR"), ("period_month", "DATE"), ("budget_amount", "DECIMAL(18,2)")],
    ),
    "position_plans": (
        "Commission plan by CRM position, effective-dated (finance.yml commission.position_plans).",
        [("position", "VARCHAR"), ("plan_code", "VARCHAR"), ("plan_version", "INTEGER"),
         ("effective_from", "DATE"), ("effective_to", "DATE"), ("credit_scope", "VARCHAR")],
    ),
    "stage_probabilities": (
        "Sales stages with order, default win probability (fraction 0-1) and forecast category (sales.yml stages).",
        [("stage", "VARCHAR"), ("stage_order", "INTEGER"), ("stage_probability", "DECIMAL(5,4)"),
         ("forecast_category", "VARCHAR"), ("is_closed", "BOOLEAN"), ("is_won", "BOOLEAN")],
    ),
    "sales_bands": (
        "Amount bands (CNY) and discount bands (percent off list) of the sales analytics, [lower, upper) "
        "(sales.yml amount_bands, discount_bands).",
        [("band_kind", "VARCHAR"), ("band", "VARCHAR"), ("lower_bound", "DECIMAL(18,2)"),
         ("upper_bound", "DECIMAL(18,2)"), ("sort_order", "INTEGER")],
    ),
    "parameters": (
        "One row: every scalar business setting as a typed column.",
        [("company_name", "VARCHAR"), ("is_demo", "BOOLEAN"),
         ("calendar_china_public_holidays", "BOOLEAN"), ("calendar_known_through_year", "INTEGER"),
         ("finance_overdue_warning_days", "INTEGER"), ("finance_rating_a_max_days_late", "INTEGER"),
         ("finance_rating_b_max_days_late", "INTEGER"), ("finance_rating_c_max_days_late", "INTEGER"),
         ("finance_commission_lock_through", "DATE"),
         ("partner_registration_protection_days", "INTEGER"),
         ("sales_quote_discount_threshold_pct", "DECIMAL(5,2)"), ("sales_lead_pool_days", "INTEGER"),
         ("sales_daily_snapshot_days", "INTEGER"),
         ("sales_stalled_deal_days", "INTEGER"), ("sales_inactive_account_days", "INTEGER"),
         ("service_field_overtime_hours", "DOUBLE"), ("service_demand_weight_tickets", "DECIMAL(18,4)"),
         ("service_demand_weight_customers", "DECIMAL(18,4)"),
         ("service_demand_weight_revenue_per_10k", "DECIMAL(18,4)")],
    ),
}


def _split(interval: str) -> tuple[str, str]:
    start, end = interval.split("-")
    return start, end


def _working_hours(bs: BusinessSettings) -> list[tuple]:
    return [(day, *_split(span)) for day, spans in bs.calendar.working_hours.items() for span in spans]


def _exceptions(bs: BusinessSettings) -> list[tuple]:
    return [(e.date, e.day_type, e.name, e.source) for e in calendar_exceptions(bs.calendar)]


def _exception_hours(bs: BusinessSettings) -> list[tuple]:
    return [(e.date, *_split(span)) for e in calendar_exceptions(bs.calendar) for span in e.hours]


def _parameters(bs: BusinessSettings) -> list[tuple]:
    s, f, sa, cal = bs.service, bs.finance, bs.sales, bs.calendar
    return [(
        bs.company.name, bs.company.demo,
        cal.china_public_holidays, known_through_year(bs),
        f.overdue_warning_days, f.payment_rating.a_max_days_late,
        f.payment_rating.b_max_days_late, f.payment_rating.c_max_days_late,
        f.commission.lock_through,
        bs.partner.registration_protection_days,
        sa.quote_discount_threshold_pct, sa.lead_pool_days, sa.daily_snapshot_days,
        sa.stalled_deal_days, sa.inactive_account_days,
        float(s.field_overtime_hours), s.demand_weights.tickets, s.demand_weights.customers,
        s.demand_weights.revenue_per_10k,
    )]


ROWS: dict[str, Callable[[BusinessSettings], list[tuple]]] = {
    "working_hours": _working_hours,
    "calendar_exceptions": _exceptions,
    "calendar_exception_hours": _exception_hours,
    "sla_policies": lambda bs: [
        (p.id, p.name, p.customer_tier, p.channel, p.priority, p.first_response_minutes,
         p.next_response_minutes, p.resolution_minutes) for p in bs.service.sla_policies],
    "sla_pause_statuses": lambda bs: [
        (metric, status) for metric, statuses in bs.service.sla_pause_statuses.items() for status in statuses],
    "sla_escalations": lambda bs: [
        (e.policy_id, e.metric, e.at_share, e.action) for e in bs.service.sla_escalations],
    "demand_tier_weights": lambda bs: list(bs.service.demand_weights.tier.items()),
    "aging_buckets": lambda bs: [
        (b.name, b.min_days, b.max_days, n) for n, b in enumerate(bs.finance.aging_buckets)],
    "expense_budgets": lambda bs: [
        (b.department, dt.date(int(b.month[:4]), int(b.month[5:]), 1), b.amount) for b in bs.finance.expense_budgets],
    "position_plans": lambda bs: [
        (p.position, p.plan_code, p.plan_version, p.effective_from, p.effective_to, p.credit_scope)
        for p in bs.commission.position_plans],
    "stage_probabilities": lambda bs: [
        (s.name, s.order, s.probability, s.forecast_category, s.is_closed, s.is_won) for s in bs.sales.stages],
    "sales_bands": lambda bs: [
        (kind, b.name, b.min, b.max, n)
        for kind, bands in (("amount", bs.sales.amount_bands), ("discount", bs.sales.discount_bands))
        for n, b in enumerate(bands)],
    "parameters": _parameters,
}
assert ROWS.keys() == TABLES.keys()


def _columnar(rows: list[tuple], columns: list[str]) -> pa.Table:
    """Rows as an Arrow table; every column its own array (types come from the target table)."""
    data: dict[str, list[Any]] = {c: [row[i] for row in rows] for i, c in enumerate(columns)}
    arrays = {c: pa.array(v) if any(x is not None for x in v) else pa.nulls(len(v)) for c, v in data.items()}
    return pa.table(arrays)


def write_settings_tables(con: duckdb.DuckDBPyConnection, bs: BusinessSettings) -> dict[str, int]:
    """Replace every ``settings.*`` table with ``bs``'s rows, in one transaction; rows per table."""
    counts = {}
    con.execute("begin")
    try:
        con.execute(f"create schema if not exists {SCHEMA}")
        for table, (_, columns) in TABLES.items():
            names = [c for c, _ in columns]
            rows = ROWS[table](bs)
            con.execute(f"create or replace table {SCHEMA}.{table} "
                        f"({', '.join(f'{c} {t}' for c, t in columns)})")
            if rows:
                con.register("settings_rows", _columnar(rows, names))
                con.execute(f"insert into {SCHEMA}.{table} select {', '.join(names)} from settings_rows")
                con.unregister("settings_rows")
            counts[table] = len(rows)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return counts
