"""The dbt project as Dagster sees it: one DbtProject, one manifest.

The manifest is built by ``dbt parse`` at install time (``make install``); under
``dagster dev`` it is refreshed on load by ``prepare_if_dev``.
"""

from __future__ import annotations

from pathlib import Path

from dagster_dbt import DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()
