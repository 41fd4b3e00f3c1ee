"""Header-to-field mapping, schema drift and the edge cases of file-level rejection."""

from __future__ import annotations

import ingest_fixtures as fx
import polars as pl
import pytest

from kernel.contracts import entity
from pipelines.ingest import ContractError, load_entity, read_ledger
from pipelines.ingest.mapping import map_columns

SALES_REPORTS = entity("partners.sales_reports")


@pytest.fixture
def settings(tmp_path):
    return fx.settings_for(tmp_path)


def test_better_match_wins_and_the_other_column_is_an_extra():
    columns = ["序号", "日期", "销售日期", "客户名称", "产品编码", "数量", "单价"]
    mapping = map_columns(SALES_REPORTS, columns, source="r.xlsx")
    assert mapping.fields["sale_date"] == "销售日期"  # listed before 日期 in the synonyms
    assert mapping.extras == {"日期": "日期"}


def test_two_equally_good_columns_make_the_file_ambiguous():
    columns = ["序号", "销售日期", "销售 日期", "客户名称", "产品编码", "数量", "单价"]
    with pytest.raises(
        ContractError, match=r"r.xlsx: ambiguous columns.*sale_date <- 销售日期, 销售 日期"
    ):
        map_columns(SALES_REPORTS, columns, source="r.xlsx")


def test_extras_never_clash_with_contract_or_lineage_names_case_insensitively():
    spec = fx.spec()
    mapping = map_columns(
        spec, ["id", "ID", "name", "_source_file", "Note", "note"], source="x.csv",
        reserved={"_source_file"},
    )  # fmt: skip
    assert mapping.fields == {"id": "id", "name": "name"}
    assert mapping.extras == {
        "ID": "ID_extra",
        "_source_file": "_source_file_extra",
        "Note": "Note",
        "note": "note_extra",
    }


def test_rejected_file_is_retried_when_the_contract_changes(settings):
    strict = fx.spec(
        {"id": {"type": "int64", "required": True}, "qty": {"type": "decimal", "required": True}}
    )
    fx.write(settings, "test/things/a.csv", fx.csv_bytes(["id", "件数X"], [["1", "3"]]))
    assert load_entity(strict, settings).files[0].status == "rejected"
    assert load_entity(strict, settings).files[0].status == "unchanged"

    relaxed = fx.spec(
        {"id": {"type": "int64", "required": True},
         "qty": {"type": "decimal", "required": True, "synonyms": ["件数X"]}}
    )  # fmt: skip
    report = load_entity(relaxed, settings)
    assert [(f.status, f.rows_loaded) for f in report.files] == [("loaded", 1)]
    assert fx.read_quarantine(relaxed, settings).height == 0
    assert read_ledger(relaxed, settings)["status"].to_list() == ["loaded"]


def test_page_that_is_not_an_object_and_records_that_are_not_objects(settings):
    spec = fx.spec(name="test.pages", path="test/pages/*.json", fmt="json_pages")
    fx.write(settings, "test/pages/a.json", b"[1, 2]")
    fx.write(settings, "test/pages/b.json", b'{"records": [{"id": 1}, 5, null, {"id": 2}]}')
    fx.write(settings, "test/pages/c.json", b'{"totalSize": 0}')
    report = load_entity(spec, settings)

    by_file = {f.source_file: f for f in report.files}
    assert (
        by_file["test/pages/a.json"].message
        == "test/pages/a.json: a JSON page must be an object, found ARRAY"
    )
    assert "no 'records' array" in by_file["test/pages/c.json"].message
    b = by_file["test/pages/b.json"]
    assert (b.status, b.rows_read, b.rows_loaded, b.rows_quarantined) == ("loaded", 4, 2, 2)
    q = fx.read_quarantine(spec, settings).filter(pl.col("_source_file") == "test/pages/b.json")
    assert q.select("_row_number", "reason", "raw_record").rows() == [
        (2, "record is not a JSON object", "5"),
        (3, "record is not a JSON object", "null"),
    ]


def test_clashing_raw_file_names_reject_the_second_file(settings):
    spec = fx.spec(path="test/things/*/*.csv")
    fx.write(settings, "test/things/a/b__c.csv", fx.csv_bytes(["id"], [["1"]]))
    fx.write(settings, "test/things/a__b/c.csv", fx.csv_bytes(["id"], [["2"]]))
    report = load_entity(spec, settings)

    assert [f.status for f in report.files] == ["loaded", "rejected"]
    assert "clashes with test/things/a/b__c.csv" in report.files[1].message
    assert fx.read_raw(spec, settings)["id"].to_list() == [1]


def test_hidden_and_office_lock_files_are_not_deliveries(settings):
    report_bytes = fx.xlsx_bytes(["序号", "销售日期", "客户名称", "产品编码", "数量", "单价"], [])
    fx.write(settings, "partners/sales_reports/P001/~$2026-01.xlsx", b"lock")
    fx.write(settings, "partners/sales_reports/P001/.2026-01.xlsx", b"partial upload")
    fx.write(settings, "partners/sales_reports/P001/2026-01.xlsx", report_bytes)
    report = load_entity(SALES_REPORTS, settings)
    assert [f.source_file for f in report.files] == ["partners/sales_reports/P001/2026-01.xlsx"]
