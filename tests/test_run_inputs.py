"""A whole run with nothing new is a no-op (issue 16): what counts as "something changed".

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
from pipelines.run_inputs import current_inputs, why_not_a_no_op
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
    assert why_not_a_no_op(lakehouse, current_inputs(lakehouse), _last_good(lakehouse)) is None


def test_a_new_or_touched_landing_file_is_a_change(lakehouse) -> None:
    last = _last_good(lakehouse)
    invoices = lakehouse.landing_dir / "erp" / "invoices"
    (invoices / "invoices_20261101.csv").write_text("a,b\n3,4\n", encoding="gbk")
    assert why_not_a_no_op(lakehouse, current_inputs(lakehouse), last) == "changed since the last run: landing"
    last = _last_good(lakehouse)
    stat = (invoices / "invoices_20261101.csv").stat()
    os.utime(invoices / "invoices_20261101.csv", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert "landing" in why_not_a_no_op(lakehouse, current_inputs(lakehouse), last)


def test_files_the_loaders_skip_change_nothing(lakehouse) -> None:
    last = _last_good(lakehouse)
    invoices = lakehouse.landing_dir / "erp" / "invoices"
    (invoices / "~$invoices_20261031.csv").write_text("lock", encoding="utf-8")
    (invoices / ".DS_Store").write_bytes(b"\0")
    assert why_not_a_no_op(lakehouse, current_inputs(lakehouse), last) is None


def test_a_changed_setting_is_a_change(lakehouse) -> None:
    last = _last_good(lakehouse)
    (lakehouse.config_dir / "finance.yml").write_text("aging_buckets: [x]\n", encoding="utf-8")
    assert why_not_a_no_op(lakehouse, current_inputs(lakehouse), last) == "changed since the last run: settings"


def test_a_store_save_is_a_change(lakehouse) -> None:
    last = _last_good(lakehouse)
    now = dt.datetime(2026, 12, 5, 9, 0, 0)
    engine = sa.create_engine(lakehouse.operational_url)
    with engine.begin() as conn:
        conn.execute(Account.__table__.insert(), [{
            "id": 9_000_000_000_000_001, "source_system": "ops", "version": 1, "created_at": now,
            "created_by": 1, "updated_at": now, "updated_by": 1, "owner_id": 11,
            "account_name": "杭州测试机械有限公司", "is_in_pool": False}])
    engine.dispose()
    reason = why_not_a_no_op(lakehouse, current_inputs(lakehouse), last)
    assert reason == "store rows saved since the last extraction: accounts"


def test_a_failed_or_partial_last_run_or_no_snapshot_means_work(lakehouse) -> None:
    inputs = current_inputs(lakehouse)
    assert why_not_a_no_op(lakehouse, inputs, None) == "the last run did not succeed"
    assert why_not_a_no_op(lakehouse, inputs, {**_last_good(lakehouse), "success": False}) == "the last run did not succeed"
    # a --select run records no inputs: the next whole run is real
    assert "landing" in why_not_a_no_op(lakehouse, inputs, {**_last_good(lakehouse), "inputs": None})
    lakehouse.published_database.unlink()
    assert why_not_a_no_op(lakehouse, inputs, _last_good(lakehouse)) == "nothing is published"
