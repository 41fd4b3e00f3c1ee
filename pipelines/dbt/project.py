"""The dbt project as Dagster sees it: one DbtProject, one manifest.

The manifest is built at install time (``make install``, ``crmlake prepare``) by ``dbt compile``
of the data tests only: the graph as ``dbt parse`` gives it, plus each test's SQL, which
:mod:`pipelines.dbt.data_tests` runs in one connection instead of one dbt node per test. Under
``dagster dev`` it is refreshed on load by ``prepare_if_dev``; the ``crmlake`` commands and the
tests refresh it with :func:`ensure_manifest` when the project changed since it was built.

dbt runs in the lakehouse folder (:class:`DbtInLakehouse`), so the profile and the sources name
its paths relative to it: the same text for every lakehouse, and the parse ``crmlake prepare``
saves (``target/partial_parse.msgpack``, which dagster-dbt copies into a lakehouse's empty
``dbt_target``) is valid there; a new lakehouse's first dbt step parses nothing again.
"""

from __future__ import annotations

import importlib.metadata
import sys
import tempfile
from dataclasses import replace
from functools import cached_property
from pathlib import Path

from dagster_dbt import DagsterDbtProjectPreparer, DbtCliResource, DbtProject
from packaging import version

from kernel.runtime import settings_environment
from kernel.settings import get_settings

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
_PROJECT_FILES = ("models/**/*", "macros/**/*", "tests/**/*", "*.yml")
# --target as the steps' resource names it (dbt_resource): dbt's saved parse is also keyed on the
# profile and target named on the command line.
_COMPILE_TESTS = ["compile", "--quiet", "--target", "duckdb", "--select", "resource_type:test"]

# dagster-dbt starts dbt in the project folder; this shell line moves it to CRMLAKE_DBT_WORKDIR
# (Settings.dbt_env: the lakehouse folder) first. $0 is this environment's Python, which runs dbt's
# command line through dbt_main.py (its garbage collection and log file: see there).
_START_IN_WORKDIR = [
    "-c", 'cd "${CRMLAKE_DBT_WORKDIR:-.}" && exec "$0" -P "$@"',
    sys.executable, str(Path(__file__).with_name("dbt_main.py")),
]


class DbtInLakehouse(DbtCliResource):
    """dagster-dbt's resource, with dbt started in the lakehouse folder and two costs removed.

    The folder: see the module's docstring. The costs: the dbt adapter dagster-dbt builds in this
    process before every dbt invocation (it loads the profile, the project and the adapter: 8.8 %
    of a one-day delta's Python time at S=1, three dbt steps) serves only ``fetch_row_counts``
    and ``fetch_column_metadata``, which this project does not call; dbt itself runs in its own
    process either way. It overrides a private method of dagster-dbt 0.28-0.29 (the pinned range):
    should a later version drop it, the override is merely unused."""

    def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002 (dagster-dbt's signature)
        return None

    @cached_property
    def _cli_version(self) -> version.Version:
        """dbt-core's version from its package metadata. dagster-dbt asks a whole ``dbt --version``
        process (an import of dbt: 187 py-spy samples, ~4.7 s CPU of a one-day delta at S=1 under
        load) before the first dbt step of every run; the ``dbt`` it runs is this environment's."""
        return version.parse(importlib.metadata.version("dbt-core"))


def dbt_cli(target: str | None = None, project: DbtProject | None = None) -> DbtInLakehouse:
    """The dbt resource (``target``: the profile's target, default its own; ``project``: this one)."""
    project = project or dbt_project
    return DbtInLakehouse(
        project_dir=project, profiles_dir=str(project.profiles_dir), target=target,
        dbt_executable="/bin/sh", global_config_flags=_START_IN_WORKDIR,
    )


def run_in_scratch_lakehouse(project: DbtProject, args: list[str]) -> None:
    """dbt ``args`` in a scratch lakehouse folder with the paths a run's dbt step sees, so the
    parse it saves in the project's target folder is valid in every lakehouse."""
    with tempfile.TemporaryDirectory(prefix="crmlake-dbt-compile-") as scratch:
        with settings_environment(replace(get_settings(), lakehouse_dir=Path(scratch)), dbt=True):
            dbt_cli(project=project).cli(args, target_path=project.target_path).wait()


class CompiledTestsPreparer(DagsterDbtProjectPreparer):
    """``dbt compile`` of the data tests on the DuckDB target, in a scratch lakehouse folder.

    Compiling opens a connection; a scratch file keeps it off any real warehouse (a run may hold
    it). The paths dbt sees are a run's (``warehouse.duckdb``, ``raw``, relative to its folder),
    so the compiled SQL names the catalog the runs use and the saved parse is valid in every
    lakehouse. (The project has no seeds, whose absolute paths dagster-dbt's own preparer drops.)
    """

    def __init__(self):
        super().__init__(_COMPILE_TESTS)

    def _prepare_manifest(self, project: DbtProject) -> None:
        run_in_scratch_lakehouse(project, _COMPILE_TESTS)


# dbt unit tests prove SQL logic on fixture rows, not the data: `make test` runs them
# (tests/test_dbt_project.py builds the project with them), a pipeline run leaves them out, as dbt
# recommends for production (11 of them ran in every one-day delta at S=1, on either engine).
UNIT_TESTS = "resource_type:unit_test"

# The run tag that lets a run's dbt steps update incremental models in place (the staging of the
# large sources, macros/staging_incremental.sql). Only a "what changed" run after a good whole run
# with the same code and settings sets it (pipelines/run_what_changed.py); every other run (a whole
# or --full-refresh run, --select, the UI's jobs) builds them with --full-refresh, from all history.
DBT_INCREMENTAL_TAG = "crmlake/dbt_incremental"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
PREPARER = CompiledTestsPreparer()
PREPARER.prepare_if_dev(dbt_project)


def prepare_manifest() -> Path:
    """Build the manifest (the install step, ``crmlake prepare``)."""
    PREPARER.prepare(dbt_project)
    return dbt_project.manifest_path


def manifest_is_stale() -> bool:
    """True when the manifest is missing or older than any file of the dbt project."""
    manifest = dbt_project.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    return any(
        path.is_file() and path.stat().st_mtime > built
        for pattern in _PROJECT_FILES
        for path in DBT_PROJECT_DIR.glob(pattern)
    )


def ensure_manifest() -> Path:
    """Rebuild the manifest if it is stale; call before loading assets."""
    if manifest_is_stale():
        prepare_manifest()
    return dbt_project.manifest_path
