"""A raw table unchanged since its suite passed is not validated again (issue 16): the key that
decides it, on tables written by the real loader."""

from __future__ import annotations

import os
import shutil

import ingest_fixtures as fx
import pytest

from kernel.contracts import entity
from pipelines.checks.check_cache import (
    cache_dir,
    incremental_base,
    raw_state_key,
    remember,
    remembered,
)
from pipelines.ingest import load_entity
from pipelines.ingest.layout import raw_dir_of

AGENTS = entity("callcenter.agents")
HEADER = ["agent_id", "agent_name", "team", "role", "crm_user_id", "hired_on"]


@pytest.fixture
def settings(tmp_path):
    settings = fx.settings_for(tmp_path)
    rows = [["A1", "张伟", "华东一组", "agent", "", "2024-03-01"]]
    fx.write(settings, "callcenter/agents/agents_202601.csv", fx.csv_bytes(HEADER, rows, "utf-8"))
    load_entity(AGENTS, settings)
    return settings


def test_a_load_with_nothing_new_keeps_the_key(settings):
    before = raw_state_key(AGENTS, settings)
    load_entity(AGENTS, settings)  # rewrites the schema file, skips the unchanged landing file
    assert raw_state_key(AGENTS, settings) == before


def test_a_new_or_redelivered_file_changes_the_key(settings):
    before = raw_state_key(AGENTS, settings)
    rows = [["A2", "李娜", "华东一组", "agent", "", "2024-05-01"]]
    fx.write(settings, "callcenter/agents/agents_202602.csv", fx.csv_bytes(HEADER, rows, "utf-8"))
    load_entity(AGENTS, settings)
    after_new = raw_state_key(AGENTS, settings)
    assert after_new != before
    rows = [["A1", "张伟", "华南二组", "agent", "", "2024-03-01"]]  # same name, corrected bytes
    fx.write(settings, "callcenter/agents/agents_202601.csv", fx.csv_bytes(HEADER, rows, "utf-8"))
    load_entity(AGENTS, settings)
    assert raw_state_key(AGENTS, settings) not in (before, after_new)


def test_a_touched_raw_file_changes_the_key(settings):
    before = raw_state_key(AGENTS, settings)
    data = next(p for p in raw_dir_of(AGENTS, settings).glob("*.parquet") if not p.name.startswith("0000"))
    stat = data.stat()
    os.utime(data, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert raw_state_key(AGENTS, settings) != before


def test_only_the_same_key_finds_the_verdict(settings):
    key = raw_state_key(AGENTS, settings)
    assert remembered(AGENTS, settings, key) is None
    remember(AGENTS, settings, key, {"row_count": 1, "warnings": ["w"]}, "w")
    assert remembered(AGENTS, settings, key)["metadata"] == {"row_count": 1, "warnings": ["w"]}
    assert remembered(AGENTS, settings, "another state") is None


# ------------------------------------------------------------------ incremental validation


def _check(settings):
    """The verdict of the real raw_suite check of callcenter.agents, as the raw suites step computes it."""
    import dagster as dg

    from pipelines.checks.raw_checks import raw_suite_result

    return raw_suite_result(AGENTS, settings, dg.AssetKey(["raw", "callcenter", "agents"]))


def _meta(result) -> dict:
    return {k: getattr(v, "value", v) for k, v in result.metadata.items()}


def _deliver(settings, name, rows):
    fx.write(settings, f"callcenter/agents/{name}", fx.csv_bytes(HEADER, rows, "utf-8"))
    load_entity(AGENTS, settings)


def test_a_delivery_that_only_adds_files_is_validated_on_its_new_rows(settings):
    first = _check(settings)
    assert first.passed and "incremental" not in _meta(first)
    _deliver(settings, "agents_202602.csv", [["A2", "李娜", "华东一组", "agent", "", "2024-05-01"],
                                             ["A3", "王芳", "华东一组", "lead", "", "2024-06-01"]])
    base = incremental_base(AGENTS, settings)
    assert base is not None and base.validated_rows == 1 and len(base.new_files) == 1
    second = _check(settings)
    assert second.passed
    assert _meta(second)["incremental"] is True and _meta(second)["rows_validated"] == 2
    _deliver(settings, "agents_202603.csv", [["A4", "赵磊", "华南二组", "agent", "", "2024-07-01"]])
    third = _check(settings)  # builds on the second verdict: 1 + 2 rows remembered, 1 new
    assert third.passed and _meta(third)["rows_validated"] == 1
    assert incremental_base(AGENTS, settings) is None  # nothing new since


def test_a_redelivered_file_sends_the_check_back_to_the_whole_table(settings):
    assert _check(settings).passed
    _deliver(settings, "agents_202601.csv", [["A1", "张伟", "华南二组", "agent", "", "2024-03-01"]])
    assert incremental_base(AGENTS, settings) is None
    again = _check(settings)
    assert again.passed and "incremental" not in _meta(again)


def test_a_new_part_that_fails_is_reported_as_the_whole_table_fails(settings):
    """A raw file the ledger does not know: the count no longer reconciles. The failure names the
    whole table's count (2 rows, ledger 1), not the new part's."""
    import shutil

    assert _check(settings).passed
    raw = raw_dir_of(AGENTS, settings)
    data = next(p for p in raw.glob("*.parquet") if not p.name.startswith("0000"))
    shutil.copy(data, raw / "zz_copied.parquet")  # also repeats the lineage key of an old row
    result = _check(settings)
    assert not result.passed and "incremental" not in _meta(result)
    assert "raw has 2 rows but the ledger says 1" in (result.description or "")


def test_a_large_table_is_validated_part_by_part_with_the_same_verdict(settings, monkeypatch):
    """Parts of at most ROWS_PER_PART rows keep GX's pandas frames small (S=100: 11.9 GB before)."""
    from pipelines.checks import raw_checks

    _deliver(settings, "agents_202602.csv", [["A2", "李娜", "华东一组", "agent", "", "2024-05-01"]])
    _deliver(settings, "agents_202603.csv", [["A3", "王芳", "华东一组", "lead", "", "2024-06-01"]])
    monkeypatch.setattr(raw_checks, "ROWS_PER_PART", 1)
    monkeypatch.setenv("CRMLAKE_RAW_CHECK_ENGINE", "gx")  # GX holds each part in pandas
    whole = _check(settings)
    assert whole.passed and _meta(whole)["parts"] == 3 and _meta(whole)["rows_validated"] == 3
    shutil.rmtree(cache_dir(settings))  # the verdict is remembered: validate again
    monkeypatch.setenv("CRMLAKE_RAW_CHECK_ENGINE", "duckdb")  # DuckDB streams: one part, the same verdict
    streamed = _check(settings)
    assert streamed.passed and _meta(streamed)["parts"] == 1 and _meta(streamed)["rows_validated"] == 3
    assert streamed.description == whole.description
    assert raw_checks._parts(["a", "b", "c", "d"], {"a": 1, "b": 2, "c": 5, "d": 1}) == [["a"], ["b"], ["c"], ["d"]]
    monkeypatch.setattr(raw_checks, "ROWS_PER_PART", 3)
    assert raw_checks._parts(["a", "b", "c", "d"], {"a": 1, "b": 2, "c": 5, "d": 1}) == [["a", "b"], ["c"], ["d"]]
