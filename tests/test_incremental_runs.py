"""`crmlake run` with nothing new says so and stops before Dagster starts (issue 16).

The pipeline itself is replaced by a recorder here (the decision is the CLI's; what counts as a
change is tests/test_run_inputs.py); the recorder publishes a file like a real run would.
"""

from __future__ import annotations

from types import SimpleNamespace

import dagster as dg
import pytest

from kernel.settings import get_settings
from pipelines.runner import _definitions
from tools import cli


class Started(list):
    """The selections the recorder was asked to run (None: everything), and for each whether its
    dbt steps could update incremental models in place (only a run of what changed may)."""

    def __init__(self):
        super().__init__()
        self.incremental_dbt: list[bool] = []


@pytest.fixture
def runs(tmp_path, monkeypatch):
    monkeypatch.setenv("CRMLAKE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CRMLAKE_OPERATIONAL_URL", f"sqlite:///{tmp_path / 'none' / 'store.sqlite'}")
    settings = get_settings()
    (settings.landing_dir / "erp" / "invoices").mkdir(parents=True)
    (settings.landing_dir / "erp" / "invoices" / "invoices_20261031.csv").write_text("a\n1\n", encoding="gbk")
    started = Started()

    def materialize(settings, select, instance=None, incremental_dbt=False):
        started.append(select)
        started.incremental_dbt.append(incremental_dbt)
        settings.published_database.parent.mkdir(parents=True, exist_ok=True)
        settings.published_database.write_bytes(b"snapshot")
        return SimpleNamespace(success=True, run_id=f"run-{len(started)}", get_asset_check_evaluations=list)

    monkeypatch.setattr("pipelines.dbt.project.ensure_manifest", lambda: None)
    monkeypatch.setattr("pipelines.runner.materialize", materialize)
    monkeypatch.setattr(cli, "cmd_status", lambda args: 0)
    return settings, started


def test_a_second_run_on_the_same_inputs_does_nothing(runs, capsys):
    settings, started = runs
    assert cli.main(["run"]) == 0 and len(started) == 1
    capsys.readouterr()
    assert cli.main(["run"]) == 0 and len(started) == 1  # Dagster never started
    out = capsys.readouterr().out
    assert "Nothing changed since run run-1" in out and "--full-refresh" in out


def test_a_new_landing_file_runs_what_it_feeds_and_full_refresh_everything(runs, capsys):
    settings, started = runs
    assert cli.main(["run"]) == 0 and started == [None]  # the first run: everything
    (settings.landing_dir / "erp" / "invoices" / "invoices_20261101.csv").write_text("a\n2\n", encoding="gbk")
    assert cli.main(["run"]) == 0 and len(started) == 2
    assert "what changed and everything it feeds (landing files of erp.invoices" in capsys.readouterr().out
    selected = started[-1]
    assert isinstance(selected, dg.AssetSelection)  # raw/erp/invoices and its downstream, not raw/crm/*
    resolved = selected.resolve(_definitions().resolve_asset_graph())
    names = {k.to_user_string() for k in resolved}
    assert {"raw/erp/invoices", "raw/landing_zone", "staging/stg_erp__invoices", "published/snapshot"} <= names
    assert "raw/crm/accounts" not in names and "staging/stg_crm__accounts" not in names
    assert cli.main(["run", "--full-refresh"]) == 0 and started[-1] is None
    assert started.incremental_dbt == [False, True, False]  # everything, what changed, --full-refresh


def test_a_selected_run_never_counts_as_the_last_whole_run(runs):
    settings, started = runs
    assert cli.main(["run", "--select", "key:raw/erp/invoices"]) == 0
    assert cli.main(["run"]) == 0 and len(started) == 2  # the whole run still happens
    assert cli.main(["run"]) == 0 and len(started) == 2
    assert started.incremental_dbt == [False, False]  # a selection rebuilds from all history too


def test_the_sensors_and_the_schedule_job_decides_like_the_command(runs):
    """The daemon's path (job crmlake_run, started by the landing and store sensors and the 06:00
    schedule) runs what changed and records it, so the command and the daemon agree."""
    from pipelines.jobs import crmlake_run_job
    from pipelines.resources import LakehouseResource

    settings, started = runs
    resources = {"lakehouse": LakehouseResource.from_settings(settings)}
    assert crmlake_run_job.execute_in_process(resources=resources).success and started == [None]
    assert crmlake_run_job.execute_in_process(resources=resources).success and len(started) == 1
    assert cli.main(["run"]) == 0 and len(started) == 1  # the command sees the daemon's run
    (settings.landing_dir / "erp" / "invoices" / "invoices_20261101.csv").write_text("a\n2\n", encoding="gbk")
    assert crmlake_run_job.execute_in_process(resources=resources).success and len(started) == 2
    assert isinstance(started[-1], dg.AssetSelection)  # what changed, not everything
    assert started.incremental_dbt == [False, True]
