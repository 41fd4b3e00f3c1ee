"""The dbt project as Dagster sees it: one DbtProject, one manifest.

The manifest is built at install time (``make install``, ``crmlake prepare``) by ``dbt compile``
of the data tests only: the graph as ``dbt parse`` gives it, plus each test's SQL, which
:mod:`pipelines.dbt.data_tests` runs in one connection instead of one dbt node per test. Under
``dagster dev`` it is refreshed on load by ``prepare_if_dev``; the ``crmlake`` commands and the
tests refresh it with :func:`ensure_manifest` when the project changed since it was built.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from dagster_dbt import DagsterDbtProjectPreparer, DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
_PROJECT_FILES = ("models/**/*", "macros/**/*", "tests/**/*", "*.yml")


class CompiledTestsPreparer(DagsterDbtProjectPreparer):
    """``dbt compile`` of the data tests on the DuckDB target, against a scratch warehouse.

    Compiling opens a connection; a scratch file keeps it off any real warehouse (a run may hold
    it), and its name is the real one's (``warehouse.duckdb``), so the compiled SQL names the
    catalog the runs use.
    """

    def __init__(self):
        super().__init__(["compile", "--quiet", "--target", "duckdb", "--select", "resource_type:test"])

    def _prepare_manifest(self, project: DbtProject) -> None:
        with tempfile.TemporaryDirectory(prefix="crmlake-dbt-compile-") as scratch:
            before = os.environ.get(_WAREHOUSE_ENV)
            os.environ[_WAREHOUSE_ENV] = str(Path(scratch) / "warehouse.duckdb")
            try:
                super()._prepare_manifest(project)
            finally:
                if before is None:
                    os.environ.pop(_WAREHOUSE_ENV, None)
                else:
                    os.environ[_WAREHOUSE_ENV] = before


_WAREHOUSE_ENV = "CRMLAKE_WAREHOUSE_PATH"

# dbt unit tests prove SQL logic on fixture rows, not the data: `make test` runs them
# (tests/test_dbt_project.py builds the project with them), a pipeline run leaves them out, as dbt
# recommends for production (11 of them ran in every one-day delta at S=1, on either engine).
UNIT_TESTS = "resource_type:unit_test"

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
