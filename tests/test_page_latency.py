"""The page-latency bench (tools/page_latency.py) covers every dashboard page: it runs on the S=1
snapshot, lists every dashboard screen of the registry and every page script outside the entry
section, and records the snapshot reads each page issues. No timing is asserted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from operational.screens import REGISTRY

APPS = Path(__file__).resolve().parents[1] / "apps"

pytestmark = pytest.mark.slow


def test_every_dashboard_page_is_a_registered_dashboard_screen():
    from tools.page_latency import dashboards

    scripts = {
        str(p.relative_to(APPS)) for p in (APPS / "pages").rglob("*.py")
        if p.name != "__init__.py" and p.parent.name != "entry"
    }
    assert {s.page for s in dashboards()} == scripts
    assert [s.key for s in dashboards()] == [s.key for s in REGISTRY if s.is_dashboard]


def test_bench_records_and_times_every_dashboard_page(pipeline_run, tmp_path):
    from tools.page_latency import ROW_SCOPED, dashboards, run_and_write

    out, runs = run_and_write(pipeline_run.settings, repeats=1, scale=1, out=tmp_path / "pages.json")
    payload = json.loads(out.read_text(encoding="utf-8"))

    admin = {p["screen"] for p in payload["pages"] if p["viewer"] == "admin"}
    assert admin == {s.key for s in dashboards()}
    scoped = {p["screen"] for p in payload["pages"] if p["viewer"] == ROW_SCOPED}
    assert {"sales_forecast", "sales_movement", "sales_funnel"} <= scoped
    assert all(p["reads"] > 0 and p["p95_ms"] is not None for p in payload["pages"])

    # the reads are the pages' own: the rep's sales SQL carries the owner rule, the admin's does not
    def sql(screen: str, who: str) -> str:
        run = next(r for r in runs if r.screen == screen and r.viewer == who)
        return " ".join(read.sql for read in run.reads)

    assert "owner_id in" in sql("sales_forecast", ROW_SCOPED)
    assert "owner_id in" not in sql("sales_forecast", "admin")
    assert "load_status" in [read.label for r in runs if r.screen == "pipeline_status" for read in r.reads]
