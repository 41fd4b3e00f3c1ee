"""Issue 14: a bad record in the operational store never stops the extraction or publishing.

Before: one order line whose amount did not fit DECIMAL(18,2) (1.2e19, stored as a float by
SQLite) failed every later extraction with "conversion from decimal[38,2] to decimal[18,2] failed
in column 'line_amount'" (no table, no record named), and nothing was published again; soft
deleting the record did not help. Here such records are written around the entry screens with
raw SQL (a huge number, float junk with too many decimals, text in a numeric column, a date that
is not one) and the extraction must quarantine each with table, id and field, extract every other
row and table, not quarantine the same version twice, and still extract the record's soft delete.
The whole run with such a record in the store: tests/test_hardening_e2e.py.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import polars as pl
import pytest
import sqlalchemy as sa
import store_fixtures

from kernel.settings import get_settings
from operational.migrate import upgrade
from pipelines.ingest.layout import QUARANTINE_SCHEMA
from pipelines.publish.snapshot import refresh_meta_tables
from pipelines.sources.operational import extract as ex

store_url = store_fixtures.store_url  # fixture: SQLite, and PostgreSQL when configured

T0 = dt.datetime(2026, 3, 2, 9, 30, 0)
ID = 9_000_000_000_000_500
GOOD_ORDER, TEXT_TOTAL, BAD_DATE = ID + 1, ID + 2, ID + 3
HUGE_LINE, GOOD_LINE = ID + 11, ID + 12
JUNK_RECEIPT, GOOD_RECEIPT = ID + 21, ID + 22
STAMP = "'2026-03-02 09:30:00.000000'"
COMMON = "source_system, version, created_at, updated_at, deleted_at"


def _common(row_id: int) -> str:
    return f"{row_id}, 'ops', 1, {STAMP}, {STAMP}, NULL"


def _sql(url: str, *statements: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
    engine.dispose()


def _order(row_id: int, total: str = "100.00", day: str = "'2026-03-01'") -> str:
    return (f"INSERT INTO orders (id, {COMMON}, order_no, account_id, status, total_amount, order_date) "
            f"VALUES ({_common(row_id)}, 'SO-{row_id}', 5001, 'confirmed', {total}, {day})")


def _line(row_id: int, amount: str) -> str:
    return (f"INSERT INTO order_lines (id, {COMMON}, order_id, product_id, unit, tolerance_type, quantity, "
            f"discount_rate, unit_price, line_amount) "
            f"VALUES ({_common(row_id)}, {GOOD_ORDER}, 3, '套', 'none', 1, 0, 1, {amount})")


def _receipt(row_id: int, amount: str) -> str:
    return (f"INSERT INTO receipts (id, {COMMON}, receipt_no, account_id, receipt_type, amount, is_advance, "
            f"receipt_date) VALUES ({_common(row_id)}, 'HK-{row_id}', 5001, 'receipt', {amount}, 0, '2026-03-02')")


@pytest.fixture
def bad_store(store_url: str, tmp_path: Path):
    if not store_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's typed columns cannot hold these values: the attack is SQLite's")
    upgrade(store_url)
    _sql(store_url,
         _order(GOOD_ORDER), _order(TEXT_TOTAL, total="'lots'"), _order(BAD_DATE, day="'2026-02-30'"),
         _line(HUGE_LINE, "1.2e19"), _line(GOOD_LINE, "360000.00"),
         _receipt(JUNK_RECEIPT, "12.345"), _receipt(GOOD_RECEIPT, "12.34"))
    settings = get_settings({"CRMLAKE_HOME": str(tmp_path / "home"), "CRMLAKE_OPERATIONAL_URL": store_url})
    return store_url, settings


def _quarantine(settings) -> pl.DataFrame:
    return pl.read_parquet(settings.quarantine_dir / "ops" / "*" / "*.parquet", include_file_paths="path")


def _raw_ids(settings, table: str) -> list[int]:
    return sorted(pl.read_parquet(settings.raw_dir / "ops" / table / "*.parquet")["id"].to_list())


def test_bad_stored_values_are_quarantined_with_table_id_and_field(bad_store):
    url, settings = bad_store
    results = ex.extract_changes(settings)  # before: InvalidOperationError decimal[38,2] -> decimal[18,2]
    assert _raw_ids(settings, "orders") == [GOOD_ORDER]
    assert _raw_ids(settings, "order_lines") == [GOOD_LINE]
    assert _raw_ids(settings, "receipts") == [GOOD_RECEIPT]
    assert (results["orders"].quarantined, results["order_lines"].quarantined, results["receipts"].quarantined) == (2, 1, 1)
    assert results["order_lines"].to_metadata()["quarantined"] == 1

    q = _quarantine(settings)
    assert pl.read_parquet_schema(next((settings.quarantine_dir / "ops" / "orders").glob("*.parquet"))) == QUARANTINE_SCHEMA
    found = {(Path(p).parent.name, rid, field) for p, rid, field in q.select("path", "_row_number", "field").iter_rows()}
    assert found == {
        ("orders", TEXT_TOTAL, "total_amount"), ("orders", BAD_DATE, "order_date"),
        ("order_lines", HUGE_LINE, "line_amount"), ("receipts", JUNK_RECEIPT, "amount"),
    }
    huge = q.filter(pl.col("_row_number") == HUGE_LINE).row(0, named=True)
    assert f"ops.order_lines id {HUGE_LINE}" in huge["reason"] and "DECIMAL(18,2)" in huge["reason"]
    assert huge["_source_file"] == "ops/order_lines"
    assert json.loads(huge["raw_record"])["line_amount"] in ("1.2e+19", "1.2e19", "12000000000000000000.0")

    # the watermark moved past the bad rows, and the next run quarantines nothing again
    assert ex.pending_changes(settings) == {}
    again = ex.extract_changes(settings)
    assert sum(r.quarantined for r in again.values()) == 0 and _quarantine(settings).height == 4


def test_a_soft_deleted_bad_record_still_leaves_the_lakehouse(bad_store):
    url, settings = bad_store
    ex.extract_changes(settings)
    _sql(url, "UPDATE order_lines SET version = 2, deleted_at = '2026-03-03 10:00:00.000000', "
              f"updated_at = '2026-03-03 10:00:00.000000' WHERE id = {HUGE_LINE}")
    deleted = ex.extract_changes(settings)["order_lines"]
    assert (deleted.deletes, deleted.quarantined) == (1, 0)
    raw = pl.read_parquet(settings.raw_dir / "ops" / "order_lines" / "*.parquet").filter(pl.col("id") == HUGE_LINE)
    assert raw.select("_op", "line_amount").rows() == [("delete", None)]


def test_bad_record_of_a_later_save_is_caught_too(bad_store):
    url, settings = bad_store
    ex.extract_changes(settings)
    _sql(url, "UPDATE order_lines SET version = 2, unit_price = 'abc', "
              f"updated_at = '2026-03-03 10:00:00.000000' WHERE id = {GOOD_LINE}")
    later = ex.extract_changes(settings)["order_lines"]
    assert (later.rows, later.quarantined) == (0, 1)
    q = _quarantine(settings).filter(pl.col("_row_number") == GOOD_LINE)
    assert q["field"].to_list() == ["unit_price"] and "version 2" in q["reason"][0]


def test_a_stamp_that_is_no_time_neither_stops_the_sensor_nor_repeats(bad_store):
    url, settings = bad_store
    _sql(url, f"INSERT INTO accounts (id, {COMMON}, account_name, is_in_pool) "
              f"VALUES ({ID + 31}, 'ops', 1, {STAMP}, 'soon', 'never', '坏时间有限公司', 0)")
    assert "accounts" not in ex.pending_changes(settings)  # before: ValueError from the sensor's max()
    _sql(url, f"INSERT INTO accounts (id, {COMMON}, account_name, is_in_pool) "
              f"VALUES ({ID + 32}, 'ops', 1, {STAMP}, {STAMP}, NULL, '好时间有限公司', 0)")
    assert "accounts" in ex.pending_changes(settings)  # the good row still wakes the sensor
    first = ex.extract_changes(settings)["accounts"]
    again = ex.extract_changes(settings)["accounts"]  # 'soon' sorts after every time: re-read each run
    assert (first.quarantined, again.quarantined) == (1, 0)
    q = _quarantine(settings).filter(pl.col("_row_number") == ID + 31)
    assert sorted(q["field"].to_list()) == ["deleted_at", "updated_at"]


def test_the_publish_meta_tables_and_status_see_store_quarantine(bad_store):
    url, settings = bad_store
    ex.extract_changes(settings)
    with duckdb.connect() as con:
        refresh_meta_tables(con, settings)
        summary = con.execute(
            "select system, entity, field, rows from meta.quarantine_summary order by entity, field").fetchall()
    assert summary == [("ops", "order_lines", "line_amount", 1), ("ops", "orders", "order_date", 1),
                       ("ops", "orders", "total_amount", 1), ("ops", "receipts", "amount", 1)]


def test_typing_is_set_based_and_exact_for_good_values():
    table = ex.store_tables()[0].metadata.tables["order_lines"]
    text = pl.DataFrame({c.name: [None] * 4 for c in table.c}, schema={c.name: pl.Utf8 for c in table.c})
    text = text.with_columns(
        pl.Series("id", ["1", "2", "3", "4"]), pl.Series("version", ["1"] * 4),
        pl.Series("updated_at", ["2026-03-02 09:30:00.000000", "2026-03-02 09:30:00", "2026-03-02T09:30:00", "x"]),
        pl.Series("line_amount", ["9999999999999999.99", "1.0e+15", "0.1", "1"]),
        pl.Series("quantity", ["1.5", "2", "1.0005", "1"]),
    )
    good, bad, stamps = ex.type_rows(table, text)
    assert good["id"].to_list() == [1, 2]
    assert [str(v) for v in good["line_amount"]] == ["9999999999999999.99", "1000000000000000.00"]
    assert sorted(bad.select("_id", "field").rows()) == [(3, "quantity"), (4, "updated_at")]
    assert stamps.null_count() == 1


# End to end (init, run, status with such a record in the store): tests/test_hardening_e2e.py.
