"""Typing many landing files in one plan writes exactly what typing each file alone writes: the
same bytes in every raw and quarantine Parquet file and in the ledger, the same per-file results,
for a mixed delivery (good files, bad rows, a rejected file, an empty page, delete markers, other
partner headers, an extra column, GBK CSV, JSONL, XLSX) and a re-delivery that supersedes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import ingest_fixtures as fx
import pytest

from kernel.contracts import entity
from pipelines.ingest import check_invariants, load_entity, loader, typing_plan

ACCOUNTS = entity("crm.accounts")
RECEIPTS = entity("erp.bank_receipts")
TRANSCRIPTS = entity("callcenter.transcripts")
SALES = entity("partners.sales_reports")
ENTITIES = (ACCOUNTS, RECEIPTS, TRANSCRIPTS, SALES)
RECEIPT_HEADER = [
    "流水号",
    "交易日期",
    "付款方户名",
    "付款方账号",
    "金额",
    "摘要",
    "认领状态",
    "CRM回款单号",
]


class _FixedClock(datetime):
    @classmethod
    def now(cls, tz=None):
        return datetime(2026, 12, 6, 3, 0, tzinfo=UTC)


def _receipt(n: int, amount: str = "100.50") -> list[str]:
    return [f"T{n:05d}", "2026-11-02", f"客户{n}有限公司", "6222", amount, "货款", "已认领", ""]


def _sales(partner: str, header: list[str], rows: list[list], title: str | None = None) -> tuple:
    return f"partners/sales_reports/{partner}/2026-10.xlsx", fx.xlsx_bytes(
        header, rows, title=title
    )


def _deliver_first(settings) -> None:
    page = "crm/accounts/full_20261031/page_{:04d}.json"
    fx.write(settings, page.format(1), fx.json_page([fx.account(1), fx.account(2)]))
    bad = fx.account(4, createdAt="not a time")
    fx.write(
        settings, page.format(2), fx.json_page([fx.account(3), bad, fx.account(5, region="华东")])
    )
    fx.write(settings, page.format(3), fx.json_page([]))  # a page without records
    fx.write(settings, page.format(4), b'{"totalSize": 1, "records": [')  # cut: rejected
    marker = {"id": 1, "updatedAt": 1760000009999, "_deleted": True}
    fx.write(settings, page.format(5), fx.json_page([marker, fx.account(6)]))
    fx.write(settings, page.format(6), fx.json_page([fx.account(7), fx.account(8)]))

    receipts = "erp/bank_receipts/bank_receipts_2026-{:02d}.csv"
    fx.write(
        settings,
        receipts.format(1),
        fx.csv_bytes(RECEIPT_HEADER, [_receipt(1), _receipt(2)], "gbk"),
    )
    rows = [_receipt(3), _receipt(4, "N/A"), _receipt(5, "-3.00")]
    fx.write(settings, receipts.format(2), fx.csv_bytes(RECEIPT_HEADER, rows, "gbk"))
    fx.write(
        settings, receipts.format(3), fx.csv_bytes(RECEIPT_HEADER[1:], [_receipt(6)[1:]], "gbk")
    )
    reordered = [RECEIPT_HEADER[4], *RECEIPT_HEADER[:4], *RECEIPT_HEADER[5:], "备注"]
    fx.write(
        settings,
        receipts.format(4),
        fx.csv_bytes(reordered, [[_receipt(7)[4], *_receipt(7)[:4], *_receipt(7)[5:], "x"]], "gbk"),
    )

    def message(conv: str, seq: int, **overrides) -> dict:
        base = {
            "conversation_id": conv,
            "channel": "chat",
            "seq": seq,
            "speaker": "agent",
            "ts": "2026-10-01T02:00:00Z",
            "text": f"您好 {seq}",
        }
        return base | overrides

    transcripts = "callcenter/transcripts/transcripts_2026-{:02d}.jsonl"
    fx.write(settings, transcripts.format(1), fx.jsonl_bytes([message("C1", 1), message("C1", 2)]))
    broken = fx.jsonl_bytes([message("C2", 1), message("C2", 2) | {"seq": "two"}]) + b'{"cut": \n'
    fx.write(settings, transcripts.format(2), broken)

    fx.write(
        settings,
        *_sales(
            "P0001",
            ["序号", "销售日期", "客户名称", "产品编码", "数量", "单价"],
            [[1, "2026-10-03", "甲公司", "SKU-1", 2, "10.00"]],
        ),
    )
    fx.write(
        settings,
        *_sales(
            "P0002",
            ["Line", "Date", "Customer", "SKU", "Qty", "Price", "Amount", "Region"],
            [
                [1, "2026-10-04", "乙公司", "SKU-2", 1, "5.00", "5.00", "North"],
                [2, "not a date", "丙公司", "SKU-3", 1, "6.00", "6.00", "South"],
            ],
            title="Monthly report",
        ),
    )
    fx.write(
        settings, *_sales("P0003", ["序号", "销售日期", "客户名称", "产品编码", "数量", "单价"], [])
    )


def _deliver_second(settings) -> None:
    fx.write(
        settings,
        "crm/accounts/full_20261031/page_0002.json",
        fx.json_page([fx.account(3, accountName="更正有限公司")]),
    )  # supersedes
    fx.write(settings, "crm/accounts/full_20261031/page_0007.json", fx.json_page([fx.account(9)]))
    fx.write(
        settings,
        *_sales(
            "P0001",
            ["行号", "日期", "终端客户", "型号", "销量", "售价"],
            [[1, "2026-10-03", "甲公司", "SKU-1", 3, "10.00"]],
        ),
    )


def _load_twice(tmp_path: Path, name: str, monkeypatch) -> tuple[list, dict[str, bytes]]:
    settings = fx.settings_for(tmp_path / name)
    results = []
    for deliver in (_deliver_first, _deliver_second):
        deliver(settings)
        for spec in ENTITIES:
            report = load_entity(spec, settings)
            results += [
                (
                    f.source_file,
                    f.status,
                    f.rows_read,
                    f.rows_loaded,
                    f.rows_quarantined,
                    f.encoding,
                    f.message,
                )
                for f in report.files
            ]
        assert all(check_invariants(spec, settings) == [] for spec in ENTITIES)
    lakehouse = settings.lakehouse_dir
    written = {
        str(p.relative_to(lakehouse)): p.read_bytes() for p in sorted(lakehouse.rglob("*.parquet"))
    }
    return results, written


@pytest.fixture
def counted_plans(monkeypatch):
    monkeypatch.setattr(loader, "new_load_id", lambda now=None: "20261206T030000Z-fixed")
    monkeypatch.setattr(loader, "datetime", _FixedClock)
    monkeypatch.setenv("CRMLAKE_INGEST_THREADS", "1")
    plans: list[int] = []
    real = typing_plan._type_stack

    def counting(spec, files, load_id, loaded_at):
        plans.append(len(files))
        return real(spec, files, load_id, loaded_at)

    monkeypatch.setattr(typing_plan, "_type_stack", counting)
    return plans


def test_files_typed_together_write_the_bytes_each_file_alone_writes(
    tmp_path, monkeypatch, counted_plans
):
    monkeypatch.setattr(loader, "_BATCH_FILES", 1)
    alone = _load_twice(tmp_path, "alone", monkeypatch)
    assert set(counted_plans) == {1}
    files_typed = len(counted_plans)

    counted_plans.clear()
    monkeypatch.setattr(loader, "_BATCH_FILES", 64)
    together = _load_twice(tmp_path, "together", monkeypatch)
    # one plan per column layout: the three receipt files (one with reordered columns and an
    # extra) and three account pages (one with an extra key) share one each
    assert sum(counted_plans) == files_typed and counted_plans.count(3) == 2

    counted_plans.clear()
    monkeypatch.setattr(loader, "_TYPING_ROWS", 3)  # typed as soon as three rows are waiting
    bounded = _load_twice(tmp_path, "bounded", monkeypatch)
    assert max(counted_plans) < 4 and len(counted_plans) < files_typed

    assert together[0] == alone[0] and bounded[0] == alone[0]
    assert together[1].keys() == alone[1].keys() == bounded[1].keys()
    for name, data in alone[1].items():
        assert together[1][name] == data, name
        assert bounded[1][name] == data, name

    outcome = {(f, s) for f, s, *_ in alone[0]}
    assert ("crm/accounts/full_20261031/page_0002.json", "superseded") in outcome
    assert ("crm/accounts/full_20261031/page_0004.json", "rejected") in outcome
    assert ("erp/bank_receipts/bank_receipts_2026-03.csv", "rejected") in outcome
    assert ("partners/sales_reports/P0001/2026-10.xlsx", "superseded") in outcome
    quarantined = {f: q for f, _, _, _, q, *_ in alone[0] if q}
    assert quarantined == {
        "crm/accounts/full_20261031/page_0002.json": 1,
        "erp/bank_receipts/bank_receipts_2026-02.csv": 2,
        "erp/bank_receipts/bank_receipts_2026-03.csv": 1,  # no 流水号 column: rejected, row kept
        "callcenter/transcripts/transcripts_2026-02.jsonl": 2,
        "partners/sales_reports/P0002/2026-10.xlsx": 1,
    }
