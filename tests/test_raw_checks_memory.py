"""A raw check leaves none of the rows it validated in the process (issue 16, S=100 peak).

The checks run in the pipeline's process, which lives on through dbt: Great Expectations' pandas
engine kept the last frame of every suite, 3.7 GB of the bench process at S=100."""

from __future__ import annotations

import gc
import shutil

import ingest_fixtures as fx
import pandas as pd
import pytest

from kernel.contracts import entity
from pipelines.ingest import load_entity
from pipelines.ingest.layout import raw_dir_of

AGENTS = entity("callcenter.agents")
HEADER = ["agent_id", "agent_name", "team", "role", "crm_user_id", "hired_on"]
MARKER = "标记组-memory-test"  # a team name no other test writes


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("CRMLAKE_RAW_CHECK_ENGINE", "gx")  # the engine that holds frames; DuckDB reads none
    settings = fx.settings_for(tmp_path)
    rows = [
        ["A1", "张伟", MARKER, "agent", "", "2024-03-01"],
        ["A2", "李娜", MARKER, "lead", "", "2024-05-01"],
    ]
    fx.write(settings, "callcenter/agents/agents_202601.csv", fx.csv_bytes(HEADER, rows, "utf-8"))
    load_entity(AGENTS, settings)
    return settings


def _check(settings):
    import dagster as dg

    from pipelines.checks.raw_checks import raw_suite_result

    return raw_suite_result(AGENTS, settings, dg.AssetKey(["raw", "callcenter", "agents"]))


def _frames_holding_the_rows() -> int:
    gc.collect()
    return sum(
        1
        for o in gc.get_objects()
        if isinstance(o, pd.DataFrame)
        and "team" in o.columns
        and (o["team"].astype(str) == MARKER).any()
    )


def _cached_batches() -> int:
    from quality.validate import gx_context

    return sum(
        len(ds.get_execution_engine().batch_manager.batch_data_cache)
        for ds in gx_context().data_sources.all().values()
    )


def test_a_passing_check_part_by_part_keeps_no_frame(settings):
    result = _check(settings)
    assert result.passed
    assert _cached_batches() == 0
    assert _frames_holding_the_rows() == 0


def test_a_check_on_the_whole_table_keeps_no_frame(settings):
    """A raw file the ledger does not know sends the check to the whole table (and fails it)."""
    raw = raw_dir_of(AGENTS, settings)
    data = next(p for p in raw.glob("*.parquet") if not p.name.startswith("0000"))
    shutil.copy(data, raw / "zz_copied.parquet")
    result = _check(settings)
    assert not result.passed
    assert _cached_batches() == 0
    assert _frames_holding_the_rows() == 0
