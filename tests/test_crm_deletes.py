"""CRM deletes (issue 18): a delete marker {"id", "updatedAt", "_deleted": true} in a landing page is
kept by the raw layer as a version (not quarantined, though it lacks every other required field),
passes the raw quality suite, and is found again by the API's id reconciliation only once.

Hand-worked, on accounts: 1 created, updated, deleted, restored; 2 created, deleted; 3 a delete of a
record never delivered. Raw keeps all seven rows in arrival order with `_deleted` set on the three
markers; staging's side of the same story (which ids survive) is the dbt unit test
stg_crm__opportunities_applies_deletes, and the whole path to the marts is test_crm_same_marts.py.
"""

from __future__ import annotations

import json

import polars as pl
import pytest
from ingest_fixtures import account, json_page, read_quarantine, read_raw, settings_for, write

from kernel.contracts import entity
from pipelines.ingest import load_entity

ACCOUNTS = entity("crm.accounts")
DAY = 86_400_000
T0 = 1_760_000_000_000


def _marker(rid: int, at: int, **extra) -> dict:
    return {"id": rid, "updatedAt": at, "_deleted": True, **extra}


def _deliver(settings, batch: str, records: list[dict]) -> None:
    write(settings, f"crm/accounts/{batch}/page_0001.json", json_page(records))


@pytest.fixture
def loaded(tmp_path):
    settings = settings_for(tmp_path)
    _deliver(settings, "full_20251009", [account(1, updatedAt=T0), account(2, updatedAt=T0)])
    _deliver(settings, "delta_20251010", [account(1, updatedAt=T0 + DAY, level="B")])
    _deliver(settings, "deletes_20251011", [_marker(1, T0 + 2 * DAY), _marker(2, T0 + 2 * DAY),
                                            _marker(3, T0 + 2 * DAY)])
    _deliver(settings, "delta_20251012", [account(1, updatedAt=T0 + 3 * DAY, level="C")])
    report = load_entity(ACCOUNTS, settings)
    return settings, report


def test_raw_keeps_delete_markers_as_versions(loaded):
    settings, report = loaded
    assert report.rows_quarantined == 0 and report.files_rejected == 0
    raw = read_raw(ACCOUNTS, settings).sort("_source_file", "_row_number")
    rows = raw.select("id", "updatedAt", "_deleted", "level", "accountName").rows()
    assert rows == [
        (1, T0 + 2 * DAY, True, None, None),  # deletes_20251011
        (2, T0 + 2 * DAY, True, None, None),
        (3, T0 + 2 * DAY, True, None, None),
        (1, T0 + DAY, False, "B", "上海测试1有限公司"),  # delta_20251010
        (1, T0 + 3 * DAY, False, "C", "上海测试1有限公司"),  # delta_20251012: restored
        (1, T0, False, "A", "上海测试1有限公司"),  # full_20251009
        (2, T0, False, "A", "上海测试2有限公司"),
    ]
    # the empty schema file carries the column, so raw folders loaded before markers existed read too
    assert raw.schema["_deleted"] == pl.Boolean


def test_a_marker_without_key_or_version_or_with_a_non_boolean_flag_is_quarantined(tmp_path):
    settings = settings_for(tmp_path)
    _deliver(settings, "deletes_20251011", [
        {"id": 5, "_deleted": True},  # no updatedAt: which version does it end?
        {"updatedAt": T0, "_deleted": True},  # no id
        _marker(6, T0) | {"_deleted": "maybe"},
        account(7, _deleted=False),  # an ordinary record may say it is not deleted
    ])
    report = load_entity(ACCOUNTS, settings)
    assert report.rows_quarantined == 3
    reasons = sorted(read_quarantine(ACCOUNTS, settings)["reason"].to_list())
    assert reasons[1:] == ["id: required value missing", "updatedAt: required value missing"], reasons
    assert "_deleted: 'maybe' is not a boolean" in reasons[0], reasons
    assert read_raw(ACCOUNTS, settings).select("id", "_deleted").rows() == [(7, False)]


def test_ordinary_records_still_need_their_required_fields(tmp_path):
    settings = settings_for(tmp_path)
    record = account(8)
    del record["accountName"]
    _deliver(settings, "full_20251009", [record, _marker(9, T0)])
    report = load_entity(ACCOUNTS, settings)
    assert report.rows_quarantined == 1
    assert read_quarantine(ACCOUNTS, settings)["reason"].to_list() == ["accountName: required value missing"]


def test_the_raw_quality_suite_passes_markers(loaded):
    from quality import validate_raw

    settings, _ = loaded
    raw = read_raw(ACCOUNTS, settings)
    result = validate_raw(ACCOUNTS, raw.to_pandas(), expected_rows=raw.height)
    assert result.success, result.blocking_failures
    # an ordinary record missing a required value still fails it
    broken = raw.with_columns(pl.when(pl.col("_deleted")).then(False).otherwise(pl.col("_deleted")).alias("_deleted"))
    assert not validate_raw(ACCOUNTS, broken.to_pandas(), expected_rows=raw.height).success


def test_landing_pages_are_plain_json(loaded):
    settings, _ = loaded
    page = settings.landing_dir / "crm/accounts/deletes_20251011/page_0001.json"
    assert json.loads(page.read_text(encoding="utf-8"))["records"][0] == _marker(1, T0 + 2 * DAY)
