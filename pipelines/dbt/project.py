"""The dbt project as Dagster sees it: one DbtProject, one manifest.

The manifest is built by ``dbt parse`` at install time (``make install``); under
``dagster dev`` it is refreshed on load by ``prepare_if_dev``; the ``crmlake`` commands and the
tests refresh it with :func:`ensure_manifest` when the project changed since it was built.
"""

from __future__ import annotations

from pathlib import Path

from dagster_dbt import DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
_PROJECT_FILES = ("models/**/*", "macros/**/*", "tests/**/*", "*.yml")

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()


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
    """Parse the project (``dbt parse``) if the manifest is stale; call before loading assets."""
    if manifest_is_stale():
        dbt_project.preparer.prepare(dbt_project)
    return dbt_project.manifest_path
