"""Ledger, idempotency, supersession, quarantine and atomic writes of the raw loader."""

from __future__ import annotations

import json

import ingest_fixtures as fx
import polars as pl
import pytest

from kernel.contracts import LINEAGE_COLUMNS, entity
from pipelines.ingest import (
    SCHEMA_FILE,
    EntityLoadReport,
    check_invariants,
    load_entity,
    quarantine_dir_of,
    raw_dir_of,
    raw_glob,
    read_ledger,
)

ACCOUNTS = entity("crm.accounts")
PAGE1 = "crm/accounts/full_20261031/page_0001.json"
PAGE2 = "crm/accounts/full_20261031/page_0002.json"


@pytest.fixture
def settings(tmp_path):
    return fx.settings_for(tmp_path)


def assert_consistent(report: EntityLoadReport, spec, settings) -> None:
    for f in report.files:
        assert f.rows_read == f.rows_loaded + f.rows_quarantined, f
    assert check_invariants(spec, settings) == []


def test_first_load_writes_raw_with_lineage_and_ledger(settings):
    fx.write(settings, PAGE1, fx.json_page([fx.account(1), fx.account(2)]))
    report = load_entity(ACCOUNTS, settings)

    assert [f.status for f in report.files] == ["loaded"]
    assert (report.files_loaded, report.rows_read, report.rows_loaded) == (1, 2, 2)
    raw = fx.read_raw(ACCOUNTS, settings)
    assert raw["accountName"].to_list() == ["上海测试1有限公司", "上海测试2有限公司"]
    assert raw["_row_number"].to_list() == [1, 2]
    assert set(raw["_source_file"]) == {PAGE1}
    assert set(raw["_load_id"]) == {report.load_id}
    assert raw["_file_hash"][0] == report.files[0].file_hash
    assert raw.schema["createdAt"] == pl.Int64 and raw.schema["inPool"] == pl.Boolean
    assert raw.schema["_loaded_at"] == pl.Datetime("us")

    ledger = read_ledger(ACCOUNTS, settings)
    assert ledger.select("source_file", "status", "rows_read", "rows_loaded").rows() == [
        (PAGE1, "loaded", 2, 2)
    ]
    assert (
        raw_dir_of(ACCOUNTS, settings) / "crm__accounts__full_20261031__page_0001.parquet"
    ).exists()
    metadata = report.to_metadata()
    assert metadata["rows_loaded"] == 2 and metadata["files_rejected"] == 0
    assert all(isinstance(v, str | int | float) for v in metadata.values())
    assert_consistent(report, ACCOUNTS, settings)


def test_reloading_unchanged_files_adds_nothing(settings):
    fx.write(settings, PAGE1, fx.json_page([fx.account(1), fx.account(2)]))
    first = load_entity(ACCOUNTS, settings)
    ledger_before = read_ledger(ACCOUNTS, settings)

    again = load_entity(ACCOUNTS, settings)

    assert [f.status for f in again.files] == ["unchanged"]
    assert (again.files_unchanged, again.rows_read, again.rows_loaded) == (1, 0, 0)
    assert fx.read_raw(ACCOUNTS, settings).height == 2
    assert set(fx.read_raw(ACCOUNTS, settings)["_load_id"]) == {first.load_id}
    assert read_ledger(ACCOUNTS, settings).equals(ledger_before)


def test_corrected_redelivery_supersedes_instead_of_doubling(settings):
    fx.write(settings, PAGE1, fx.json_page([fx.account(1), fx.account(2), fx.account(3)]))
    fx.write(settings, PAGE2, fx.json_page([fx.account(4)]))
    first = load_entity(ACCOUNTS, settings)
    old_hash = first.files[0].file_hash

    fixed = [fx.account(1, accountName="上海测试1有限公司（更正）"), fx.account(2)]
    fx.write(settings, PAGE1, fx.json_page(fixed))
    second = load_entity(ACCOUNTS, settings)

    assert [f.status for f in second.files] == ["superseded", "unchanged"]
    assert second.files_superseded == 1 and second.files_loaded == 1
    assert "supersedes delivery" in second.files[0].message
    raw = fx.read_raw(ACCOUNTS, settings)
    assert raw.height == 3  # 2 from the corrected page + 1 from page 2, not 3 + 2 + 1
    assert raw.filter(pl.col("id") == 1)["accountName"].to_list() == ["上海测试1有限公司（更正）"]
    assert set(raw.filter(pl.col("_source_file") == PAGE1)["_file_hash"]) == {
        second.files[0].file_hash
    }
    row = read_ledger(ACCOUNTS, settings).filter(pl.col("source_file") == PAGE1).row(0, named=True)
    assert row["file_hash"] == second.files[0].file_hash
    assert row["superseded_hashes"] == [old_hash]
    assert (row["rows_read"], row["rows_loaded"], row["load_id"]) == (2, 2, second.load_id)
    assert_consistent(second, ACCOUNTS, settings)


def test_redelivery_without_bad_rows_removes_their_quarantine(settings):
    fx.write(settings, PAGE1, fx.json_page([fx.account(1, ownerId="N/A")]))
    load_entity(ACCOUNTS, settings)
    assert fx.read_quarantine(ACCOUNTS, settings).height == 1

    fx.write(settings, PAGE1, fx.json_page([fx.account(1)]))
    report = load_entity(ACCOUNTS, settings)

    assert report.files[0].status == "superseded"
    assert fx.read_quarantine(ACCOUNTS, settings).height == 0
    assert fx.read_raw(ACCOUNTS, settings).height == 1
    assert_consistent(report, ACCOUNTS, settings)


BAD_ROWS = {
    "int": ({"ownerId": "N/A"}, "ownerId", "ownerId: 'N/A' is not an integer"),
    "epoch": ({"createdAt": "2026-01-01"}, "createdAt", "is not an epoch-milliseconds integer"),
    "bool": ({"inPool": "maybe"}, "inPool", "inPool: 'maybe' is not a boolean"),
    "missing": ({"accountName": None}, "accountName", "accountName: required value missing"),
    "blank": ({"accountName": "  "}, "accountName", "accountName: required value missing"),
}


@pytest.mark.parametrize("case", BAD_ROWS)
def test_bad_rows_go_to_quarantine(settings, case):
    override, field, reason = BAD_ROWS[case]
    records = [fx.account(1), fx.account(2, **override), fx.account(3)]
    fx.write(settings, PAGE1, fx.json_page(records))
    report = load_entity(ACCOUNTS, settings)

    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (3, 2, 1)
    assert fx.read_raw(ACCOUNTS, settings)["id"].to_list() == [1, 3]
    q = fx.read_quarantine(ACCOUNTS, settings).row(0, named=True)
    assert (q["_source_file"], q["_row_number"], q["field"]) == (PAGE1, 2, field)
    assert reason in q["reason"]
    assert json.loads(q["raw_record"])["id"] == "2"
    assert q["_load_id"] == report.load_id and q["_file_hash"] == report.files[0].file_hash
    assert_consistent(report, ACCOUNTS, settings)


def test_bad_decimal_and_date_in_csv_are_quarantined(settings):
    spec = fx.spec(
        {
            "id": {"type": "int64", "required": True},
            "amount": {"type": "decimal"},
            "day": {"type": "date"},
        }
    )
    rows = [["1", "12,000.00", "2026-01-05"], ["2", "N/A", "2026-01-05"], ["3", "1", "31/01/2026"]]
    fx.write(settings, "test/things/a.csv", fx.csv_bytes(["id", "amount", "day"], rows))
    report = load_entity(spec, settings)

    q = fx.read_quarantine(spec, settings)
    assert q.select("_row_number", "field", "reason").rows() == [
        (2, "amount", "amount: 'N/A' is not a decimal"),
        (3, "day", "day: '31/01/2026' is not a date (YYYY-MM-DD)"),
    ]
    raw = fx.read_raw(spec, settings)
    assert raw.schema["amount"] == pl.Decimal(18, 2) and raw.schema["day"] == pl.Date
    assert str(raw["amount"][0]) == "12000.00"
    assert_consistent(report, spec, settings)


def test_extra_key_kept_and_missing_optional_key_is_null(settings):
    records = [
        {k: v for k, v in fx.account(1, crmCustomField="VIP").items() if k != "level"},
        {k: v for k, v in fx.account(2).items() if k != "level"},
    ]
    fx.write(settings, PAGE1, fx.json_page(records))
    report = load_entity(ACCOUNTS, settings)

    raw = fx.read_raw(ACCOUNTS, settings)
    assert raw["crmCustomField"].to_list() == ["VIP", None]
    assert raw["level"].to_list() == [None, None]
    assert raw.schema["crmCustomField"] == pl.Utf8
    assert report.rows_loaded == 2


def test_missing_required_key_rejects_the_file_and_quarantines_its_rows(settings):
    records = [{k: v for k, v in fx.account(i).items() if k != "accountName"} for i in (1, 2)]
    fx.write(settings, "crm/accounts/full_20261031/page_0003.json", fx.json_page(records))
    fx.write(settings, PAGE1, fx.json_page([fx.account(9)]))
    report = load_entity(ACCOUNTS, settings)

    rejected = [f for f in report.files if f.status == "rejected"]
    assert len(rejected) == 1 and report.files_rejected == 1
    assert rejected[0].message == (
        "crm/accounts/full_20261031/page_0003.json: required column accountName missing"
    )
    assert (rejected[0].rows_read, rejected[0].rows_loaded, rejected[0].rows_quarantined) == (
        2, 0, 2,
    )  # fmt: skip
    q = fx.read_quarantine(ACCOUNTS, settings)
    assert q["_row_number"].to_list() == [1, 2]
    assert set(q["field"]) == {"accountName"}
    assert set(q["reason"]) == {rejected[0].message}
    assert fx.read_raw(ACCOUNTS, settings)["id"].to_list() == [9]  # the good page still loads
    ledger = read_ledger(ACCOUNTS, settings).filter(pl.col("status") == "rejected")
    assert ledger["message"].to_list() == [rejected[0].message]
    assert_consistent(report, ACCOUNTS, settings)


def test_truncated_json_page_is_rejected_with_a_file_level_row(settings):
    fx.write(settings, PAGE1, fx.json_page([fx.account(1)]))
    fx.write(settings, PAGE2, fx.json_page([fx.account(2), fx.account(3)])[:-25])
    report = load_entity(ACCOUNTS, settings)

    assert [f.status for f in report.files] == ["loaded", "rejected"]
    bad = report.files[1]
    assert (bad.rows_read, bad.rows_loaded, bad.rows_quarantined) == (0, 0, 0)
    assert bad.message.startswith(f"{PAGE2}: not a readable JSON page")
    q = fx.read_quarantine(ACCOUNTS, settings)
    assert q.select("_source_file", "_row_number").rows() == [(PAGE2, 0)]
    assert q["raw_record"][0] is None and q["reason"][0] == bad.message
    assert report.to_metadata()["files_rejected"] == 1
    assert bad.message in report.to_metadata()["rejected_files"]
    assert_consistent(report, ACCOUNTS, settings)

    # rejected and unchanged: not retried; re-delivered complete: loaded, quarantine cleared
    assert load_entity(ACCOUNTS, settings).files[1].status == "unchanged"
    fx.write(settings, PAGE2, fx.json_page([fx.account(2), fx.account(3)]))
    fixed = load_entity(ACCOUNTS, settings)
    assert fixed.files[1].status == "superseded"
    assert fx.read_raw(ACCOUNTS, settings)["id"].to_list() == [1, 2, 3]
    assert fx.read_quarantine(ACCOUNTS, settings).height == 0


def test_empty_page_loads_zero_rows(settings):
    fx.write(settings, PAGE1, fx.json_page([]))
    report = load_entity(ACCOUNTS, settings)
    assert [(f.status, f.rows_read) for f in report.files] == [("loaded", 0)]


def test_out_of_order_versions_are_both_kept(settings):
    newer = fx.account(1, accountName="新名字", updatedAt=1770000000000)
    older = fx.account(1, accountName="旧名字", updatedAt=1760000000000)
    # the delta extracted first carries the newer version: raw must still keep both
    fx.write(settings, "crm/accounts/delta_20261101/page_0001.json", fx.json_page([newer]))
    fx.write(settings, "crm/accounts/delta_20261102/page_0001.json", fx.json_page([older]))
    load_entity(ACCOUNTS, settings)

    raw = fx.read_raw(ACCOUNTS, settings).sort("updatedAt")
    assert raw.select("id", "accountName").rows() == [(1, "旧名字"), (1, "新名字")]


def test_schema_files_give_every_column_before_any_delivery(settings):
    report = load_entity(ACCOUNTS, settings)
    assert report.files == []

    raw = fx.read_raw(ACCOUNTS, settings)
    assert raw.height == 0
    # the CRM's delete marker column too (kernel/contracts/sources.yml, systems.crm.delete_marker)
    assert list(raw.columns) == [*ACCOUNTS.field_names, "_deleted", *LINEAGE_COLUMNS]
    assert raw.schema["id"] == pl.Int64 and raw.schema["createdAt"] == pl.Int64
    q = fx.read_quarantine(ACCOUNTS, settings)
    assert list(q.columns) == [*LINEAGE_COLUMNS, "field", "reason", "raw_record"]
    assert raw_glob(ACCOUNTS, settings).endswith("/raw/crm/accounts/*.parquet")
    assert read_ledger(ACCOUNTS, settings).height == 0
    assert "superseded_hashes" in read_ledger(ACCOUNTS, settings).columns


def test_no_temporary_files_are_left(settings):
    fx.write(settings, PAGE1, fx.json_page([fx.account(1), fx.account(2, ownerId="x")]))
    fx.write(settings, PAGE2, b'{"records": [')
    load_entity(ACCOUNTS, settings)

    lake = settings.lakehouse_dir
    leftovers = [p for p in lake.rglob("*") if p.is_file() and p.name.endswith(".tmp")]
    assert leftovers == []
    assert (raw_dir_of(ACCOUNTS, settings) / SCHEMA_FILE).exists()
    assert (quarantine_dir_of(ACCOUNTS, settings) / SCHEMA_FILE).exists()


def test_a_write_killed_midway_leaves_no_half_file(settings, monkeypatch):
    fx.write(settings, PAGE1, fx.json_page([fx.account(1)]))
    load_entity(ACCOUNTS, settings)
    target = raw_dir_of(ACCOUNTS, settings) / "crm__accounts__full_20261031__page_0001.parquet"
    before = target.read_bytes()

    def crash(self, path, **kwargs):
        with open(path, "wb") as fh:
            fh.write(b"PAR1 half a file")
        raise KeyboardInterrupt("killed")

    fx.write(settings, PAGE1, fx.json_page([fx.account(1), fx.account(2)]))
    monkeypatch.setattr(pl.DataFrame, "write_parquet", crash)
    with pytest.raises(KeyboardInterrupt):
        load_entity(ACCOUNTS, settings)
    monkeypatch.undo()

    assert target.read_bytes() == before  # the old file is intact, no temp file remains
    assert [p.name for p in target.parent.iterdir() if p.name.startswith(".")] == []
    report = load_entity(ACCOUNTS, settings)  # the next run simply redoes the file
    assert report.files[0].status == "superseded"
    assert fx.read_raw(ACCOUNTS, settings).height == 2


def test_stale_temporaries_from_a_killed_process_are_removed(settings):
    folder = raw_dir_of(ACCOUNTS, settings)
    folder.mkdir(parents=True)
    stale = folder / ".crm__accounts__x.parquet.0123456789ab.tmp"
    stale.write_bytes(b"half")
    load_entity(ACCOUNTS, settings)
    assert not stale.exists()


def test_disappeared_landing_file_stays_loaded(settings):
    path = fx.write(settings, PAGE1, fx.json_page([fx.account(1)]))
    load_entity(ACCOUNTS, settings)
    path.unlink()

    report = load_entity(ACCOUNTS, settings)
    assert report.files == []
    assert fx.read_raw(ACCOUNTS, settings).height == 1
    assert read_ledger(ACCOUNTS, settings)["status"].to_list() == ["loaded"]
