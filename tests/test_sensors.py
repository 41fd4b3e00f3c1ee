"""The landing sensor asks for a run when files arrive or change, and only then."""

from __future__ import annotations

import os

import dagster as dg

from kernel.settings import get_settings
from pipelines.sources.sensors import daily_schedule, landing_sensor


def _evaluate(cursor: str | None):
    context = dg.build_sensor_context(cursor=cursor)
    result = landing_sensor(context)
    return result, context.cursor


def test_sensor_requests_a_run_for_new_and_changed_files_only(tmp_path, monkeypatch):
    for key, value in get_settings({"CRMLAKE_HOME": str(tmp_path)}).as_env().items():
        monkeypatch.setenv(key, value)
    page = tmp_path / "landing" / "crm" / "accounts" / "full_20261031" / "page_0001.json"
    page.parent.mkdir(parents=True)
    page.write_text('{"totalSize": 0, "records": []}', encoding="utf-8")

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


def test_daily_schedule_runs_the_whole_pipeline_in_beijing_time():
    assert daily_schedule.job_name == "everything"
    assert daily_schedule.execution_timezone == "Asia/Shanghai"
