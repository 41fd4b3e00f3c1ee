"""The demo generator writes the contract's landing zone: reproducible, linear in scale, every
entity and field in its format and encoding, and every deliberate defect where it says it is."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path, PurePosixPath

import openpyxl
import pytest

from kernel.contracts import load_contract
from tools.demo import GenerationReport, generate
from tools.demo.contract_doc import DOC_PATH, render_sources_markdown

CONTRACT = load_contract()
CJK = re.compile(r"[\u4e00-\u9fff]")
BIG_ENTITIES = (
    "crm.leads",
    "crm.accounts",
    "crm.opportunities",
    "crm.orders",
    "crm.activities",
    "callcenter.call_records",
    "callcenter.transcripts",
    "callcenter.tickets",
)


def _hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> GenerationReport:
    return generate(tmp_path_factory.mktemp("s02"), scale=0.2, seed=42)


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> GenerationReport:
    return generate(tmp_path_factory.mktemp("s1"), scale=1.0, seed=42)


def _entity_of(rel: str) -> str:
    parts = PurePosixPath(rel).parts
    matches = [
        name
        for name, spec in CONTRACT.items()
        if PurePosixPath(rel).match(spec.path) and len(PurePosixPath(spec.path).parts) == len(parts)
    ]
    assert len(matches) == 1, f"{rel} matches {matches}"
    return matches[0]


def _csv_rows(report: GenerationReport, rel: str) -> tuple[list[str], list[list[str]]]:
    spec = CONTRACT[_entity_of(rel)]
    encoding = "gbk" if rel in report.dirt.get("unexpected_encoding", []) else spec.encoding
    text = (report.landing_dir / rel).read_bytes().decode(encoding)
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


# ------------------------------------------------------------ reproducibility and scale
def test_same_seed_gives_identical_files(small, tmp_path):
    again = generate(tmp_path, scale=0.2, seed=42)
    assert again.files == small.files
    assert _hashes(tmp_path) == _hashes(small.landing_dir)


def test_different_seed_gives_different_files(small, tmp_path):
    other = generate(tmp_path, scale=0.2, seed=7)
    a, b = _hashes(small.landing_dir), _hashes(tmp_path)
    common = set(a) & set(b)
    assert sum(a[f] != b[f] for f in common) > 0.8 * len(common)
    assert other.rows_by_entity() != small.rows_by_entity()


def test_regenerating_into_a_used_directory_replaces_its_files(small, tmp_path):
    generate(tmp_path, scale=0.4, seed=42)
    generate(tmp_path, scale=0.2, seed=42)
    assert _hashes(tmp_path) == _hashes(small.landing_dir)


def test_rows_grow_linearly_with_scale(full, tmp_path):
    half = generate(tmp_path, scale=0.5, seed=42).rows_by_entity()
    rows = full.rows_by_entity()
    for name in BIG_ENTITIES:
        ratio = rows[name] / half[name]
        assert 1.7 < ratio < 2.3, (
            f"{name}: {half[name]} rows at 0.5, {rows[name]} at 1 (x{ratio:.2f})"
        )


def test_scale_one_has_the_documented_size(full):
    rows = full.rows_by_entity()
    assert 2_500 <= rows["crm.leads"] <= 4_000
    assert 1_200 <= rows["crm.accounts"] <= 2_200
    assert 1_000 <= rows["crm.opportunities"] <= 1_600
    assert 500 <= rows["crm.orders"] <= 1_000
    assert 30_000 <= rows["callcenter.call_records"] <= 50_000
    assert 3_000 <= rows["callcenter.tickets"] <= 5_000


# ------------------------------------------------------------ layout against the contract
def test_every_entity_has_files_matching_its_glob(small):
    seen = {name: 0 for name in CONTRACT}
    for rel in small.files:
        seen[_entity_of(rel)] += 1
        assert small.entity_of[rel] == _entity_of(rel)
    assert [name for name, n in seen.items() if n == 0] == []
    rows = small.rows_by_entity()
    assert [name for name in CONTRACT if rows[name] == 0] == []


def test_files_on_disk_are_the_reported_ones(small):
    on_disk = {
        p.relative_to(small.landing_dir).as_posix()
        for p in small.landing_dir.rglob("*")
        if p.is_file() and not p.relative_to(small.landing_dir).as_posix().startswith("_truth/")
    }
    assert on_disk == set(small.files)


def test_json_pages_have_the_api_shape_and_contract_keys(small):
    for rel, n in small.files.items():
        spec = CONTRACT[small.entity_of[rel]]
        if spec.format != "json_pages":
            continue
        page = json.loads((small.landing_dir / rel).read_text(encoding="utf-8"))
        assert set(page) == {"totalSize", "pageNo", "pageSize", "hasMore", "records"}
        assert len(page["records"]) == n
        assert re.search(r"/(full|delta)_\d{8}/page_\d{4}\.json$", rel)
        for record in page["records"]:
            assert set(record) <= set(spec.field_names), rel
            assert {"id", "entityType", "createdAt", "updatedAt"} <= set(record)


def test_csv_headers_equal_the_contract_headers(small):
    for rel in small.files:
        spec = CONTRACT[small.entity_of[rel]]
        if spec.format != "csv":
            continue
        header, rows = _csv_rows(small, rel)
        month = re.search(r"_(\d{4}-\d{2})\.csv$", rel)
        expected = [
            f.header for f in spec.fields if not (f.since and month and month.group(1) < f.since)
        ]
        assert header == expected, rel
        complete = [r for r in rows if len(r) == len(header)]
        assert len(complete) == small.files[rel], rel


def test_invoice_column_appears_mid_history(small):
    files = sorted(r for r in small.files if r.startswith("erp/invoices/"))
    with_col = ["全电发票号码" in _csv_rows(small, r)[0] for r in files]
    assert with_col[0] is False and with_col[-1] is True
    assert with_col == sorted(with_col)  # absent, then present for good


def test_gbk_files_decode_as_gbk_and_contain_chinese(small):
    gbk = [r for r in small.files if CONTRACT[small.entity_of[r]].encoding == "gbk"]
    assert gbk
    for rel in gbk:
        text = (small.landing_dir / rel).read_bytes().decode("gbk")
        assert CJK.search(text), rel
    [odd] = small.dirt["unexpected_encoding"]
    assert CONTRACT[small.entity_of[odd]].encoding.startswith("utf-8")
    data = (small.landing_dir / odd).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert CJK.search(data.decode("gbk"))


def test_exactly_one_truncated_file(small):
    [rel] = small.dirt["truncated_file"]
    data = (small.landing_dir / rel).read_bytes()
    assert not data.endswith(b"\n")
    header, rows = _csv_rows(small, rel)
    assert len(rows[-1]) < len(header) or rows[-1][-1] == ""
    for other in small.files:
        if other != rel and CONTRACT[small.entity_of[other]].format == "csv":
            assert (small.landing_dir / other).read_bytes().endswith(b"\n"), other


def test_partner_reports_use_their_own_headers(small):
    spec = CONTRACT["partners.sales_reports"]
    layouts = set()
    for rel in small.files:
        if not rel.startswith("partners/sales_reports/"):
            continue
        ws = openpyxl.load_workbook(small.landing_dir / rel, read_only=True).worksheets[0]
        header = [c for c in next(ws.iter_rows(max_row=1, values_only=True))]
        for f in spec.fields:
            assert any(h in f.synonyms for h in header), f"{rel}: no header for {f.name}"
        layouts.add(tuple(header))
    assert len(layouts) >= 2


# ------------------------------------------------------------ deliberate dirt
REQUIRED_DIRT = (
    "bad_rows",
    "column_appears_mid_history",
    "duplicate_across_pages",
    "name_variants",
    "orphan_references",
    "out_of_order_updates",
    "truncated_file",
    "unexpected_encoding",
)


def _cell(report: GenerationReport, rel: str, row: int, field: str):
    """The raw text or value of ``field`` on 1-based data row ``row`` of ``rel``."""
    spec = CONTRACT[report.entity_of[rel]]
    path = report.landing_dir / rel
    if spec.format == "json_pages":
        record = json.loads(path.read_text(encoding="utf-8"))["records"][row - 1]
        return record.get(field, KeyError)
    if spec.format == "jsonl":
        return json.loads(path.read_text(encoding="utf-8").splitlines()[row - 1])[field]
    if spec.format == "csv":
        header, rows = _csv_rows(report, rel)
        return rows[row - 1][header.index(spec.field(field).header)]
    ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    values = list(ws.iter_rows(values_only=True))
    header = values[0]
    col = next(i for i, h in enumerate(header) if h in spec.field(field).synonyms)
    return values[row][col]


def test_dirt_is_recorded_and_points_at_real_rows(small):
    for kind in REQUIRED_DIRT:
        assert small.dirt.get(kind), f"no {kind}"
    for kind, entries in small.dirt.items():
        if kind == "name_variants":
            continue
        for entry in entries:
            parts = entry.split(":")
            assert parts[0] in small.files, f"{kind}: {entry}"
            if len(parts) == 3:
                row, field = int(parts[1]), parts[2]
                assert 1 <= row <= small.files[parts[0]], f"{kind}: {entry}"
                if kind != "column_appears_mid_history":
                    assert _cell(small, parts[0], row, field) is not KeyError, f"{kind}: {entry}"


def test_bad_rows_hold_values_that_fail_typing(small):
    bad = small.dirt["bad_rows"]
    systems = {entry.split("/")[0] for entry in bad}
    assert {"crm", "erp", "callcenter", "partners"} <= systems
    for entry in bad:
        rel, row, field = entry.rsplit(":", 2)
        value = _cell(small, rel, int(row), field)
        assert value in ("N/A", "十", "一") or str(value).startswith(
            ("2025-02-30", "2026-02-30")
        ), entry


def test_stale_versions_and_page_overlaps_are_real(small):
    for entry in small.dirt["duplicate_across_pages"]:
        rel, _, _ = entry.rsplit(":", 2)
        page_no = int(rel[-9:-5])
        prev = rel[:-9] + f"{page_no - 1:04d}.json"
        first = json.loads((small.landing_dir / rel).read_text(encoding="utf-8"))["records"][0]
        last = json.loads((small.landing_dir / prev).read_text(encoding="utf-8"))["records"][-1]
        assert first["id"] == last["id"]
    for entry in small.dirt["out_of_order_updates"]:
        rel, row, _ = entry.rsplit(":", 2)
        record = json.loads((small.landing_dir / rel).read_text(encoding="utf-8"))["records"][
            int(row) - 1
        ]
        obj_dir = (small.landing_dir / rel).parents[1]
        full_versions = [
            r["updatedAt"]
            for p in sorted(obj_dir.glob("full_*/page_*.json"))
            for r in json.loads(p.read_text(encoding="utf-8"))["records"]
            if r["id"] == record["id"]
        ]
        assert full_versions and record["updatedAt"] < max(full_versions)


def test_name_variants_have_a_truth_file(small):
    truth = json.loads(
        (small.landing_dir / "_truth" / "name_variants.json").read_text(encoding="utf-8")
    )
    legal = set(truth["legal_names"])
    kinds = {v["kind"] for v in truth["variants"]}
    assert {"bracket_width", "spaces", "suffix_swap", "short_name"} <= kinds
    for entry in small.dirt["name_variants"]:
        variant, legal_name = entry.split("=>")
        assert variant != legal_name and legal_name in legal
    assert truth["same_zihao_different_city"]


# ------------------------------------------------------------ docs
def test_sources_doc_is_rendered_from_the_contract():
    assert DOC_PATH.read_text(encoding="utf-8") == render_sources_markdown(), (
        "docs/sources.md is stale: run `python -m tools.demo.contract_doc`"
    )
