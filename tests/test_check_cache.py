"""A raw table unchanged since its suite passed is not validated again (issue 16): the key that
decides it, on tables written by the real loader."""

from __future__ import annotations

import os

import ingest_fixtures as fx
import pytest

from kernel.contracts import entity
from pipelines.checks.check_cache import raw_state_key, remember, remembered
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
