"""A new lakehouse's first dbt step starts from the parse `crmlake prepare` saved (issue 16).

dbt parses the whole project again when the profile's connection values change, and re-reads
every file that used an environment variable whose value changed; with the lakehouse's absolute
warehouse and raw paths in them, every new lakehouse's first dbt step paid a full parse
("Unable to do partial parsing because profile has changed"). dbt now runs in the lakehouse
folder with those paths relative to it (kernel.settings.Settings.dbt_env, pipelines/dbt/project.py).

Here on a copy of the dbt project (one test adds and edits a model) with the parse `crmlake
prepare` saved for the real one: two lakehouses in different folders, one after the other, each reuse it and
still read their own raw files and write their own warehouse; a changed model is parsed again.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from dagster_dbt import DbtProject
from dbt_fixtures import write_raw_fixture

from kernel.runtime import settings_environment
from kernel.settings import get_settings
from pipelines.dbt.project import DBT_PROJECT_DIR, dbt_cli

PROBE = Path("models") / "parse_probe.sql"  # a model the second test adds to the copy
FULL_PARSE = "Unable to do partial parsing"
NOTHING_CHANGED = "Partial parsing enabled, no changes found, skipping parsing"


def test_dbt_paths_are_the_same_text_for_every_lakehouse(tmp_path: Path) -> None:
    one = get_settings({"CRMLAKE_HOME": str(tmp_path / "one")}).dbt_env()
    two = get_settings({"CRMLAKE_HOME": str(tmp_path / "elsewhere" / "two")}).dbt_env()
    for name in ("CRMLAKE_WAREHOUSE_PATH", "CRMLAKE_RAW_DIR"):
        assert one[name] == two[name] and not Path(one[name]).is_absolute()
    # ... and mean each lakehouse's own files once dbt starts in its folder
    assert Path(one["CRMLAKE_DBT_WORKDIR"]) / one["CRMLAKE_WAREHOUSE_PATH"] == tmp_path / "one" / "lakehouse" / "warehouse.duckdb"
    assert Path(two["CRMLAKE_DBT_WORKDIR"]) / two["CRMLAKE_RAW_DIR"] == tmp_path / "elsewhere" / "two" / "lakehouse" / "raw"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, dbt_manifest: Path) -> DbtProject:
    """A copy of the dbt project with the parse `crmlake prepare` saved for the real one."""
    copy = tmp_path_factory.mktemp("saved_parse") / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, copy, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    (copy / "target").mkdir()
    shutil.copy2(dbt_manifest.with_name("partial_parse.msgpack"), copy / "target")
    return DbtProject(project_dir=copy, profiles_dir=copy)


def _lakehouse(home: Path, *, drop_first_load: bool = False):
    settings = get_settings({"CRMLAKE_HOME": str(home)})
    write_raw_fixture(settings.raw_dir)
    if drop_first_load:  # this lakehouse's accounts: record 1 from the second load only
        (settings.raw_dir / "crm" / "accounts" / "0001_first_load.parquet").unlink()
    return settings


def _dbt_step(project: DbtProject, settings) -> str:
    """One dbt invocation as a pipeline step makes it; returns its dbt log."""
    target = settings.lakehouse_dir / "dbt_target"
    with settings_environment(settings, dbt=True):
        dbt_cli(target="duckdb", project=project).cli(
            ["run", "--select", "stg_crm__accounts parse_probe"], target_path=target
        ).wait()
    return (target / "dbt.log").read_text(encoding="utf-8")


def _rows(settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_fresh_lakehouses_reuse_the_saved_parse_and_keep_their_own_paths(project, tmp_path: Path) -> None:
    first = _lakehouse(tmp_path / "a")
    second = _lakehouse(tmp_path / "b" / "deeper", drop_first_load=True)
    for settings, accounts in ((first, 3), (second, 1)):
        log = _dbt_step(project, settings)
        assert FULL_PARSE not in log and NOTHING_CHANGED in log
        # dbt's own text format for files, not the JSON dagster-dbt reads from stdout (dbt_main.py)
        assert "[debug]" in log and not any(line.startswith("{") for line in log.splitlines())
        # each read its own raw folder (sources render it at parse time) into its own warehouse
        assert _rows(settings, "select count(*) from staging.stg_crm__accounts") == [(accounts,)]
    assert not list(Path(project.project_dir).glob("*.duckdb"))  # nothing resolved in the project


def test_a_new_or_changed_model_is_parsed_again(project, tmp_path: Path) -> None:
    settings = _lakehouse(tmp_path / "c")
    probe = Path(project.project_dir) / PROBE
    try:
        probe.write_text("select 1 as probe\n", encoding="utf-8")
        added = _dbt_step(project, settings)
        assert "1 files added, 0 files changed" in added
        assert _rows(settings, "select probe from main.parse_probe") == [(1,)]
        probe.write_text("select 2 as probe\n", encoding="utf-8")
        changed = _dbt_step(project, settings)[len(added):]  # dbt appends to its log
    finally:  # the copy matches its saved parse again for the other test
        probe.unlink()
    assert FULL_PARSE not in added + changed and "0 files added, 1 files changed" in changed
    assert _rows(settings, "select probe from main.parse_probe") == [(2,)]
