"""Extraction from the operational store into raw/ops: inserts, updates, soft deletes, watermark.

Runs on a real, migrated store: a SQLite file and, when ``CRMLAKE_TEST_POSTGRES_URL`` is set,
a fresh PostgreSQL schema (the ``store_url`` fixture of tests/store_fixtures.py). Rows are
written with SQLAlchemy Core on the store's own tables so the tests control ``updated_at``
(equal timestamps, late commits); the end-to-end test (test_ops_into_marts.py) goes through
the store's workflows.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from decimal import Decimal
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
import sqlalchemy as sa
import store_fixtures

from kernel.settings import get_settings
from operational.migrate import upgrade
from operational.models import Account, Opportunity
from pipelines.sources.operational import extract as ex

store_url = store_fixtures.store_url  # fixture: SQLite, and PostgreSQL when configured

REPO = Path(__file__).resolve().parents[1]
T0 = dt.datetime(2026, 3, 2, 9, 30, 0)
ID = 9_000_000_000_000_100  # store ids start at 9e15
ACCOUNTS = Account.__table__
OPPORTUNITIES = Opportunity.__table__


def _settings(tmp_path: Path, url: str):
    return get_settings({"CRMLAKE_HOME": str(tmp_path / "home"), "CRMLAKE_OPERATIONAL_URL": url})


def _account(i: int, at: dt.datetime, **values) -> dict:
    return {
        "id": ID + i,
        "source_system": "ops",
        "version": 1,
        "created_at": at,
        "created_by": 10_011,
        "updated_at": at,
        "updated_by": 10_011,
        "owner_id": 11,
        "account_name": f"杭州测试{i}号机械有限公司",
        "is_in_pool": False,
        **values,
    }


def _save(url: str, table: sa.Table, rows: list[dict] | None = None, **update) -> None:
    """Insert ``rows``, or update the row ``id=update.pop('id')`` like a store save would."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        if rows:
            conn.execute(table.insert(), rows)
        if update:
            row_id = update.pop("id")
            conn.execute(
                table.update()
                .where(table.c.id == row_id)
                .values(version=table.c.version + 1, **update)
            )
    engine.dispose()


def _raw(settings, table: str = "accounts") -> pl.DataFrame:
    return pl.read_parquet(settings.raw_dir / "ops" / table / "*.parquet").sort(
        "_loaded_at", "_row_number"
    )


def _files(settings, table: str = "accounts") -> list[str]:
    return sorted(p.name for p in (settings.raw_dir / "ops" / table).glob("*.parquet"))


@pytest.fixture
def store(store_url: str, tmp_path: Path):
    upgrade(store_url)
    return store_url, _settings(tmp_path, store_url)


# ------------------------------------------------------------------ before there is any store


def test_without_a_store_only_typed_empty_schema_files_are_written(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "operational.sqlite"
    settings = _settings(tmp_path, f"sqlite:///{path}")
    results = ex.extract_changes(settings)
    assert not path.exists() and not path.parent.exists()  # never creates an empty store
    assert {r.rows for r in results.values()} == {0}
    assert not ex.watermark_path(settings).exists()
    names = {t.name for t in ex.store_tables()}
    assert {"accounts", "opportunities", "orders", "tickets", "deal_registrations"} <= names
    for name in names:
        assert _files(settings, name) == ["0000_schema.parquet"], name
    schema = pl.read_parquet_schema(settings.raw_dir / "ops" / "opportunities" / "0000_schema.parquet")
    assert schema["id"] == pl.Int64 and schema["amount"] == pl.Decimal(18, 2)
    assert schema["close_date"] == pl.Date and schema["updated_at"] == pl.Datetime("us")
    assert schema["_op"] == pl.Utf8 and schema["_loaded_at"] == pl.Datetime("us")
    assert {"_source_file", "_row_number", "_load_id", "_file_hash"} <= set(schema)


def test_a_store_without_tables_yet_extracts_nothing(tmp_path: Path) -> None:
    path = tmp_path / "operational.sqlite"
    sa.create_engine(f"sqlite:///{path}").connect().close()  # an empty, unmigrated database
    settings = _settings(tmp_path, f"sqlite:///{path}")
    assert {r.rows for r in ex.extract_changes(settings).values()} == {0}
    assert ex.pending_changes(settings) == {}


# ------------------------------------------------------------------ inserts, updates, deletes


def test_inserts_updates_and_deletes_reach_raw_once(store) -> None:
    url, settings = store
    _save(url, ACCOUNTS, [_account(i, T0) for i in range(3)])

    first = ex.extract_changes(settings)["accounts"]
    assert (first.inserts, first.updates, first.deletes) == (3, 0, 0)
    assert first.watermark == T0 and first.rows_at_watermark == 3
    raw = _raw(settings)
    assert raw["_op"].to_list() == ["insert"] * 3
    assert raw["account_name"].to_list() == [f"杭州测试{i}号机械有限公司" for i in range(3)]
    assert raw["_row_number"].to_list() == [1, 2, 3]
    assert raw["_source_file"].unique().to_list() == [first.file]
    assert first.file == f"ops/accounts/{_files(settings)[1]}"
    assert raw.select("_load_id", "_loaded_at", "_file_hash").null_count().sum_horizontal()[0] == 0

    # nothing changed: nothing written, watermark file untouched
    files, marks = _files(settings), ex.watermark_path(settings).stat().st_mtime_ns
    again = ex.extract_changes(settings)["accounts"]
    assert again.rows == 0 and again.skipped == 3
    assert _files(settings) == files
    assert ex.watermark_path(settings).stat().st_mtime_ns == marks

    later = T0 + dt.timedelta(minutes=1)
    _save(url, ACCOUNTS, id=ID + 1, city="杭州", updated_at=later)
    _save(url, ACCOUNTS, id=ID + 2, deleted_at=later, updated_at=later)
    second = ex.extract_changes(settings)["accounts"]
    assert (second.inserts, second.updates, second.deletes) == (0, 1, 1)
    assert second.watermark == later
    changes = _raw(settings).filter(pl.col("_source_file") == second.file)
    assert dict(zip(changes["id"], changes["_op"], strict=True)) == {
        ID + 1: "update",
        ID + 2: "delete",
    }
    assert changes.filter(pl.col("id") == ID + 1)["city"].to_list() == ["杭州"]
    assert changes["version"].to_list() == [2, 2]
    assert len(_files(settings)) == 3  # schema + one file per extraction that found changes


def test_a_row_saved_twice_before_its_first_extraction_is_an_insert(store) -> None:
    url, settings = store
    _save(url, ACCOUNTS, [_account(0, T0)])
    _save(url, ACCOUNTS, id=ID, city="宁波", updated_at=T0 + dt.timedelta(seconds=1))
    first = ex.extract_changes(settings)["accounts"]
    assert (first.inserts, first.updates) == (1, 0)
    # deleted without a new version (a store that forgets to bump it): still extracted once
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(ACCOUNTS.update().values(deleted_at=T0, updated_at=T0 + dt.timedelta(2)))
    engine.dispose()
    second = ex.extract_changes(settings)["accounts"]
    assert (second.deletes, ex.extract_changes(settings)["accounts"].rows) == (1, 0)
    assert _raw(settings)["_op"].to_list() == ["insert", "delete"]
    assert _raw(settings)["version"].to_list() == [2, 2]


def test_equal_timestamps_and_late_commits_are_not_lost(store) -> None:
    url, settings = store
    _save(url, ACCOUNTS, [_account(0, T0)])
    assert ex.extract_changes(settings)["accounts"].inserts == 1
    assert ex.pending_changes(settings) == {}

    # saved in the same second as the watermark: max(updated_at) does not move
    _save(url, ACCOUNTS, [_account(1, T0)])
    assert set(ex.pending_changes(settings)) == {"accounts"}
    same_second = ex.extract_changes(settings)["accounts"]
    assert (same_second.inserts, same_second.skipped) == (1, 1)  # the first row is not repeated
    assert ex.pending_changes(settings) == {}

    # a transaction that stamped its row 5 minutes ago but commits only now
    _save(url, ACCOUNTS, [_account(2, T0 - dt.timedelta(minutes=5))])
    late = ex.extract_changes(settings)["accounts"]
    assert late.inserts == 1 and late.watermark == T0
    assert sorted(_raw(settings)["id"].to_list()) == [ID, ID + 1, ID + 2]


def test_types_survive_the_trip(store) -> None:
    url, settings = store
    _save(url, ACCOUNTS, [_account(0, T0)])
    _save(
        url,
        OPPORTUNITIES,
        [
            {
                "id": ID + 50,
                "version": 1,
                "created_at": T0,
                "updated_at": T0,
                "owner_id": 11,
                "account_id": ID,
                "opportunity_name": "二期扩容 Phase 2",
                "stage": "初步接洽",
                "status": "open",
                "amount": Decimal("1234567.89"),
                "win_rate_pct": 10,
                "close_date": dt.date(2026, 6, 30),
            }
        ],
    )
    ex.extract_changes(settings)
    row = _raw(settings, "opportunities").row(0, named=True)
    assert row["amount"] == Decimal("1234567.89")
    assert row["close_date"] == dt.date(2026, 6, 30)
    assert row["updated_at"] == T0 and row["source_system"] == "ops"
    assert row["opportunity_name"] == "二期扩容 Phase 2" and row["_op"] == "insert"


# ------------------------------------------------------------------ Dagster: asset and sensor


def test_asset_and_sensor(store, monkeypatch) -> None:
    from pipelines.resources import LakehouseResource
    from pipelines.sources.operational.assets import operational_extract
    from pipelines.sources.operational.sensors import store_sensor

    url, settings = store
    for key, value in settings.as_env().items():
        monkeypatch.setenv(key, value)
    sensor_context = dg.build_sensor_context(resources={"lakehouse": LakehouseResource.from_settings(settings)})
    assert isinstance(store_sensor(sensor_context), dg.SkipReason)  # empty store

    _save(url, ACCOUNTS, [_account(0, T0)])
    request = store_sensor(sensor_context)
    assert isinstance(request, dg.RunRequest) and request.job_name in (None, "crmlake_run")

    result = dg.materialize(
        [operational_extract],
        resources={"lakehouse": LakehouseResource.from_settings(settings)},
        selection="key:raw/ops/accounts",
    )
    assert result.success
    (materialization,) = result.asset_materializations_for_node("extract_operational_store")
    assert materialization.asset_key == dg.AssetKey(["raw", "ops", "accounts"])
    assert materialization.metadata["inserts"].value == 1
    # every store table keeps its schema file, even outside the selection
    assert _files(settings, "tickets") == ["0000_schema.parquet"]
    assert isinstance(store_sensor(sensor_context), dg.SkipReason)


def test_definitions_put_extraction_upstream_of_the_unioned_staging(dbt_manifest) -> None:
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    raw = dg.AssetKey(["raw", "ops", "opportunities"])
    ops_staging = dg.AssetKey(["staging", "stg_ops__opportunities"])
    assert raw in graph.get(ops_staging).parent_keys
    unioned = graph.get(dg.AssetKey(["intermediate", "int_opportunities_unioned"])).parent_keys
    assert {ops_staging, dg.AssetKey(["staging", "stg_crm__opportunities"])} <= unioned
    assert raw in defs.resolve_job_def("everything").asset_layer.selected_asset_keys
    assert defs.resolve_sensor_def("store_sensor").job_name == "crmlake_run"  # what changed, not everything


# ------------------------------------------------------------------ generated dbt files


def _generator():
    path = REPO / "dbt_project" / "scripts" / "generate_ops_staging.py"
    spec = importlib.util.spec_from_file_location("generate_ops_staging", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_generated_staging_matches_the_store_models() -> None:
    """After a store model changes: python dbt_project/scripts/generate_ops_staging.py"""
    generator = _generator()
    planned = generator.planned_files()
    ops_dir = REPO / "dbt_project" / generator.OPS_DIR
    stale = [
        str(rel)
        for rel, content in planned.items()
        if not (REPO / "dbt_project" / rel).exists()
        or (REPO / "dbt_project" / rel).read_text(encoding="utf-8") != content
    ]
    stale += [str(p) for p in ops_dir.iterdir() if p.relative_to(REPO / "dbt_project") not in planned]
    assert not stale, f"regenerate with {generator.COMMAND}: {stale}"
    names = {p.name for p in planned}
    assert {"stg_ops__opportunities.sql", "_ops__models.yml", "_ops__sources.yml"} <= names
    # every generated file says so, and how to regenerate it
    assert all(generator.COMMAND in content.splitlines()[0] for content in planned.values())
    # the extracts' staging reads one source; the unioned model joins the store's rows
    extract = (REPO / "dbt_project/models/staging/crm/stg_crm__opportunities.sql").read_text()
    assert "stg_ops__" not in extract and "union all" not in extract
    unioned = (REPO / "dbt_project/models/intermediate/unioned/int_opportunities_unioned.sql").read_text()
    assert "ref('stg_ops__opportunities')" in unioned and "ref('stg_crm__opportunities')" in unioned
    assert "union_store_rows(" in unioned
