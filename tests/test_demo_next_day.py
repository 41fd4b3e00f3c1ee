"""``crmlake demo --next-day``: the day after the latest delivery, reproducible, loadable, with
updates carrying newer versions than what they update and one file re-delivered under its name.

The generator alone (no pipeline run): the files are judged with the loaders' own reading and
typing (``evaluate_file``), the way ``crmlake check`` does.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from kernel.contracts import load_contract
from pipelines.ingest.loader import evaluate_file
from tools.demo import generate
from tools.demo.next_day import NotADemoLandingZone, write_next_day
from tools.demo.writers import glob_regex

CONTRACT = load_contract()
END = date(2026, 10, 31)
SCALE = 0.05


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("base")
    generate(root, scale=SCALE, seed=7, end_date=END)
    return root


DAY1_INVOICES = "erp/invoices/invoices_2026-11-01.csv"
AS_SENT_ON_DAY1: dict[str, bytes] = {}


@pytest.fixture(scope="module")
def two_days(base, tmp_path_factory) -> tuple[Path, list]:
    root = tmp_path_factory.mktemp("zone") / "landing"
    shutil.copytree(base, root)
    day1 = write_next_day(root)
    AS_SENT_ON_DAY1[DAY1_INVOICES] = (root / DAY1_INVOICES).read_bytes()
    return root, [day1, write_next_day(root)]


def _hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _typed(root: Path, entity: str, rels) -> pl.DataFrame:
    """Rows of ``rels`` as the loader types them; no file rejected."""
    spec = CONTRACT[entity]
    con = duckdb.connect()
    frames = []
    for rel in rels:
        outcome = evaluate_file(spec, root / rel, rel, con)
        assert outcome.error is None, outcome.error
        frames.append(outcome.raw)
    return pl.concat(frames, how="diagonal_relaxed")


def test_each_call_writes_the_next_day_and_records_it(two_days):
    root, (day1, day2) = two_days
    assert (day1.day, day2.day) == (date(2026, 11, 1), date(2026, 11, 2))
    manifest = json.loads((root / "_truth/manifest.json").read_text(encoding="utf-8"))
    assert [d["date"] for d in manifest["next_days"]] == ["2026-11-01", "2026-11-02"]
    assert set(day1.files) | set(day2.files) <= set(manifest["files"])  # a new demo removes them
    for report in (day1, day2):
        stamp = f"{report.day:%Y%m%d}"
        crm = [rel for rel in report.files if rel.startswith("crm/")]
        assert len(crm) == len([s for s in CONTRACT.values() if s.system == "crm"])
        assert all(f"/delta_{stamp}/page_" in rel for rel in crm)
        daily = [
            rel for rel in report.files if not rel.startswith("crm/") and rel != report.redelivered
        ]
        assert daily and all(rel.endswith(f"_{report.day:%Y-%m-%d}.csv") for rel in daily)
        for rel, entity in report.entity_of.items():
            assert glob_regex(CONTRACT[entity].path).match(rel), rel
        rows = report.rows_by_entity()
        for entity in (
            "crm.leads",
            "crm.opportunities",
            "crm.opportunity_stage_history",
            "crm.orders",
            "crm.order_lines",
            "crm.payment_installments",
            "callcenter.tickets",
            "callcenter.ticket_events",
            "erp.invoices",
            "partners.deal_registrations",
        ):
            assert rows.get(entity, 0) > 0, (report.day, entity)


def test_same_seed_and_day_give_the_same_bytes(base, two_days, tmp_path):
    root, _ = two_days
    again = tmp_path / "landing"
    shutil.copytree(base, again)
    write_next_day(again)
    write_next_day(again)
    assert _hashes(again) == _hashes(root)


def test_every_new_file_loads_without_quarantine(two_days):
    root, reports = two_days
    con = duckdb.connect()
    for report in reports:
        for rel, entity in report.entity_of.items():
            if not report.files[rel]:
                continue  # an empty CRM page
            outcome = evaluate_file(CONTRACT[entity], root / rel, rel, con)
            assert outcome.error is None, outcome.error
            assert outcome.rows_read == report.files[rel], rel
            if rel == f"erp/invoices/invoices_{END:%Y-%m}.csv":
                continue  # the base's file, re-delivered with its deliberate bad row
            assert outcome.rows_quarantined == 0, (rel, outcome.quarantine.to_dicts()[:2])


@pytest.mark.parametrize(
    "entity", ["crm.opportunities", "crm.leads", "crm.expenses", "callcenter.tickets"]
)
def test_updates_carry_a_newer_version_than_what_they_update(two_days, base, entity):
    root, reports = two_days
    spec = CONTRACT[entity]
    key, version = spec.key[0], spec.version
    before = [
        p.relative_to(base).as_posix()
        for p in base.rglob("*")
        if glob_regex(spec.path).match(p.relative_to(base).as_posix())
    ]
    seen = _typed(root, entity, before).group_by(key).agg(pl.col(version).max().alias("_before"))
    updated = 0
    for report in reports:
        today = _typed(root, entity, [r for r, e in report.entity_of.items() if e == entity])
        joined = today.join(seen, on=key, how="inner")
        updated += joined.height
        assert (joined[version] > joined["_before"]).all(), joined.select(key, version, "_before")
        seen = pl.concat([seen, today.group_by(key).agg(pl.col(version).max().alias("_before"))])
    assert updated > 0  # a move, a status change or a late correction of an earlier record


def test_a_late_correction_changes_an_amount_of_an_older_record(two_days, base):
    root, reports = two_days
    spec = CONTRACT["crm.opportunities"]
    before = [
        p.relative_to(base).as_posix()
        for p in base.rglob("*")
        if glob_regex(spec.path).match(p.relative_to(base).as_posix())
    ]
    old = _typed(root, "crm.opportunities", before).sort("updatedAt").unique("id", keep="last")
    day1 = _typed(
        root,
        "crm.opportunities",
        [r for r, e in reports[0].entity_of.items() if e == spec.qualified_name],
    )
    both = day1.join(old, on="id", suffix="_old").filter(pl.col("amount") != pl.col("amount_old"))
    assert both.height >= 1
    assert (both["stage"] == both["stage_old"]).all()
    # from days or weeks before the delivery
    assert (both["updatedAt"] - both["updatedAt_old"] > 3 * 86_400_000).all()


def test_the_redelivered_file_keeps_its_name_and_corrects_one_row(two_days, base):
    root, (day1, day2) = two_days
    assert day1.redelivered == f"erp/invoices/invoices_{END:%Y-%m}.csv"  # the base's latest
    assert day2.redelivered == DAY1_INVOICES  # day 1's own file
    for before, after in (
        ((base / day1.redelivered).read_bytes(), (root / day1.redelivered).read_bytes()),
        (AS_SENT_ON_DAY1[DAY1_INVOICES], (root / DAY1_INVOICES).read_bytes()),
    ):
        old, new = before.decode("gbk").split("\n"), after.decode("gbk").split("\n")
        assert len(old) == len(new) and old[0] == new[0]
        assert sum(a != b for a, b in zip(old, new, strict=True)) == 1  # one invoice corrected


def test_a_landing_zone_without_a_demo_manifest_is_refused(tmp_path):
    with pytest.raises(NotADemoLandingZone):
        write_next_day(tmp_path)


def test_the_cli_writes_the_next_day_into_the_landing_dir(base, tmp_path, capsys):
    from tools.cli import main

    landing = tmp_path / "landing"
    assert main(["demo", "--next-day", "--landing-dir", str(tmp_path / "empty")]) == 2
    shutil.copytree(base, landing)
    assert main(["demo", "--next-day", "--landing-dir", str(landing)]) == 0
    assert "wrote the delivery of 2026-11-01" in capsys.readouterr().out
    assert (landing / "crm/leads/delta_20261101/page_0001.json").is_file()


def test_three_weeks_of_days_replay_without_a_gap():
    """Every kind of day (weekends, days without a loss or a payment) builds, each with
    opportunity changes and tickets."""
    from tools.demo.next_day import _Day, base_world

    world = base_world(7, SCALE, END)
    for k in range(1, 22):
        day = _Day(world, END + timedelta(days=k))
        day.simulate()
        delta = day.touched("crm.opportunities")
        assert delta.height > 0
        assert day.csv["callcenter.tickets"].height > 0
