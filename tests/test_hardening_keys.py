"""Issue 14, silent overwrites: a re-used business key never silently replaces loaded data.

- An ERP invoice number re-used in a later file: the first-loaded invoice stands in staging and
  the later row is held for review in ``meta.key_conflicts`` (before: the later file's 1.00
  replaced the 2,948.40 invoice, nothing reported).
- Two versions of one CRM record with the same ``updatedAt`` and different content: the latest
  load wins (deterministically, as before) and the pair is listed in ``meta.key_conflicts``.
- An identical re-delivery is no conflict.

dbt runs once over the small raw fixture (tests/dbt_fixtures.py) plus the conflicting files.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from case_dbt import run_case_dbt
from dbt_fixtures import BASE_EPOCH_MS, schema_of, write_raw_fixture

from kernel.contracts import entity, load_contract

PROJECT = Path(__file__).resolve().parents[1] / "dbt_project"
MODEL = PROJECT / "models" / "meta" / "key_conflicts.sql"
REUSE_FILE = "erp/invoices/invoices_2025-03.csv"
TIE_FILE = "crm/accounts/delta_20250203/page_0001.json"
THIRD_LOADED_AT = datetime(2025, 2, 3, 10, 0, 0)


def _lineage(source_file: str) -> dict:
    return {
        "_source_file": source_file,
        "_row_number": 1,
        "_load_id": "load-3",
        "_loaded_at": THIRD_LOADED_AT,
        "_file_hash": "hash-3",
    }


def _write_conflicts(raw: Path) -> None:
    """A later file re-using invoice 2's number (amount 1.00), and account 2 again with the
    same updatedAt but another name: each a copy of the fixture's first-load row, changed."""
    for qualified, key, value, changes, source_file in (
        ("erp.invoices", "invoice_no", "invoice_no-2",
         {"amount_incl_tax": Decimal("1.00"), "amount_ex_tax": Decimal("0.88"),
          "tax_amount": Decimal("0.12")}, REUSE_FILE),
        ("crm.accounts", "id", 2, {"accountName": "改过名字的公司"}, TIE_FILE),
    ):
        spec = entity(qualified)
        folder = raw / spec.system / spec.name
        first = pq.read_table(folder / "0001_first_load.parquet").to_pylist()
        row = next(r for r in first if r[key] == value)
        row = {**row, **changes, **_lineage(source_file)}
        pq.write_table(
            pa.Table.from_pylist([row], schema=schema_of(spec)), folder / "0003_third_load.parquet"
        )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("key_conflicts")
    write_raw_fixture(tmp / "raw")
    _write_conflicts(tmp / "raw")
    warehouse = tmp / "warehouse.duckdb"
    # started as a pipeline step starts dbt, from the parse `crmlake prepare` saved (case_dbt.py)
    result = run_case_dbt(
        warehouse,
        ["build", "--select", "path:models/staging", "path:models/meta", "--exclude", "resource_type:unit_test",
         # like the pipeline: a test on a unioned model runs only when that model is built too
         "--indirect-selection", "cautious"],
    )
    assert result.returncode == 0, result.stdout[-5000:]
    con = duckdb.connect(str(warehouse), read_only=True)
    yield con
    con.close()


def _conflicts(con, system: str, table: str) -> list[dict]:
    cur = con.execute(
        "select * from meta.key_conflicts where system = ? and entity = ? order by record_key",
        [system, table],
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def test_a_reused_invoice_number_does_not_replace_the_first_invoice(built):
    amount = built.execute(
        "select amount_incl_tax, source_file from staging.stg_erp__invoices "
        "where invoice_no = 'invoice_no-2'"
    ).fetchall()
    assert amount == [(Decimal("2000.50"), "erp/invoices/first/page_1")], amount


def test_a_reused_invoice_number_is_held_for_review(built):
    rows = _conflicts(built, "erp", "invoices")
    assert [r["record_key"] for r in rows] == ["invoice_no-2"]  # the identical re-delivery of 1 is none
    row = rows[0]
    assert row["rule"] == "number_reused"
    assert (row["kept_source_file"], row["kept_row_number"]) == ("erp/invoices/first/page_1", 2)
    assert (row["other_source_file"], row["other_row_number"]) == (REUSE_FILE, 1)
    assert row["differing_columns"] == "amount_ex_tax, tax_amount, amount_incl_tax"
    assert "held for review" in row["resolution"]


def test_equal_updated_at_versions_are_reported_and_resolved_deterministically(built):
    name = built.execute(
        "select account_name, source_file from staging.stg_crm__accounts where account_id = 2"
    ).fetchall()
    assert name == [("改过名字的公司", TIE_FILE)]  # the latest load wins the tie, as documented
    rows = _conflicts(built, "crm", "accounts")
    assert [r["record_key"] for r in rows] == ["2"]
    row = rows[0]
    assert row["rule"] == "same_version"
    assert row["version"] == str(BASE_EPOCH_MS + 2 * 3_600_000)
    assert row["kept_source_file"] == TIE_FILE and row["other_source_file"] == "crm/accounts/first/page_1"
    assert row["differing_columns"] == "accountName"


def test_every_versioned_entity_and_the_invoices_are_watched():
    """The review model lists every contract entity with a version field (and erp.invoices)."""
    sql = MODEL.read_text(encoding="utf-8")
    for spec in load_contract().values():
        if spec.version or spec.qualified_name == "erp.invoices":
            assert f"('{spec.system}', '{spec.name}'," in sql, spec.qualified_name


def test_status_warns_about_key_conflicts(tmp_path):
    """A non-empty meta.key_conflicts is a status warning naming entity, rule and the table."""
    from kernel.publish_status import collect_status, format_status
    from kernel.settings import get_settings

    settings = get_settings({"CRMLAKE_HOME": str(tmp_path)})
    settings.published_dir.mkdir(parents=True)
    with duckdb.connect(str(settings.published_database)) as con:
        con.execute("create schema meta")
        con.execute(
            "create table meta.key_conflicts as select * from (values "
            "('erp', 'invoices', '24000003', 'number_reused'), "
            "('crm', 'accounts', '2', 'same_version'), ('crm', 'accounts', '2', 'same_version')) "
            "as t(system, entity, record_key, rule)"
        )
    (settings.published_dir / "manifest.json").write_text(
        '{"published_at": "2026-12-01T08:00:00Z", "run_id": "r1", "tables": {}}', encoding="utf-8"
    )
    status = collect_status(settings)
    assert [(c["entity"], c["rule"], c["keys"]) for c in status["key_conflicts"]] == [
        ("crm.accounts", "same_version", 1), ("erp.invoices", "number_reused", 1)]
    warning = next(w for w in status["warnings"] if "meta.key_conflicts" in w)
    assert "2 business key(s)" in warning and "erp.invoices 1 (number_reused)" in warning
    assert "meta.key_conflicts" in format_status(status)
