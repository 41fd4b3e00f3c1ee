"""Issue 14, landing zone: nothing outside the landing root is ever read, and no file vanishes.

A landing zone is an upload area. A symbolic link (to a file, or a folder on the way) or a path
that resolves outside the landing root must never be read: the loader would copy any file the
pipeline can see into raw or quarantine (``raw_record``) and from there into the published
snapshot. Every file that is not loaded must leave a trace: the run log, ``meta.ignored_files``
in the snapshot and ``crmlake check``.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
from ingest_fixtures import account, csv_bytes, json_page, settings_for, spec

from kernel.contracts import entity
from kernel.settings import get_settings
from pipelines.ingest import load_entity
from pipelines.ingest.check import check_landing, format_report
from pipelines.publish.snapshot import refresh_meta_tables

SECRET = "TOP-SECRET-4711"
TICKET_HEADER = [f.header for f in entity("callcenter.tickets").fields]


def put(root: Path, rel: str, data: bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def ticket_file(*numbers: str) -> bytes:
    values = {"channel": "phone", "priority": "P2", "subject": "设备无法开机", "status": "closed",
              "created_at": "2026-03-02 09:00:00", "updated_at": "2026-03-03 10:00:00"}
    return csv_bytes(TICKET_HEADER, [[values.get(h, n if h == "ticket_no" else "")
                                      for h in TICKET_HEADER] for n in numbers])


def _lakehouse_text(settings) -> str:
    """Every string the raw layer, quarantine and ledger hold (where a leaked secret would be)."""
    texts = []
    for folder in (settings.raw_dir, settings.quarantine_dir, settings.ledger_dir):
        for f in folder.rglob("*.parquet"):
            frame = pl.read_parquet(f)
            texts += [str(v) for c in frame.columns for v in frame[c].to_list()]
    return "\n".join(texts)


def _settings(tmp_path: Path, landing: Path):
    s = get_settings({"CRMLAKE_HOME": str(tmp_path / "home"), "CRMLAKE_LANDING_DIR": str(landing)})
    s.ensure_dirs()
    return s


# ---------------------------------------------------------------- links and paths outside the root


def test_symlinked_secret_never_reaches_raw_quarantine_or_the_snapshot(tmp_path):
    """A link to a file and a link to a folder, both matching the tickets glob, are never read."""
    landing = tmp_path / "landing"
    put(landing, "callcenter/tickets/tickets_2026-03.csv", ticket_file("TK1"))
    secret = put(tmp_path / "host", "secret.csv", f"password\n{SECRET}\n".encode())
    (landing / "callcenter/tickets/tickets_2026-04.csv").symlink_to(secret)
    put(tmp_path / "host", "dir/tickets_2026-05.csv", f"x\n{SECRET}\n".encode())
    (landing / "callcenter/linked").symlink_to(tmp_path / "host" / "dir")
    tickets = entity("callcenter.tickets")
    linked = dataclasses.replace(tickets, path="callcenter/*/tickets_*.csv")
    settings = _settings(tmp_path, landing)

    report = load_entity(tickets, settings)
    other = load_entity(linked, settings)

    assert [f.source_file for f in report.files] == ["callcenter/tickets/tickets_2026-03.csv"]
    assert report.refused == [("callcenter/tickets/tickets_2026-04.csv", "symbolic link, not followed")]
    assert ("callcenter/linked/tickets_2026-05.csv", "symbolic link, not followed") in other.refused
    assert SECRET not in _lakehouse_text(settings)
    with duckdb.connect() as con:
        refresh_meta_tables(con, settings)
        assert SECRET not in str(con.execute("select * from meta.quarantine").fetchall())


def test_file_resolving_outside_the_landing_root_is_refused(tmp_path):
    """A glob reaching out of the root ('..') finds a real file, not a link: still never read."""
    landing = tmp_path / "landing"
    landing.mkdir()
    put(tmp_path, "elsewhere/things_1.csv", f"id,name\n1,{SECRET}\n".encode())
    settings = _settings(tmp_path, landing)
    escaping = spec(path="../elsewhere/things_*.csv")

    report = load_entity(escaping, settings)

    assert report.files == []
    assert report.refused == [("../elsewhere/things_1.csv", "outside the landing root")]
    assert "outside the landing root" in report.warnings[-1]
    assert SECRET not in _lakehouse_text(settings)


def test_a_landing_root_that_is_itself_a_link_still_loads(tmp_path):
    """Only links *inside* the root are refused: an administrator may point the root anywhere."""
    real = tmp_path / "real_landing"
    put(real, "callcenter/tickets/tickets_2026-03.csv", ticket_file("TK1", "TK2"))
    (tmp_path / "landing").symlink_to(real)
    settings = dataclasses.replace(settings_for(tmp_path), landing_dir=tmp_path / "landing")

    report = load_entity(entity("callcenter.tickets"), settings)

    assert report.rows_loaded == 2 and report.refused == []


# ---------------------------------------------------------------- files matching no entity


def _hostile_zone(tmp_path: Path) -> Path:
    landing = tmp_path / "landing"
    put(landing, "callcenter/tickets/tickets_2026-03.csv", ticket_file("TK1"))
    put(landing, "crm/acounts/full_20260301/page_0001.json", json_page([account(1)]))  # typo
    put(landing, "erp/invoices/invoices_2026-03.xls", b"not a csv")
    put(landing, "notes.txt", b"hello")
    put(landing, "partners/sales_reports/P001/~$2026-03.xlsx", b"lock")  # an open workbook
    put(landing, ".DS_Store", b"")  # tool noise: never a delivery, not reported
    put(landing, "README.md", b"# our extracts")  # documentation: not reported
    put(landing, "_truth/name_variants.json", b"{}")  # the demo's ground truth
    secret = put(tmp_path / "host", "secret.csv", SECRET.encode())
    (landing / "callcenter/tickets/tickets_2026-04.csv").symlink_to(secret)
    (landing / "callcenter/stray_link.csv").symlink_to(secret)
    return landing


EXPECTED_IGNORED = {
    ("callcenter/stray_link.csv", "symbolic link, not followed"),
    ("callcenter/tickets/tickets_2026-04.csv", "symbolic link, not followed"),
    ("crm/acounts/full_20260301/page_0001.json", "matches no entity"),
    ("erp/invoices/invoices_2026-03.xls", "matches no entity"),
    ("notes.txt", "matches no entity"),
    ("partners/sales_reports/P001/~$2026-03.xlsx", "hidden or temporary file, not a delivery"),
}


def test_every_file_not_loaded_is_written_next_to_the_ledger_and_published(tmp_path):
    from pipelines.ingest.landing import record_ignored_files

    settings = _settings(tmp_path, _hostile_zone(tmp_path))
    ignored = record_ignored_files(settings)
    assert {(i.path, i.reason) for i in ignored} == EXPECTED_IGNORED

    load_entity(entity("callcenter.tickets"), settings)
    with duckdb.connect() as con:
        refresh_meta_tables(con, settings)
        columns = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'meta' and table_name = 'ignored_files' order by ordinal_position"
        ).fetchall()
        assert columns[:2] == [("path", "VARCHAR"), ("reason", "VARCHAR")]
        assert set(con.execute("select path, reason from meta.ignored_files").fetchall()) == EXPECTED_IGNORED
        # the ignored list sits next to the ledger but is not a ledger: meta.loads stays one row per file
        assert con.execute("select list(source_file) from meta.loads").fetchone()[0] == [
            "callcenter/tickets/tickets_2026-03.csv"]

    # rewritten each run: a fixed landing zone leaves nothing behind
    (settings.landing_dir / "notes.txt").unlink()
    assert "notes.txt" not in {i.path for i in record_ignored_files(settings)}


def test_meta_ignored_files_exists_even_before_any_scan(tmp_path):
    settings = settings_for(tmp_path)
    with duckdb.connect() as con:
        refresh_meta_tables(con, settings)
        assert con.execute("select count(*) from meta.ignored_files").fetchone()[0] == 0
        names = [r[0] for r in con.execute("describe meta.ignored_files").fetchall()]
        assert names[:2] == ["path", "reason"]


def test_ignored_files_are_in_the_run_log_of_the_ingest_step(tmp_path):
    from pipelines.resources import LakehouseResource
    from pipelines.sources.landing_zone import landing_zone

    settings = _settings(tmp_path, _hostile_zone(tmp_path))
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        [landing_zone], instance=instance,
        resources={"lakehouse": LakehouseResource.from_settings(settings)},
    )
    assert result.success
    messages = [e.user_message for e in instance.all_logs(result.run_id)]
    assert any("notes.txt: ignored: matches no entity" in m for m in messages)
    assert any("crm/acounts/full_20260301/page_0001.json: ignored: matches no entity" in m
               for m in messages)
    assert any("callcenter/stray_link.csv: ignored: symbolic link, not followed" in m for m in messages)
    assert (settings.ledger_dir / "ignored_files.parquet").exists()


def test_the_landing_zone_scan_is_part_of_ingestion_and_upstream_of_publish(dbt_manifest):
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    key = dg.AssetKey(["raw", "landing_zone"])
    assert key in graph.get(dg.AssetKey(["published", "snapshot"])).parent_keys
    assert key in defs.resolve_job_def("ingest_raw").asset_layer.selected_asset_keys


def test_crmlake_check_lists_every_ignored_file_with_its_reason(tmp_path):
    report = check_landing(_hostile_zone(tmp_path))
    assert {(i.path, i.reason) for i in report.ignored} == EXPECTED_IGNORED
    assert report.to_dict()["summary"]["ignored_files"] == len(EXPECTED_IGNORED)
    text = format_report(report)
    assert "notes.txt: ignored: matches no entity" in text
    assert "partners/sales_reports/P001/~$2026-03.xlsx: ignored: hidden or temporary file" in text


def test_a_link_swapped_in_after_the_scan_is_still_not_read(tmp_path, monkeypatch):
    """Time of check to time of use: the file is opened without following a final link."""
    from pipelines.ingest import loader

    root = tmp_path / "landing"
    target = put(root, "callcenter/tickets/tickets_2026-03.csv", ticket_file("TK1"))
    secret = put(tmp_path / "host", "secret.csv", f"ticket_no\n{SECRET}\n".encode())
    settings = _settings(tmp_path, root)
    real_scan = loader.scan

    def scan_then_swap(spec_, root_):
        found = real_scan(spec_, root_)
        target.unlink()
        os.symlink(secret, target)
        return found

    monkeypatch.setattr("pipelines.ingest.loader.scan", scan_then_swap)
    report = load_entity(entity("callcenter.tickets"), settings)
    assert report.files_rejected == 1 and "symbolic link" in report.files[0].message
    assert SECRET not in _lakehouse_text(settings)


def test_a_dangling_link_does_not_stop_the_landing_sensor(tmp_path):
    """The sensor stat()ed every glob match: one dangling link failed every evaluation (no runs)."""
    from pipelines.sources.sensors import landing_fingerprint

    landing = tmp_path / "landing"
    put(landing, "callcenter/tickets/tickets_2026-03.csv", ticket_file("TK1"))
    settings = _settings(tmp_path, landing)
    before = landing_fingerprint(settings)
    (landing / "callcenter/tickets/tickets_2026-04.csv").symlink_to(tmp_path / "gone.csv")
    assert landing_fingerprint(settings) == before  # a link is not a delivery: no run for it
