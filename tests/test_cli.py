"""The crmlake command: status --json is what analysts and scripts rely on."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def _crmlake(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tools.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )


def test_status_before_anything_is_published(tmp_path):
    env = {"CRMLAKE_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = json.loads(_crmlake("status", "--json", env=env).stdout)
    assert out["published"] is False
    assert out["published_database"] == str(tmp_path / "published" / "crmlake.duckdb")
    assert out["tables"] == {}


@pytest.mark.slow
def test_status_json_names_the_published_database_and_row_counts(pipeline_run):
    env = {**pipeline_run.settings.as_env(), "PATH": "/usr/bin:/bin"}
    out = json.loads(_crmlake("status", "--json", env=env).stdout)
    assert out["published_database"] == str(pipeline_run.settings.published_database)
    assert out["tables"]["staging.stg_crm__accounts"] > 0
    loads = {row["entity"]: row for row in out["loads"]}
    assert loads["crm.accounts"]["rows_loaded"] > 0
    assert out["quarantine"]["rows"] > 0
    human = _crmlake("status", env=env).stdout
    assert "published database" in human
