"""Demo data: a landing zone exactly as the four source systems of a Chinese B2B company deliver it.

``generate(landing_dir)`` writes every entity of the source contract (CRM JSON pages, ERP and
call-center CSV, transcripts as JSONL, partner XLSX reports) for two years of one coherent
company, with realistic noise and a documented set of deliberate defects (see
``GenerationReport.dirt`` and docs/sources.md). Same seed, same bytes. With ``config_dir`` it
also writes the demo company's business settings there (``tools.demo.settings``): the
figures of a demo run depend on them (locked commission periods, plans by position).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from kernel.contracts import load_contract

__all__ = ["GenerationReport", "generate"]

log = logging.getLogger("crmlake.demo")

TRUTH_DIR = "_truth"
MANIFEST = f"{TRUTH_DIR}/manifest.json"


@dataclass
class GenerationReport:
    """What ``generate`` wrote.

    ``files`` maps each landing-relative posix path to its data rows (JSON: records on the page,
    duplicates included; CSV/XLSX: data lines after the header, for the truncated file the complete
    ones; JSONL: lines). ``dirt`` maps each kind of deliberate defect to where it is, as
    ``path:row:field`` (row 1-based like the loaders' ``_row_number``), ``path:field`` for a missing
    column, a bare path for file-level defects, or ``variant=>legal name`` for name variants.
    """

    landing_dir: Path
    scale: float
    seed: int
    files: dict[str, int] = field(default_factory=dict)
    dirt: dict[str, list[str]] = field(default_factory=dict)
    entity_of: dict[str, str] = field(default_factory=dict, repr=False)

    def rows_by_entity(self) -> dict[str, int]:
        """Rows written per contract entity ("crm.accounts" -> total over all its files)."""
        out = {name: 0 for name in load_contract()}
        for rel, n in self.files.items():
            out[self.entity_of[rel]] += n
        return out


def generate(
    landing_dir: Path,
    scale: float = 1.0,
    seed: int = 42,
    end_date: date = date(2026, 10, 31),
    config_dir: Path | None = None,
    overwrite_settings: bool = False,
) -> GenerationReport:
    """Write the demo landing zone under ``landing_dir`` and report what was written.

    Files a previous run wrote there and this run does not are removed (the previous run's
    manifest lists them); nothing else in or outside ``landing_dir`` is touched, except
    ``config_dir`` when given: the demo's business settings go there first (refused, before any
    file is written, when it holds a user's settings, unless ``overwrite_settings``).
    """
    from . import callcenter, crm, erp, partners
    from .world import World
    from .writers import LandingWriter

    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    if config_dir is not None:
        from .settings import write_demo_settings

        write_demo_settings(Path(config_dir), overwrite=overwrite_settings)
        log.info("demo business settings in %s", config_dir)
    landing_dir = Path(landing_dir)
    landing_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    world = World(seed=seed, scale=scale, end_date=end_date)
    writer = LandingWriter(landing_dir, world.tl)
    for system, module in (
        ("crm", crm),
        ("erp", erp),
        ("callcenter", callcenter),
        ("partners", partners),
    ):
        t0 = time.perf_counter()
        before = set(writer.files)
        module.build(world)
        module.write(world, writer)
        new = [f for f in writer.files if f not in before]
        log.info(
            "%s: %d files, %d rows in %.1fs",
            system,
            len(new),
            sum(writer.files[f] for f in new),
            time.perf_counter() - t0,
        )
    from . import registry

    registry.build(world)
    registry.write(world, writer)
    _write_truth(landing_dir, world, writer)
    report = GenerationReport(
        landing_dir=landing_dir,
        scale=scale,
        seed=seed,
        files=dict(sorted(writer.files.items())),
        dirt={k: v for k, v in sorted(writer.dirt.items())},
        entity_of=writer.entity_of,
    )
    log.info(
        "demo landing zone at %s: %d files, %d rows, seed %d, scale %g, %.1fs",
        landing_dir,
        len(report.files),
        sum(report.files.values()),
        seed,
        scale,
        time.perf_counter() - started,
    )
    return report


def _write_truth(landing_dir: Path, world, writer) -> None:
    """Ground truth for evaluations (name resolution) and the manifest of written files."""
    typer = world.tables["_typer"]
    companies = world.tables["_companies"]
    variants = sorted(typer.produced.items())
    writer.dirt["name_variants"] = [f"{v}=>{legal}" for (v, legal), _ in variants]
    legal = companies["legal_name"].to_list()
    siblings = companies.filter(companies["sibling_of"] >= 0)
    truth = {
        "legal_names": sorted(legal),
        "variants": [{"variant": v, "legal_name": lg, "kind": k} for (v, lg), k in variants],
        "same_zihao_different_city": sorted(
            [legal[int(s)], name]
            for s, name in zip(siblings["sibling_of"], siblings["legal_name"], strict=True)
        ),
    }
    truth_dir = landing_dir / TRUTH_DIR
    truth_dir.mkdir(parents=True, exist_ok=True)
    (truth_dir / "name_variants.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    from .callcenter import knowledge

    knowledge.write_truth(truth_dir, world)
    manifest_path = landing_dir / MANIFEST
    if manifest_path.exists():
        old = json.loads(manifest_path.read_text(encoding="utf-8")).get("files", [])
        for rel in old:
            if rel not in writer.files:
                (landing_dir / rel).unlink(missing_ok=True)
    # what tools.demo.next_day needs to rebuild this world; next-day deliveries append to it
    demo = {"seed": world.seed, "scale": world.scale, "end_date": world.end_date.isoformat()}
    manifest_path.write_text(
        json.dumps({"demo": demo, "files": sorted(writer.files)}, indent=0), encoding="utf-8"
    )
