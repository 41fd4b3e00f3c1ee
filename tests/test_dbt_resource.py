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
