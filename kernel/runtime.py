"""Process set-up shared by the CLI, the Dagster code location and the apps.

Turns telemetry off everywhere and puts this Python's scripts (dbt, dagster) on ``PATH``
(:func:`prepare_process`). The settings themselves are exported as environment variables only
where a subprocess needs them: dbt reads the paths in ``profiles.yml`` and its source locations,
and dagster-dbt (0.29) hands its ``dbt`` subprocess the process environment with no way to pass
one explicitly, so the dbt asset runs it inside :func:`settings_environment` of its resource's
settings; the CLI exports them once at start (:func:`export_settings_env`) for the processes it
starts. Inside the Dagster code location settings travel by the ``lakehouse`` resource.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kernel.settings import Settings, get_settings

TELEMETRY_OFF = {
    "DO_NOT_TRACK": "1",
    "GX_ANALYTICS_ENABLED": "False",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
}

DAGSTER_YAML = """\
# Written by crmlake: local instance for `crmlake run` and `dagster dev`.
telemetry:
  enabled: false
# One pipeline run at a time: the warehouse is a single-writer DuckDB file.
concurrency:
  runs:
    max_concurrent_runs: 1
# Dagster's SQLite event log with one engine per file and no fsync per event
# (pipelines/dagster_event_log.py: ~12 ms -> under 1 ms an event).
event_log_storage:
  module: pipelines.dagster_event_log
  class: PooledSqliteEventLogStorage
  config:
    base_dir: {history}
"""


def prepare_process() -> None:
    """Telemetry off, and this Python's scripts first on ``PATH``."""
    os.environ.update(TELEMETRY_OFF)
    # dbt and dagster run as subprocesses: find the ones installed beside this Python even
    # when the virtual environment is not activated (e.g. `.venv/bin/crmlake run`).
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([scripts, os.environ.get("PATH", "")])


def export_settings_env(settings: Settings | None = None) -> Settings:
    """:func:`prepare_process`, and the settings as environment variables for subprocesses."""
    settings = settings or get_settings()
    prepare_process()
    os.environ.update(settings.as_env())
    return settings


@contextmanager
def settings_environment(settings: Settings, *, dbt: bool = False) -> Iterator[Settings]:
    """Export ``settings`` for the duration of a run, then restore the previous environment.

    Lets one process (a test session, the benchmark) run pipelines on several directories
    without one run's paths leaking into the next. ``dbt``: the paths as a dbt process started in
    the lakehouse folder reads them (:meth:`Settings.dbt_env`).
    """
    before = dict(os.environ)
    try:
        export_settings_env(settings)
        if dbt:
            os.environ.update(settings.dbt_env())
        yield settings
    finally:
        os.environ.clear()
        os.environ.update(before)


def ensure_dagster_home(settings: Settings) -> Path:
    """DAGSTER_HOME with telemetry disabled, so runs are kept and visible in the UI."""
    home = Path(os.environ.get("DAGSTER_HOME") or settings.dagster_home)
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    wanted = DAGSTER_YAML.format(history=(home / "history" / "runs").as_posix())
    # a file this product wrote is kept current; one a user wrote is theirs
    if not config.exists() or (config.read_text(encoding="utf-8").startswith(DAGSTER_YAML[:40])
                               and config.read_text(encoding="utf-8") != wanted):
        config.write_text(wanted, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    return home
