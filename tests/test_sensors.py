"""The landing sensor asks for a run when files arrive or change, and only then."""

from __future__ import annotations

import os

import dagster as dg

from kernel.settings import get_settings
from pipelines.resources import LakehouseResource
from pipelines.sources.sensors import daily_schedule, landing_sensor

_HOME: dict[str, str] = {}


def _evaluate(cursor: str | None):
    """The sensor with the code location's resource, pointed at the test's home (no env read)."""
    lakehouse = LakehouseResource.from_settings(get_settings({"CRMLAKE_HOME": _HOME["home"]}))
    context = dg.build_sensor_context(cursor=cursor, resources={"lakehouse": lakehouse})
    result = landing_sensor(context)
    return result, context.cursor


def _accounts_page(tmp_path, name: str = "page_0001.json"):
    page = tmp_path / "landing" / "crm" / "accounts" / "full_20261031" / name
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text('{"totalSize": 0, "records": []}', encoding="utf-8")
    return page


def test_sensor_requests_a_run_for_new_and_changed_files_only(tmp_path, monkeypatch):
    _HOME["home"] = str(tmp_path)
    page = _accounts_page(tmp_path)

    first, cursor = _evaluate(None)
    assert isinstance(first, dg.RunRequest)

    again, same_cursor = _evaluate(cursor)
    assert isinstance(again, dg.SkipReason)
    assert same_cursor == cursor

    (tmp_path / "landing" / "notes.txt").write_text("not a contract file", encoding="utf-8")
    ignored, _ = _evaluate(cursor)
    assert isinstance(ignored, dg.SkipReason)

    page.write_text('{"totalSize": 1, "records": [{}]}', encoding="utf-8")
    os.utime(page, ns=(1, 2_000_000_000_000_000_000))
    changed, new_cursor = _evaluate(cursor)
    assert isinstance(changed, dg.RunRequest)
    assert new_cursor != cursor


def test_lock_and_hidden_files_start_no_run_a_real_new_file_does(tmp_path):
    """The fingerprint is the loaders' own discovery: what they skip is no delivery."""
    _HOME["home"] = str(tmp_path)
    _accounts_page(tmp_path)
    _, cursor = _evaluate(None)
    reports = tmp_path / "landing" / "partners" / "sales_reports" / "P001"
    reports.mkdir(parents=True)
    (reports / "~$2026-10.xlsx").write_bytes(b"lock")  # Excel's lock file of a partner's open workbook
    (tmp_path / "landing" / "crm" / "accounts" / "full_20261031" / "~$page_0002.json").write_text("{}")
    (tmp_path / "landing" / ".DS_Store").write_bytes(b"\0")
    (tmp_path / "landing" / "crm" / "accounts" / ".DS_Store").write_bytes(b"\0")
    skipped, same = _evaluate(cursor)
    assert isinstance(skipped, dg.SkipReason) and same == cursor

    _accounts_page(tmp_path, "page_0002.json")
    new, new_cursor = _evaluate(cursor)
    assert isinstance(new, dg.RunRequest) and new_cursor != cursor


def test_daily_schedule_and_sensors_run_what_changed_in_beijing_time():
    assert daily_schedule.job_name == "crmlake_run"  # `crmlake run`: nothing when nothing changed
    assert daily_schedule.execution_timezone == "Asia/Shanghai"
    assert landing_sensor.job_name == "crmlake_run"
