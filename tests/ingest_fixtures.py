"""Small landing files for the raw-ingestion tests, written into a pytest tmp_path.

The demo generator writes a full landing zone; these helpers write just the few files a test
needs, in the exact shapes the sources deliver (CRM JSON pages, ERP CSV in GBK, JSONL, partner
XLSX), so each test says what it delivers and what it expects.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from kernel.contracts import EntitySpec, FieldSpec
from kernel.settings import Settings, get_settings
from pipelines.ingest import quarantine_glob, raw_glob


def settings_for(tmp_path: Path) -> Settings:
    settings = get_settings({"CRMLAKE_HOME": str(tmp_path / "home")})
    settings.ensure_dirs()
    return settings


def spec(
    fields: dict[str, dict] | None = None,
    *,
    name: str = "test.things",
    path: str = "test/things/*.csv",
    fmt: str = "csv",
    encoding: str = "utf-8",
    key: tuple[str, ...] = ("id",),
    path_fields: str | None = None,
) -> EntitySpec:
    """A hand-made entity, independent of sources.yml, for edge cases."""
    fields = fields or {"id": {"type": "int64", "required": True}, "name": {"type": "string"}}
    return EntitySpec(
        qualified_name=name,
        path=path,
        format=fmt,
        fields=tuple(
            FieldSpec(
                name=n,
                type=f["type"],
                required=f.get("required", False),
                source=f.get("source"),
                synonyms=tuple(f.get("synonyms", ())),
            )
            for n, f in fields.items()
        ),
        key=key,
        encoding=encoding,
        path_fields=path_fields,
    )


def write(settings: Settings, rel: str, data: bytes) -> Path:
    path = settings.landing_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def json_page(records: list, *, page_no: int = 1, has_more: bool = False) -> bytes:
    page = {
        "totalSize": len(records),
        "pageNo": page_no,
        "pageSize": 100,
        "hasMore": has_more,
        "records": records,
    }
    return json.dumps(page, ensure_ascii=False).encode("utf-8")


def csv_bytes(header: list[str], rows: list[list], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def jsonl_bytes(objects: list) -> bytes:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects).encode("utf-8")


def xlsx_bytes(header: list[str], rows: list[list], *, title: str | None = None) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.set_properties({"created": datetime(2026, 1, 1)})  # the same bytes on every call
    sheet = workbook.add_worksheet("销售月报")
    first = 0
    if title:
        sheet.write(0, 0, title)
        first = 2
    sheet.write_row(first, 0, header)
    for i, row in enumerate(rows, start=first + 1):
        sheet.write_row(i, 0, row)
    workbook.close()
    return buffer.getvalue()


def account(i: int, **overrides) -> dict:
    """A CRM account record as the query API returns it."""
    record = {
        "id": i,
        "entityType": "account",
        "ownerId": 7,
        "createdAt": 1760000000000 + i,
        "updatedAt": 1760000000000 + i,
        "accountName": f"上海测试{i}有限公司",
        "level": "A",
        "inPool": False,
    }
    return record | overrides


def read_raw(spec: EntitySpec, settings: Settings) -> pl.DataFrame:
    """The raw table as dbt reads it: every Parquet file of the folder, union by name."""
    return _read(raw_glob(spec, settings), "_source_file, _row_number")


def read_quarantine(spec: EntitySpec, settings: Settings) -> pl.DataFrame:
    return _read(quarantine_glob(spec, settings), "_source_file, _row_number")


def _read(glob: str, order: str) -> pl.DataFrame:
    con = duckdb.connect()
    try:
        return con.execute(
            f"select * from read_parquet(?, union_by_name = true) order by {order}", [glob]
        ).pl()
    finally:
        con.close()
