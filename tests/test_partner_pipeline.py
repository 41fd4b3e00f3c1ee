"""The partner area in the full pipeline at S=1 (slow: uses the session ``pipeline_run``)."""

from __future__ import annotations

import duckdb
import pytest

from kernel.contracts import load_contract
from pipelines.ingest import read_ledger

pytestmark = pytest.mark.slow


def test_partner_tables_are_published(pipeline_run):
    with duckdb.connect(str(pipeline_run.settings.published_database), read_only=True) as con:
        for table in ("company_resolution", "resolution_review", "conflicts", "deal_registrations",
                      "reconciliation_lines", "statements", "rebates"):
            assert con.execute(f"select count(*) from partner.{table}").fetchone()[0] > 0, table
        # every typed name of every source has a company
        assert con.execute("select count(*) from partner.company_resolution where company_key is null").fetchone()[0] == 0
        missing = con.execute(
            "select count(*) from intermediate.int_deal_registrations_unioned r "
            "left join partner.company_resolution c on c.typed_name = r.customer_name where c.typed_name is null"
        ).fetchone()[0]
        assert missing == 0


def test_statements_record_the_upload_the_ledger_holds(pipeline_run):
    ledger = read_ledger(load_contract()["partners.sales_reports"], pipeline_run.settings)
    held = {r["source_file"]: r["file_hash"] for r in ledger.iter_rows(named=True) if r["status"] != "rejected"}
    with duckdb.connect(str(pipeline_run.settings.published_database), read_only=True) as con:
        rows = con.execute("select upload_file, upload_file_hash from partner.statements where upload_file is not null").fetchall()
    assert rows
    for path, file_hash in rows:
        assert held[path] == file_hash, path
