"""What changed since the last successful run (issue 16): nothing (a no-op), only some inputs (a
run of what they feed), or everything.

Real landing files, settings folder and a real migrated SQLite store; the decision reads the same
digests ``crmlake run`` records; the CLI's use of it is tests/test_incremental_runs.py.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from kernel.settings import get_settings
from operational.migrate import upgrade
from operational.models import Account
from pipelines.run_inputs import Changes, changes_since, current_inputs
from pipelines.sources.operational import extract as ex


@pytest.fixture
def lakehouse(tmp_path: Path):
    store = tmp_path / "home" / "operational.sqlite"
    store.parent.mkdir(parents=True)
    settings = get_settings({"CRMLAKE_HOME": str(tmp_path / "home"), "CRMLAKE_OPERATIONAL_URL": f"sqlite:///{store}"})
    (settings.landing_dir / "erp" / "invoices").mkdir(parents=True)
    (settings.landing_dir / "erp" / "invoices" / "invoices_20261031.csv").write_text("a,b\n1,2\n", encoding="gbk")
    settings.config_dir.mkdir(parents=True)
    (settings.config_dir / "finance.yml").write_text("aging_buckets: []\n", encoding="utf-8")
    settings.published_database.parent.mkdir(parents=True)
    settings.published_database.write_bytes(b"snapshot")
    upgrade(settings.operational_url)
    ex.extract_changes(settings)  # the last run's extraction: the watermark is current
    return settings


def _last_good(settings) -> dict:
    return {"run_id": "r1", "finished_at": "2026-12-05T10:00:00Z", "success": True,
            "inputs": current_inputs(settings).as_dict()}


def test_nothing_changed_is_a_no_op(lakehouse) -> None:
    assert changes_since(lakehouse, current_inputs(lakehouse), _last_good(lakehouse)).nothing


def test_a_new_or_touched_landing_file_changes_its_entity_only(lakehouse) -> None:
    last = _last_good(lakehouse)
    invoices = lakehouse.landing_dir / "erp" / "invoices"
    (invoices / "invoices_20261101.csv").write_text("a,b\n3,4\n", encoding="gbk")
    changes = changes_since(lakehouse, current_inputs(lakehouse), last)
    assert changes == Changes(entities=("erp.invoices",))  # a new file a loader reads is not "ignored"
    assert changes.start_keys() == ["raw/erp/invoices", "raw/landing_zone"]
    last = _last_good(lakehouse)
    stat = (invoices / "invoices_20261101.csv").stat()
    os.utime(invoices / "invoices_20261101.csv", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert changes_since(lakehouse, current_inputs(lakehouse), last) == Changes(entities=("erp.invoices",))


def test_files_the_loaders_skip_change_only_the_ignored_list(lakehouse) -> None:
    last = _last_good(lakehouse)
    invoices = lakehouse.landing_dir / "erp" / "invoices"
    (invoices / ".DS_Store").write_bytes(b"\0")  # hidden: not even listed as ignored
    assert changes_since(lakehouse, current_inputs(lakehouse), last).nothing
    (invoices / "~$invoices_20261031.csv").write_text("lock", encoding="utf-8")
    (lakehouse.landing_dir / "erp" / "invoice").mkdir()  # a typo in a folder name
    (lakehouse.landing_dir / "erp" / "invoice" / "invoices_20261102.csv").write_text("a\n", encoding="gbk")
    changes = changes_since(lakehouse, current_inputs(lakehouse), last)
    assert changes == Changes(ignored=True) and changes.start_keys() == ["raw/landing_zone"]


def test_a_changed_setting_means_everything(lakehouse) -> None:
    last = _last_good(lakehouse)
    (lakehouse.config_dir / "finance.yml").write_text("aging_buckets: [x]\n", encoding="utf-8")
    changes = changes_since(lakehouse, current_inputs(lakehouse), last)
    assert changes.everything == "settings changed since the last run" and not changes.nothing


def test_a_store_save_starts_from_its_table(lakehouse) -> None:
    last = _last_good(lakehouse)
    now = dt.datetime(2026, 12, 5, 9, 0, 0)
    engine = sa.create_engine(lakehouse.operational_url)
    with engine.begin() as conn:
        conn.execute(Account.__table__.insert(), [{
            "id": 9_000_000_000_000_001, "source_system": "ops", "version": 1, "created_at": now,
            "created_by": 1, "updated_at": now, "updated_by": 1, "owner_id": 11,
            "account_name": "杭州测试机械有限公司", "is_in_pool": False}])
    engine.dispose()
    changes = changes_since(lakehouse, current_inputs(lakehouse), last)
    assert changes == Changes(store_tables=("accounts",)) and changes.start_keys() == ["raw/ops/accounts"]


def test_a_failed_or_partial_last_run_or_no_snapshot_means_everything(lakehouse) -> None:
    inputs = current_inputs(lakehouse)
    assert changes_since(lakehouse, inputs, None).everything == "the last run did not succeed"
    failed = {**_last_good(lakehouse), "success": False}
    assert changes_since(lakehouse, inputs, failed).everything == "the last run did not succeed"
    partial = {**_last_good(lakehouse), "inputs": None}  # a --select run records no inputs
    assert changes_since(lakehouse, inputs, partial).everything == "the last run was not a whole run"
    lakehouse.published_database.unlink()
    assert changes_since(lakehouse, inputs, _last_good(lakehouse)).everything == "nothing is published"


_USER = {"id": 1000000001679, "entityType": "user", "ownerId": 1000000001294, "createdAt": 1728662400000,
         "updatedAt": 1791845649000, "name": "于波", "employeeCode": "E01056", "dimDepart": 1000000000021,
         "managerId": 1000000001315, "position": "sales_rep", "email": "u1056@hengxin-demo.cn",
         "phone": "13862063626", "hireDate": "2018-02-26", "isActive": True}


def _page(folder: Path, records: list[dict]) -> Path:
    import json

    folder.mkdir(parents=True, exist_ok=True)
    page = {"totalSize": len(records), "pageNo": 1, "pageSize": 500, "hasMore": False, "records": records}
    (folder / "page_0001.json").write_text(json.dumps(page, ensure_ascii=False), encoding="utf-8")
    return folder / "page_0001.json"


def test_new_pages_without_records_are_loaded_but_feed_nothing(lakehouse) -> None:
    """A CRM's daily delta page of an untouched object: the run loads it (the ledger knows the file)
    without its checks or anything downstream. A page with a record, or a loaded file re-written
    with other bytes, is a real change as before."""
    from kernel.contracts import load_contract
    from pipelines.ingest.loader import load_entity

    users = lakehouse.landing_dir / "crm" / "users"
    first = _page(users / "delta_20261031", [_USER])
    spec = load_contract()["crm.users"]
    assert load_entity(spec, lakehouse).files[0].rows_loaded == 1
    last = _last_good(lakehouse)

    _page(users / "delta_20261101", [])
    changes = changes_since(lakehouse, current_inputs(lakehouse), last)
    assert changes.entities == ("crm.users",) and changes.empty_deliveries == ("crm.users",)
    assert changes.start_keys() == ["raw/landing_zone"] and changes.load_only_keys() == ["raw/crm/users"]
    assert "of which only loaded, as their new files hold no records: crm.users" in changes.describe()

    _page(users / "delta_20261102", [{**_USER, "updatedAt": _USER["updatedAt"] + 1000}])
    changes = changes_since(lakehouse, current_inputs(lakehouse), last)
    assert changes.empty_deliveries == () and changes.start_keys()[0] == "raw/crm/users"

    (users / "delta_20261102" / "page_0001.json").unlink()
    first.write_text(first.read_text(encoding="utf-8").replace("于波", "于涛"), encoding="utf-8")  # same size
    os.utime(first, ns=(first.stat().st_atime_ns, first.stat().st_mtime_ns + 10**12))
    assert changes_since(lakehouse, current_inputs(lakehouse), last).empty_deliveries == ()


def test_an_empty_delivery_selects_the_raw_load_alone() -> None:
    import dagster as dg

    from pipelines.run_what_changed import downstream_of, load_only
    from pipelines.runner import _definitions

    changes = Changes(entities=("crm.users", "erp.invoices"), empty_deliveries=("crm.users",))
    selection = downstream_of(changes.start_keys()) | load_only(changes.load_only_keys())
    graph = _definitions().resolve_asset_graph()
    names = {k.to_user_string() for k in selection.resolve(graph)}
    assert {"raw/crm/users", "raw/erp/invoices", "staging/stg_erp__invoices", "published/snapshot"} <= names
    assert "staging/stg_crm__users" not in names
    checks = {c.asset_key.to_user_string() for c in selection.resolve_checks(graph)}
    assert "raw/erp/invoices" in checks and "raw/crm/users" not in checks
    assert isinstance(selection, dg.AssetSelection)
