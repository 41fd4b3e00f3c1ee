"""Everything at S=1: rows reconcile source -> raw + quarantine -> staging -> published."""

from __future__ import annotations

import json

import duckdb
import pytest

from kernel.contracts import load_contract
from pipelines.ingest import quarantine_glob, raw_glob, read_ledger

pytestmark = pytest.mark.slow


def _count(sql: str) -> int:
    with duckdb.connect() as con:
        return con.execute(sql).fetchone()[0]


def _landing_rows(run) -> dict[str, int]:
    return {path: rows for path, rows in run.report.files.items() if not path.startswith("_")}


def test_every_landing_file_is_in_the_ledger_with_the_rows_the_source_wrote(pipeline_run):
    truncated = set(pipeline_run.report.dirt.get("truncated_file", []))
    ledgers = {}
    for spec in load_contract().values():
        for row in read_ledger(spec, pipeline_run.settings).iter_rows(named=True):
            ledgers[row["source_file"]] = row
    for path, rows in _landing_rows(pipeline_run).items():
        assert path in ledgers, f"{path} was never loaded"
        entry = ledgers[path]
        assert entry["rows_read"] == entry["rows_loaded"] + entry["rows_quarantined"], path
        if path in truncated:
            # the generator counts the complete rows; the cut row is read too, and quarantined
            assert entry["rows_read"] == rows + 1, path
            assert entry["rows_quarantined"] >= 1, path
        elif entry["status"] != "rejected":
            assert entry["rows_read"] == rows, path


def test_raw_and_quarantine_hold_exactly_what_the_ledger_says(pipeline_run):
    settings = pipeline_run.settings
    for spec in load_contract().values():
        current = read_ledger(spec, settings)  # one row per landing path: its current version
        raw_rows = _count(f"select count(*) from read_parquet('{raw_glob(spec, settings)}', union_by_name=true)")
        assert raw_rows == current["rows_loaded"].sum(), spec.qualified_name
        quarantined = _count(
            f"select count(*) from read_parquet('{quarantine_glob(spec, settings)}', union_by_name=true) "
            "where _row_number > 0"
        )
        assert quarantined == current["rows_quarantined"].sum(), spec.qualified_name


def test_every_deliberately_bad_row_is_quarantined_with_its_field(pipeline_run):
    settings = pipeline_run.settings
    bad_rows = pipeline_run.report.dirt.get("bad_rows", [])
    assert bad_rows, "the demo data should contain rows that fail typing"
    with duckdb.connect() as con:
        quarantine = con.execute(
            f"select _source_file, _row_number, field, reason "
            f"from read_parquet('{settings.quarantine_dir}/*/*/*.parquet', union_by_name=true)"
        ).fetchall()
    index = {(f, r): (field, reason) for f, r, field, reason in quarantine}
    for item in bad_rows:
        path, row, field = item.rsplit(":", 2)
        assert (path, int(row)) in index, f"{item} not quarantined"
        got_field, reason = index[(path, int(row))]
        assert reason, item


def test_staging_holds_one_row_per_business_key(pipeline_run):
    settings = pipeline_run.settings
    with duckdb.connect(str(settings.published_database), read_only=True) as pub:
        for spec in load_contract().values():
            keys = ", ".join(f'"{k}"' for k in spec.key)
            distinct_keys = _count(
                f"select count(*) from (select distinct {keys} from "
                f"read_parquet('{raw_glob(spec, settings)}', union_by_name=true))"
            )
            staged = pub.execute(
                f"select count(*) from staging.stg_{spec.system}__{spec.name}"
            ).fetchone()[0]
            assert staged == distinct_keys, spec.qualified_name
            assert staged > 0, spec.qualified_name


def test_chinese_text_survives_gbk_sources_into_staging(pipeline_run):
    with duckdb.connect(str(pipeline_run.settings.published_database), read_only=True) as pub:
        names = [r[0] for r in pub.execute("select customer_name from staging.stg_erp__invoices limit 50").fetchall()]
    assert any("公司" in name for name in names), names[:5]


def test_published_snapshot_and_manifest_agree(pipeline_run):
    settings = pipeline_run.settings
    manifest = json.loads((settings.published_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["published_database"] == str(settings.published_database)
    with duckdb.connect(str(settings.published_database), read_only=True) as pub:
        for name, rows in manifest["tables"].items():
            schema, table = name.split(".", 1)
            assert pub.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0] == rows
        assert pub.execute("select count(*) from meta.loads").fetchone()[0] > 0
