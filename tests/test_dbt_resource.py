"""The dbt resource the pipeline runs with does not start dbt processes of its own: no in-process
adapter before each step, no ``dbt --version`` before the first one (pipelines/dbt/assets.py)."""

from __future__ import annotations

import importlib.metadata
import subprocess

from kernel.runtime import prepare_process
from pipelines.dbt.assets import dbt_resource


def test_the_dbt_version_comes_from_the_package_not_a_dbt_process(monkeypatch):
    prepare_process()  # dbt on PATH, as in every run
    started = []
    real = subprocess.check_output

    def watching(args, *rest, **kwargs):
        started.append(list(args))
        return real(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "check_output", watching)
    monkeypatch.setattr("dagster_dbt.core.resource.check_output", watching, raising=False)
    resource = dbt_resource()
    assert str(resource._cli_version) == importlib.metadata.version("dbt-core")
    assert resource._cli_version.major == 1  # dbt-core, so dagster-dbt's dbt-core path is taken
    assert not started
    assert resource._initialize_dbt_core_adapter(["build"]) is None


def test_a_dbt_process_logs_text_to_its_file_and_collects_garbage_less_often(monkeypatch):
    """pipelines/dbt/dbt_main.py, with dbt's command line stood in for: what dbt starts with."""
    import gc
    import os
    import sys

    import dbt.cli.main

    from pipelines.dbt import dbt_main

    seen = []
    monkeypatch.setattr(dbt.cli.main, "cli", lambda: seen.append((os.environ["DBT_LOG_FORMAT_FILE"], gc.get_threshold())))
    monkeypatch.setattr(sys, "argv", ["dbt_main.py", "build"])
    monkeypatch.setenv("DBT_LOG_FORMAT_FILE", "")  # restored afterwards, whether set or not
    monkeypatch.delenv("DBT_LOG_FORMAT_FILE")
    before = gc.get_threshold()
    try:
        dbt_main.main()
        monkeypatch.setenv("DBT_LOG_FORMAT_FILE", "json")  # a caller's own choice stays
        dbt_main.main()
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
    assert seen == [("debug", (50_000, 10, 10)), ("json", (50_000, 10, 10))]
    assert sys.argv == ["dbt", "build"]
