"""The dbt project: every contract entity has a source and a staging model, and staging builds.

Static checks read the YAML; the build runs `dbt build` (models, data tests, unit tests) once
over small Parquet fixtures (tests/dbt_fixtures.py) in a temporary raw dir and warehouse.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import yaml
from case_dbt import run_case_dbt
from dbt_fixtures import FixtureExpectation, write_raw_fixture
from staging_naming import staging_column

from kernel.contracts import EntitySpec, load_contract

REPO = Path(__file__).resolve().parents[1]
PROJECT = REPO / "dbt_project"
STAGING = PROJECT / "models" / "staging"
ENTITIES = list(load_contract().values())
IDS = [e.qualified_name for e in ENTITIES]


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _source_tables(system: str) -> dict[str, dict]:
    doc = _yaml(STAGING / system / f"_{system}__sources.yml")
    (source,) = [s for s in doc["sources"] if s["name"] == system]
    return {t["name"]: t for t in source["tables"]}


def _model_entries(system: str) -> dict[str, dict]:
    doc = _yaml(STAGING / system / f"_{system}__models.yml")
    return {m["name"]: m for m in doc["models"]}


def _model_name(entity: EntitySpec) -> str:
    return f"stg_{entity.system}__{entity.name}"


# ------------------------------------------------------------------ static: files and YAML


@pytest.mark.parametrize("entity", ENTITIES, ids=IDS)
def test_every_entity_has_a_source_reading_its_parquet_folder(entity: EntitySpec) -> None:
    table = _source_tables(entity.system).get(entity.name)
    assert table is not None, f"no source {entity.system}.{entity.name}"
    location = table["config"]["meta"]["external_location"]
    assert location.startswith("read_parquet(") and "union_by_name=true" in location
    assert f"/{entity.system}/{entity.name}/*.parquet'" in location
    assert table.get("description")


@pytest.mark.parametrize("entity", ENTITIES, ids=IDS)
def test_every_entity_has_a_staging_model(entity: EntitySpec) -> None:
    sql_path = STAGING / entity.system / f"{_model_name(entity)}.sql"
    assert sql_path.exists(), f"missing {sql_path.relative_to(REPO)}"
    sql = sql_path.read_text(encoding="utf-8")
    assert f"source('{entity.system}', '{entity.name}')" in sql
    # every staging model keeps one row per key (staging_latest wraps dedupe_latest with the lineage tiebreak)
    body = re.sub(r"\{\{ staging_tombstones\(\[[^]]*\]\) \}\}\s*$", "", sql.rstrip())
    assert re.search(r"\b(staging_latest|dedupe_latest)\(", sql) and body.rstrip().endswith("select * from final")
    # an incremental staging model (macros/staging_incremental.sql) names the same keys in its three calls
    keys = re.findall(r"staging_(?:incremental_config|touched_keys|tombstones)\((\[[^]]*\])\)", sql)
    assert len(keys) in (0, 3) and len(set(keys)) <= 1, keys
    # One source per staging model: the store's rows join in models/intermediate/unioned.
    assert "ref(" not in sql and sql.count("source(") == 1
    # Portable SQL only: the default__ macros are meant to run on Spark as well.
    assert not re.search(r"\bqualify\b|::|\bstrftime\b", sql, re.IGNORECASE)


@pytest.mark.parametrize("entity", ENTITIES, ids=IDS)
def test_every_contract_field_is_documented_in_the_model_yaml(entity: EntitySpec) -> None:
    model = _model_entries(entity.system).get(_model_name(entity))
    assert model is not None, f"{_model_name(entity)} missing from _{entity.system}__models.yml"
    assert model.get("description")
    columns = {c["name"]: c for c in model["columns"]}
    for name in (*entity.field_names, *entity.path_field_names):
        staged = staging_column(entity, name)
        assert staged in columns, f"{entity.qualified_name}.{name} ({staged}) not in the YAML"
        assert columns[staged].get("description"), f"{staged} has no description"
    assert {"source_file", "loaded_at"} <= set(columns)


@pytest.mark.parametrize("entity", ENTITIES, ids=IDS)
def test_keys_required_fields_and_enums_are_tested(entity: EntitySpec) -> None:
    model = _model_entries(entity.system)[_model_name(entity)]
    tests = {c["name"]: c.get("data_tests", []) for c in model["columns"]}
    names = {
        col: {t if isinstance(t, str) else next(iter(t)) for t in col_tests}
        for col, col_tests in tests.items()
    }
    keys = [staging_column(entity, k) for k in entity.key]
    if len(keys) == 1:
        assert {"unique", "not_null"} <= names[keys[0]]
    else:
        (combo,) = [t["unique_combination"] for t in model["data_tests"]]
        assert combo["arguments"]["combination_of_columns"] == keys
    for f in entity.fields:
        staged = staging_column(entity, f.name)
        if f.required:
            assert "not_null" in names[staged], staged
        if f.values:
            (accepted,) = [t["accepted_values"] for t in tests[staged] if "accepted_values" in t]
            assert accepted["arguments"]["values"] == list(f.values)
    # Source data problems warn (orphans are in the demo data on purpose; unknown enum values
    # pass the loaders); what staging guarantees (keys, required fields) fails the build, for
    # the store's rows too unless the screens have their own rule (test_hardening_store_vs_staging).
    for col_tests in tests.values():
        for t in col_tests:
            if isinstance(t, dict):
                ((kind, spec),) = t.items()
                if kind == "not_null":
                    assert spec["config"] == {"where": "source_system <> 'ops'"}, kind
                else:
                    assert spec["config"]["severity"] == "warn", kind


def test_naming_rule() -> None:
    c = load_contract()
    assert staging_column(c["crm.accounts"], "accountName") == "account_name"
    assert staging_column(c["crm.accounts"], "id") == "account_id"
    assert staging_column(c["crm.users"], "dimDepart") == "department_id"
    assert staging_column(c["crm.departments"], "parentDepartId") == "parent_department_id"
    assert staging_column(c["crm.opportunities"], "winRate") == "win_rate_pct"
    assert staging_column(c["crm.accounts"], "inPool") == "is_in_pool"
    assert staging_column(c["crm.products"], "isBulk") == "is_bulk"
    assert staging_column(c["erp.bank_receipts"], "bank_txn_no") == "bank_txn_no"
    assert staging_column(c["callcenter.transcripts"], "ts") == "sent_at"


# ------------------------------------------------------------------ dbt parse and build


@dataclass
class DbtBuild:
    result: subprocess.CompletedProcess
    run_results: dict
    warehouse: Path
    expectations: dict[str, FixtureExpectation]


def _dbt(args: list[str], tmp: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    # Target and logs in tmp: other runs (the pipeline, other tests) use dbt_project/target.
    dbt = Path(sys.executable).with_name("dbt")
    command = [
        str(dbt),
        *args,
        "--project-dir",
        str(PROJECT),
        "--profiles-dir",
        str(PROJECT),
        "--target-path",
        str(tmp / "target"),
        "--log-path",
        str(tmp / "logs"),
    ]
    full_env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "False", **env}
    return subprocess.run(command, capture_output=True, text=True, env=full_env, timeout=600)


def test_dbt_parse(tmp_path: Path) -> None:
    env = {
        "CRMLAKE_RAW_DIR": str(tmp_path / "raw"),
        "CRMLAKE_WAREHOUSE_PATH": str(tmp_path / "warehouse.duckdb"),
    }
    result = _dbt(["parse"], tmp_path, env)
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text(encoding="utf-8"))
    models = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    assert {_model_name(e) for e in ENTITIES} <= models
    systems = {e.system for e in ENTITIES}
    raw_sources = [s for s in manifest["sources"].values() if s["source_name"] in systems]
    assert len(raw_sources) == len(ENTITIES)  # other sources: tables written by Python assets
    # dbt-duckdb reads config.meta.external_location; env_var is rendered at parse time.
    accounts = manifest["sources"]["source.crmlake.crm.accounts"]
    location = accounts["config"]["meta"]["external_location"]
    assert (
        location == f"read_parquet('{tmp_path / 'raw'}/crm/accounts/*.parquet', union_by_name=true)"
    )
    assert "Deprecat" not in result.stdout, result.stdout


@pytest.fixture(scope="module")
def dbt_build(tmp_path_factory: pytest.TempPathFactory) -> DbtBuild:
    tmp = tmp_path_factory.mktemp("dbt_build")
    expectations = write_raw_fixture(tmp / "raw")
    warehouse = tmp / "warehouse.duckdb"
    # staging only: marts may read tables that Python assets write in the real pipeline;
    # cautious like the pipeline: a unioned model's relationships test into staging waits for it.
    # Started as a pipeline step starts dbt, from the parse `crmlake prepare` saved (case_dbt.py);
    # test_dbt_parse above parses the project whole.
    result = run_case_dbt(warehouse, ["build", "--select", "path:models/staging", "--indirect-selection", "cautious"])
    run_results_path = tmp / "target" / "run_results.json"
    run_results = json.loads(run_results_path.read_text()) if run_results_path.exists() else {}
    return DbtBuild(result, run_results, warehouse, expectations)


@pytest.fixture(scope="module")
def warehouse(dbt_build: DbtBuild):
    assert dbt_build.result.returncode == 0, dbt_build.result.stdout[-5000:]
    con = duckdb.connect(str(dbt_build.warehouse), read_only=True)
    yield con
    con.close()


def _results_of(build: DbtBuild, resource_type: str) -> dict[str, str]:
    prefix = f"{resource_type}."
    return {
        r["unique_id"]: r["status"]
        for r in build.run_results.get("results", [])
        if r["unique_id"].startswith(prefix)
    }


def test_dbt_build_succeeds(dbt_build: DbtBuild) -> None:
    assert dbt_build.result.returncode == 0, dbt_build.result.stdout[-5000:]
    models = _results_of(dbt_build, "model")
    ops_models = list((STAGING / "ops").glob("stg_ops__*.sql"))  # the operational store's
    assert len(models) == len(ENTITIES) + len(ops_models) and set(models.values()) == {"success"}
    tests = _results_of(dbt_build, "test")
    failing = {k: v for k, v in tests.items() if v not in ("pass", "warn")}
    assert not failing
    # Only relationships may warn (the fixture's string references are partly orphans).
    assert all(".relationships_" in k for k, v in tests.items() if v == "warn")


def test_unit_tests_pass(dbt_build: DbtBuild) -> None:
    units = _results_of(dbt_build, "unit_test")
    names = {k.rsplit(".", 1)[-1] for k in units}
    assert {
        "stg_crm__accounts_keeps_latest_version",
        "stg_crm__accounts_epoch_ms_to_local",
        "stg_callcenter__transcripts_utc_to_local_and_latest_load",
        "stg_crm__activities_incremental_recomputes_only_touched_keys",
        "stg_crm__activities_full_build_of_the_same_raw_rows",
    } <= names
    assert set(units.values()) == {"pass"}


@pytest.mark.parametrize("entity", ENTITIES, ids=IDS)
def test_staging_keeps_the_latest_version_per_key(warehouse, dbt_build, entity) -> None:
    expected = dbt_build.expectations[entity.qualified_name]
    keys = [staging_column(entity, k) for k in entity.key]
    table = f"staging.{_model_name(entity)}"
    rows, distinct = warehouse.execute(
        f"select count(*), count(distinct ({', '.join(keys)})) from {table}"
    ).fetchone()
    assert rows == distinct == expected.distinct_keys
    # Record 1 (row 1 of both loads) came twice: exactly one copy is left, the expected one.
    files = warehouse.execute(
        f"select source_file from {table} where source_row_number = 1 and source_file in (?, ?)",
        [expected.winning_file, expected.losing_file],
    ).fetchall()
    assert files == [(expected.winning_file,)]


def test_staging_types_timezones_and_chinese_text(warehouse) -> None:
    account = warehouse.execute(
        "select account_name, created_at, updated_at, is_in_pool from staging.stg_crm__accounts"
        " where account_id = 1"
    ).fetchone()
    # createdAt = 2025-01-01 01:00 UTC -> 09:00 in Shanghai; record 1's newer version is +2 days
    assert account[0] == "测试accountName1号"
    assert str(account[1]) == "2025-01-01 09:00:00"
    assert str(account[2]) == "2025-01-03 09:00:00"
    assert account[3] is True
    loaded_at = warehouse.execute(
        "select loaded_at from staging.stg_crm__accounts where account_id = 2"
    ).fetchone()[0]
    assert str(loaded_at) == "2025-02-01 18:00:00"  # raw _loaded_at 10:00 UTC
    types = dict(
        warehouse.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'staging' and table_name = 'stg_crm__opportunities'"
        ).fetchall()
    )
    assert types["amount"] == "DECIMAL(18,2)"
    assert types["win_rate_pct"] == "BIGINT"
    assert types["close_date"] == "DATE"
    assert types["created_at"] == "TIMESTAMP"
    assert types["department_id"] == "BIGINT"
    sent_at = warehouse.execute(
        "select sent_at from staging.stg_callcenter__transcripts where seq = 2"
    ).fetchone()[0]
    assert str(sent_at) == "2025-01-02 17:30:00"  # 09:30 UTC
    # Columns the contract does not know (extra keys) stay in raw; staging lists its columns.
    assert "unexpected_field" not in types and "unexpectedField" not in types
