"""Readers per landing format: CSV (cut lines, GBK), JSONL, partner XLSX headers, encodings."""

from __future__ import annotations

import json

import ingest_fixtures as fx
import polars as pl
import pytest

from kernel.contracts import entity
from pipelines.ingest import check_invariants, load_entity, read_ledger
from pipelines.ingest.encoding import decode
from pipelines.ingest.errors import ContractError

SHIPMENTS = entity("erp.shipments")  # GBK, Chinese headers
AGENTS = entity("callcenter.agents")  # UTF-8
TRANSCRIPTS = entity("callcenter.transcripts")  # JSONL, UTC timestamps
SALES_REPORTS = entity("partners.sales_reports")  # XLSX, synonyms, path fields


@pytest.fixture
def settings(tmp_path):
    return fx.settings_for(tmp_path)


def shipment(no: str, line: int, customer: str = "杭州西湖电子有限公司") -> list[str]:
    return [
        no,
        str(line),
        "2026-01-05",
        customer,
        "SO-1",
        "11",
        "M-100",
        "12,000.00",
        "台",
        "一号仓",
        "",
    ]


SHIPMENT_HEADER = [f.header for f in SHIPMENTS.fields]


def test_gbk_csv_decodes_chinese_intact(settings):
    rows = [
        shipment("SH1", 1, "深圳市龍華區鑫達貿易有限公司"),
        shipment("SH1", 2, "北京𠮷野家餐饮"),
    ]
    fx.write(
        settings,
        "erp/shipments/shipments_202601.csv",
        fx.csv_bytes(SHIPMENT_HEADER, rows, "gb18030"),
    )
    report = load_entity(SHIPMENTS, settings)

    assert report.files[0].encoding == "gbk" and report.files[0].message is None
    raw = fx.read_raw(SHIPMENTS, settings)
    assert raw["customer_name"].to_list() == ["深圳市龍華區鑫達貿易有限公司", "北京𠮷野家餐饮"]
    assert raw["unit"].to_list() == ["台", "台"]
    assert raw["line_no"].to_list() == [1, 2]
    assert raw["tracking_no"].to_list() == [None, None]  # empty string -> null


def test_utf8_file_arriving_as_gbk_is_decoded_and_the_ledger_warns(settings):
    header = ["agent_id", "agent_name", "team", "role", "crm_user_id", "hired_on"]
    rows = [["A1", "张伟", "华东一组", "agent", "", "2024-03-01"]]
    fx.write(settings, "callcenter/agents/agents_202601.csv", fx.csv_bytes(header, rows, "gbk"))
    report = load_entity(AGENTS, settings)

    assert report.files[0].status == "loaded"
    assert report.files[0].encoding == "gb18030"
    assert report.files[0].message == "declared utf-8, decoded as gb18030"
    assert fx.read_raw(AGENTS, settings)["agent_name"].to_list() == ["张伟"]
    ledger = read_ledger(AGENTS, settings).row(0, named=True)
    assert (ledger["encoding"], ledger["message"]) == (
        "gb18030",
        "declared utf-8, decoded as gb18030",
    )
    assert "declared utf-8, decoded as gb18030" in report.to_metadata()["warnings"]


def test_gbk_declared_file_arriving_as_utf8_is_not_mangled(settings):
    rows = [shipment("SH1", 1, "广州白云电器设备有限公司")]
    fx.write(
        settings,
        "erp/shipments/shipments_202602.csv",
        fx.csv_bytes(SHIPMENT_HEADER, rows, "utf-8-sig"),
    )
    report = load_entity(SHIPMENTS, settings)

    assert report.files[0].message == "declared gbk, decoded as utf-8-sig"
    assert fx.read_raw(SHIPMENTS, settings)["customer_name"].to_list() == [
        "广州白云电器设备有限公司"
    ]


def test_bom_is_stripped_from_the_first_header():
    decoded = decode("物料编码,物料名称\n".encode("utf-8-sig"), "utf-8-sig", source="x.csv")
    assert decoded.text.startswith("物料编码") and decoded.warning is None


def test_undecodable_file_is_rejected_naming_it():
    with pytest.raises(ContractError, match="x.csv: cannot decode"):
        decode(b"\xff\xfe\x00\x81\xff", "utf-8", source="x.csv")


def test_truncated_csv_quarantines_the_cut_row_and_loads_the_rest(settings):
    body = fx.csv_bytes(SHIPMENT_HEADER, [shipment("SH1", 1), shipment("SH1", 2)], "gbk")
    cut = "SH2,1,2026-01-06,上海".encode("gbk")  # the file ends in the middle of a line
    fx.write(settings, "erp/shipments/shipments_202601.csv", body + cut)
    report = load_entity(SHIPMENTS, settings)

    f = report.files[0]
    assert (f.status, f.rows_read, f.rows_loaded, f.rows_quarantined) == ("loaded", 3, 2, 1)
    q = fx.read_quarantine(SHIPMENTS, settings).row(0, named=True)
    assert q["_row_number"] == 3 and q["field"] is None
    assert q["reason"] == "row has 4 of 11 fields (line cut short or malformed)"
    assert json.loads(q["raw_record"])["客户名称"] == "上海"
    assert check_invariants(SHIPMENTS, settings) == []


def test_csv_quoted_newlines_overlong_rows_and_extra_columns(settings):
    header = [*SHIPMENT_HEADER, "备注"]
    rows = [
        [*shipment("SH1", 1), "第一行\n第二行"],
        [*shipment("SH1", 2), "ok", "surplus"],
        [*shipment("SH1", 3), ""],
    ]
    fx.write(settings, "erp/shipments/shipments_202601.csv", fx.csv_bytes(header, rows, "gbk"))
    report = load_entity(SHIPMENTS, settings)

    raw = fx.read_raw(SHIPMENTS, settings)
    assert raw.select("line_no", "备注", "_row_number").rows() == [
        (1, "第一行\n第二行", 1),
        (3, None, 3),
    ]
    q = fx.read_quarantine(SHIPMENTS, settings).row(0, named=True)
    assert (q["_row_number"], q["reason"]) == (2, "row has 13 fields, the header has 12")
    assert "surplus" in q["raw_record"]
    assert report.rows_read == 3


def test_csv_missing_required_column_rejects_the_file(settings):
    header = [h for h in SHIPMENT_HEADER if h != "物料编码"]
    rows = [
        [v for h, v in zip(SHIPMENT_HEADER, shipment("SH1", 1), strict=True) if h != "物料编码"]
    ]
    fx.write(settings, "erp/shipments/shipments_202601.csv", fx.csv_bytes(header, rows, "gbk"))
    report = load_entity(SHIPMENTS, settings)

    f = report.files[0]
    assert f.status == "rejected"
    assert f.message == "erp/shipments/shipments_202601.csv: required column material_code missing"
    assert (f.rows_read, f.rows_quarantined) == (1, 1)
    assert fx.read_raw(SHIPMENTS, settings).height == 0


def test_header_only_csv_loads_nothing(settings):
    fx.write(
        settings, "erp/shipments/shipments_202601.csv", fx.csv_bytes(SHIPMENT_HEADER, [], "gbk")
    )
    report = load_entity(SHIPMENTS, settings)
    assert [(f.status, f.rows_read) for f in report.files] == [("loaded", 0)]


def test_empty_csv_is_rejected(settings):
    fx.write(settings, "erp/shipments/shipments_202601.csv", b"")
    report = load_entity(SHIPMENTS, settings)
    assert report.files[0].status == "rejected"
    assert "empty file" in report.files[0].message


def test_jsonl_types_utc_timestamps_and_quarantines_a_broken_line(settings):
    messages = [
        {"conversation_id": "C1", "channel": "wechat", "seq": 1, "speaker": "customer",
         "ts": "2026-01-05T01:02:03Z", "text": "你好，发票还没收到"},
        {"conversation_id": "C1", "channel": "wechat", "seq": 2, "speaker": "agent",
         "ts": "2026-01-05T09:02:30+08:00", "text": "您好，我帮您查一下", "agent_id": "A1"},
    ]  # fmt: skip
    body = fx.jsonl_bytes(messages) + b"\n" + b'{"conversation_id": "C1", "seq": 3, "te'
    fx.write(settings, "callcenter/transcripts/transcripts_202601.jsonl", body)
    report = load_entity(TRANSCRIPTS, settings)

    raw = fx.read_raw(TRANSCRIPTS, settings)
    assert raw.select("seq", "_row_number").rows() == [(1, 1), (2, 2)]
    assert raw["ts"].to_list()[1].isoformat() == "2026-01-05T01:02:30"  # naive UTC
    assert raw["text"][0] == "你好，发票还没收到"
    q = fx.read_quarantine(TRANSCRIPTS, settings).row(0, named=True)
    assert q["_row_number"] == 4  # the blank line 3 is skipped but still counted as a line
    assert q["reason"] == "line is not valid JSON (cut short or malformed)"
    assert q["raw_record"].startswith('{"conversation_id": "C1"')
    assert report.files[0].rows_read == 3


def test_xlsx_header_synonyms_map_to_the_same_fields(settings):
    chinese = ["序号", "销售日期", "最终客户", "产品编码", "数量", "单价", "金额", "备注"]
    english = ["No.", "Date", "End Customer", "SKU", "Qty", "Unit Price", "Amount"]
    fx.write(
        settings,
        "partners/sales_reports/P001/2026-01.xlsx",
        fx.xlsx_bytes(
            chinese,
            [[1, "2026-01-05", "苏州工业园区某厂", "X-1", 10, 99.5, 995, "含安装"]],
            title="2026年1月渠道销售月报",
        ),
    )
    fx.write(
        settings,
        "partners/sales_reports/P002/2026-01_v2.xlsx",
        fx.xlsx_bytes(english, [[1, "2026/01/06", "Acme 上海", "X-2", "1,200", 3, 3600]]),
    )
    report = load_entity(SALES_REPORTS, settings)

    assert [f.status for f in report.files] == ["loaded", "loaded"]
    raw = fx.read_raw(SALES_REPORTS, settings).sort("partner_code")
    assert [str(v) for v in raw["quantity"]] == ["10.000", "1200.000"]  # quantities: scale 3
    assert raw["partner_code"].to_list() == ["P001", "P002"]
    assert raw["report_month"].to_list() == ["2026-01", "2026-01"]
    assert raw["end_customer_name"].to_list() == ["苏州工业园区某厂", "Acme 上海"]
    assert raw["_row_number"].to_list() == [1, 1]
    assert raw["备注"].to_list() == ["含安装", None]
    assert raw["sale_date"].cast(pl.Utf8).to_list() == ["2026-01-05", "2026-01-06"]


def test_xlsx_matching_ignores_case_width_and_spaces(settings):
    header = [" line ", "ＤＡＴＥ", "customer", "product code", "QTY", "unit price"]
    fx.write(
        settings,
        "partners/sales_reports/P003/2026-02.xlsx",
        fx.xlsx_bytes(header, [[1, "2026-02-01", "某公司", "X-1", 2, 5]]),
    )
    report = load_entity(SALES_REPORTS, settings)
    assert report.files[0].status == "loaded", report.files[0].message


def test_xlsx_with_an_unmappable_required_column_is_rejected_naming_the_headers(settings):
    header = ["序号", "销售日期", "最终客户", "产品编码", "出货量(件)", "单价"]
    fx.write(
        settings,
        "partners/sales_reports/P004/2026-01.xlsx",
        fx.xlsx_bytes(header, [[1, "2026-01-05", "某公司", "X-1", 3, 10]]),
    )
    report = load_entity(SALES_REPORTS, settings)

    f = report.files[0]
    assert f.status == "rejected"
    assert f.message == (
        "partners/sales_reports/P004/2026-01.xlsx: required column quantity missing "
        "(unmapped headers: 出货量(件))"
    )
    assert fx.read_quarantine(SALES_REPORTS, settings)["reason"].to_list() == [f.message]


def test_broken_xlsx_and_wrong_path_are_rejected(settings):
    fx.write(settings, "partners/sales_reports/P005/2026-01.xlsx", b"PK\x03\x04 not really a zip")
    fx.write(
        settings,
        "partners/sales_reports/P005/report.xlsx",
        fx.xlsx_bytes(["序号"], [[1]]),
    )
    report = load_entity(SALES_REPORTS, settings)

    messages = {f.source_file: f.message for f in report.files}
    assert [f.status for f in report.files] == ["rejected", "rejected"]
    assert messages["partners/sales_reports/P005/2026-01.xlsx"].startswith(
        "partners/sales_reports/P005/2026-01.xlsx: unreadable XLSX workbook"
    )
    assert "path does not match" in messages["partners/sales_reports/P005/report.xlsx"]
    q = fx.read_quarantine(SALES_REPORTS, settings)
    assert q["_row_number"].to_list() == [0, 0]


def test_malformed_quoting_mid_file_rejects_the_file_with_the_line(settings):
    body = fx.csv_bytes(SHIPMENT_HEADER, [shipment("SH1", 1)], "gbk")
    bad = 'SH1,2,2026-01-05,"甲公司",""x,11,M-1,1,台,仓,\r\n'.encode("gbk")
    fx.write(settings, "erp/shipments/shipments_202601.csv", body + bad + body.split(b"\r\n", 1)[1])
    report = load_entity(SHIPMENTS, settings)

    f = report.files[0]
    assert f.status == "rejected"
    assert f.message == (
        "erp/shipments/shipments_202601.csv: unparseable CSV: "
        "file line 3: Value with unterminated quote found."
    )


def test_missing_final_line_break_is_warned_about(settings):
    body = fx.csv_bytes(SHIPMENT_HEADER, [shipment("SH1", 1), shipment("SH1", 2)], "gbk")
    fx.write(settings, "erp/shipments/shipments_202601.csv", body.rstrip(b"\r\n"))
    report = load_entity(SHIPMENTS, settings)

    f = report.files[0]
    assert (f.status, f.rows_loaded) == ("loaded", 2)
    assert f.message == "no line break at the end of the file: its last row may be incomplete"
