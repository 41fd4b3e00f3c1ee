"""The project's table materialization on DuckDB (dbt_project/macros/table_materialization.sql):
one `create or replace table ... as` in the model's transaction.

A tiny dbt project carries the macro file itself and runs dbt as the pipeline does
(``python -P dbt_main.py``): a rebuild replaces the table and leaves no temporary or backup
relation, a view of the model's name becomes the table, a model whose SQL fails keeps the table
it had, and an option the materialization does not implement stops the build naming the model.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import duckdb
import pytest

from pipelines.dbt import dbt_main
from pipelines.dbt.project import DBT_PROJECT_DIR
from tools.tiny_dbt import dbt_command, write_tiny_project

MACRO = DBT_PROJECT_DIR / "macros" / "table_materialization.sql"


@pytest.fixture
def project(tmp_path) -> Path:
    return write_tiny_project(tmp_path, {}, macros=[MACRO])


def _model(project: Path, name: str, sql: str) -> None:
    (project / "models" / f"{name}.sql").write_text(sql, encoding="utf-8")


def _dbt_run(project: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != dbt_main.SOCKET_ENV}  # dbt in this process
    return subprocess.run(
        dbt_command(project, ["run"]), cwd=project, env={**env, "DBT_TARGET_PATH": str(project / "target"), "DBT_LOG_PATH": str(project / "target")},
        capture_output=True, text=True, timeout=300)


def _relations(project: Path) -> dict[str, str]:
    with duckdb.connect(str(project.parent / "warehouse.duckdb"), read_only=True) as con:
        return dict(con.execute("select table_name, table_type from information_schema.tables").fetchall())


def _rows(project: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(project.parent / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(f"select * from main.{table} order by all").fetchall()


def test_a_rebuild_replaces_the_table_and_leaves_nothing_beside_it(project):
    _model(project, "orders", "select 1 as order_id union all select 2")
    assert _dbt_run(project).returncode == 0
    _model(project, "orders", "select 3 as order_id")
    assert _dbt_run(project).returncode == 0
    assert _rows(project, "orders") == [(3,)]
    assert _relations(project) == {"orders": "BASE TABLE"}  # no __dbt_tmp, no __dbt_backup


def test_a_view_of_the_model_s_name_becomes_the_table(project):
    with duckdb.connect(str(project.parent / "warehouse.duckdb")) as con:
        con.execute("create view main.orders as select 42 as order_id")
    _model(project, "orders", "select 1 as order_id")
    assert _dbt_run(project).returncode == 0
    assert _relations(project) == {"orders": "BASE TABLE"} and _rows(project, "orders") == [(1,)]


def test_a_model_whose_sql_fails_keeps_the_table_it_had(project):
    _model(project, "orders", "select 1 as order_id")
    assert _dbt_run(project).returncode == 0
    _model(project, "orders", "select * from no_such_table")
    failed = _dbt_run(project)
    assert failed.returncode == 1 and "no_such_table" in failed.stdout
    assert _rows(project, "orders") == [(1,)]


def test_an_option_it_does_not_implement_stops_the_build_naming_the_model(project):
    _model(project, "orders", "{{ config(indexes=[{'columns': ['order_id']}]) }}\nselect 1 as order_id")
    failed = _dbt_run(project)
    assert failed.returncode == 1
    assert "model.tiny.orders" in failed.stdout and "does not support indexes" in failed.stdout
    assert "orders" not in _relations(project)
