"""`crmlake status` on a hand-made snapshot: every entity, the last failed run, calendar warning."""

from __future__ import annotations

import datetime as dt

import duckdb

from kernel.config import china
from kernel.publish_status import collect_status, format_status, write_last_run
from kernel.settings import get_settings


def _snapshot(tmp_path, ticket_day: dt.date):
    settings = get_settings({"CRMLAKE_HOME": str(tmp_path)})
    settings.published_dir.mkdir(parents=True)
    with duckdb.connect(str(settings.published_database)) as con:
        con.execute("create schema staging")
        con.execute("create schema intermediate")
        con.execute(f"create table intermediate.int_tickets_unioned as select timestamp '{ticket_day} 10:00' as created_at")
    (settings.published_dir / "manifest.json").write_text(
        '{"published_at": "2026-12-01T08:00:00Z", "run_id": "r1", "tables": {}}', encoding="utf-8")
    return settings


def test_status_warns_when_tickets_run_past_the_known_holidays(tmp_path):
    beyond = dt.date(china.last_year() + 1, 1, 5)
    status = collect_status(_snapshot(tmp_path, beyond))
    assert len(status["warnings"]) == 1 and f"data runs to {beyond}" in status["warnings"][0]
    assert "WARNING" in format_status(status)


def test_status_is_quiet_inside_the_known_years(tmp_path):
    status = collect_status(_snapshot(tmp_path, dt.date(china.last_year(), 12, 1)))
    assert status["warnings"] == []


def test_status_lists_every_entity_and_the_failed_run_after_the_publish(tmp_path):
    settings = _snapshot(tmp_path, dt.date(2026, 11, 1))
    write_last_run(settings, "r2", False, 12.0, ["commission_statements: ValueError: bad"])
    status = collect_status(settings)
    assert all(not e["delivered"] for e in status["entities"]) and len(status["entities"]) >= 46
    text = format_status(status)
    assert "LAST RUN FAILED" in text and "commission_statements: ValueError: bad" in text
    assert "crm.accounts" in text and "not delivered" in text


def test_nothing_published_points_to_own_extracts_and_check(tmp_path):
    text = format_status(collect_status(get_settings({"CRMLAKE_HOME": str(tmp_path)})))
    assert "Nothing published yet" in text and "crmlake check" in text and "docs/sources.md" in text
