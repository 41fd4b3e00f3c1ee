"""Benchmark harness: every phase of the pipeline in a fresh directory, timed and measured.

Writes ``bench/results/<date>-S<scale>.json`` (``-S<scale>-spark.json`` under
``CRMLAKE_ENGINE=spark``) with wall time and peak memory (this process plus its children, e.g.
dbt and Spark's JVM) per phase, rows per table, and the floor: the time DuckDB alone needs to
read every landing file once.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import shutil
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import psutil

from kernel.contracts import load_contract
from kernel.settings import get_settings

log = logging.getLogger("crmlake.bench")
REPO = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO / "bench" / "results"
WORK_DIR = REPO / "bench" / "work"


class PeakMemory:
    """Samples the RSS of this process and all its children every 50 ms.

    Besides the peak it keeps the largest sample of every ``WINDOW_SECONDS`` (``timeline``) and
    the split at the peak between this process (in-process assets) and its children (dbt), so a
    peak can be traced to the Dagster step running at that time."""

    WINDOW_SECONDS = 10

    def __init__(self) -> None:
        self.peak = 0
        self.peak_self = 0
        self.timeline: list[tuple[int, int]] = []  # (window start s, largest MB in it)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._started = time.monotonic()

    def _rss(self) -> tuple[int, int]:
        me = psutil.Process()
        own = total = me.memory_info().rss
        for child in me.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                pass
        return total, own

    def _sample(self) -> None:
        total, own = self._rss()
        if total > self.peak:
            self.peak, self.peak_self = total, own
        window = int((time.monotonic() - self._started) // self.WINDOW_SECONDS) * self.WINDOW_SECONDS
        mb = round(total / 2**20)
        if self.timeline and self.timeline[-1][0] == window:
            self.timeline[-1] = (window, max(self.timeline[-1][1], mb))
        else:
            self.timeline.append((window, mb))

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(0.05)

    def __enter__(self) -> PeakMemory:
        self._started = time.monotonic()
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (dbt, the bench's `crmlake` commands).

    Wall time on a shared two-core machine grows with everyone else's load; CPU time much less
    so, which makes figures taken on different days comparable."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


@dataclass
class BenchRecord:
    scale: float
    seed: int
    phases: dict[str, dict] = field(default_factory=dict)

    @contextmanager
    def phase(self, name: str):
        log.info("bench phase %s ...", name)
        started = time.perf_counter()
        cpu_before = _cpu_seconds()
        with PeakMemory() as mem:
            info: dict = {}
            yield info
        cpu = _cpu_seconds() - cpu_before
        info.update(
            {
                "seconds": round(time.perf_counter() - started, 2),
                "cpu_seconds": round(cpu, 1),
                "peak_rss_mb": round(mem.peak / 2**20),
                "peak_rss_this_process_mb": round(mem.peak_self / 2**20),
                "rss_mb_by_10s": mem.timeline,
            }
        )
        self.phases[name] = info
        log.info("bench phase %s: %.1fs (%.1f s CPU), peak %s MB", name, info["seconds"], cpu, info["peak_rss_mb"])


def read_floor(landing_dir: Path) -> dict:
    """Seconds DuckDB alone takes to read every landing file once (the lower bound for ingest).

    JSON and CSV are scanned by DuckDB; GBK files are scanned as latin-1 (same bytes, no
    decoding; DuckDB has no GBK reader built in); XLSX reports are counted but not scanned.
    """
    started = time.perf_counter()
    files = rows = skipped = 0
    with duckdb.connect() as con:
        for spec in load_contract().values():
            paths = sorted(landing_dir.glob(spec.path))
            for path in paths:
                files += 1
                if spec.format == "json_pages":
                    sql = (
                        f"select sum(len(records)) from read_json('{path}', "
                        "columns={'records': 'JSON[]'}, maximum_object_size=1073741824)"
                    )
                elif spec.format == "jsonl":
                    sql = f"select count(*) from read_json('{path}', format='newline_delimited', ignore_errors=true)"
                elif spec.format == "csv":
                    enc = "latin-1" if spec.encoding.lower() in {"gbk", "gb18030"} else "utf-8"
                    sql = (
                        f"select count(*) from read_csv('{path}', all_varchar=true, encoding='{enc}', "
                        "ignore_errors=true, null_padding=true, strict_mode=false)"
                    )
                else:
                    skipped += 1
                    continue
                try:
                    rows += con.execute(sql).fetchone()[0] or 0
                except duckdb.Error as exc:  # e.g. the deliberately truncated or re-encoded file
                    log.warning("floor: %s not readable by DuckDB as-is: %s", path.name, exc)
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "files": files,
        "rows": int(rows),
        "xlsx_files_not_scanned": skipped,
    }


def _spark_settings() -> dict:
    """What a reader needs to repeat a Spark figure: pyspark's version, whether data tests ran,
    and every ``CRMLAKE_SPARK_*`` override (unset ones take dbt_project/profiles.yml's defaults)."""
    import os

    import pyspark

    from pipelines.spark.dbt_args import spark_data_tests

    overrides = {k: v for k, v in sorted(os.environ.items()) if k.startswith("CRMLAKE_SPARK_")}
    return {
        "pyspark": pyspark.__version__,
        "data_tests": spark_data_tests(),
        "overrides": overrides,
        "defaults": "dbt_project/profiles.yml (spark target)",
    }


def run_bench(scale: float, seed: int = 42, keep: bool = False, pages: bool = False) -> Path:
    """Time every phase; with ``pages``, also every dashboard page on the fresh snapshot
    (tools.page_latency: ``<date>-S<scale>-pages.json``)."""
    import dagster as dg

    from kernel.engine import get_engine
    from kernel.runtime import export_settings_env
    from pipelines.publish.assets import PUBLISHED_KEY
    from pipelines.runner import failed_checks, failed_steps, materialize
    from tools.demo import generate

    engine = get_engine()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    work = WORK_DIR / f"S{scale:g}-{stamp}"
    settings = export_settings_env(get_settings({"CRMLAKE_HOME": str(work)}))
    settings.ensure_dirs()
    record = BenchRecord(scale=scale, seed=seed)
    raw = dg.AssetSelection.key_prefixes("raw")

    try:
        with record.phase("generate") as info:
            report = generate(settings.landing_dir, scale=scale, seed=seed, config_dir=settings.config_dir)
            info["files"] = len(report.files)
            info["rows"] = sum(report.files.values())
        with record.phase("floor_duckdb_read") as info:
            info.update(read_floor(settings.landing_dir))
        publish = dg.AssetSelection.assets(PUBLISHED_KEY)
        phases = [
            ("ingest", raw.without_checks()),
            ("raw_checks", raw - raw.without_checks()),
            # dbt staging and marts with the Python assets between them (ML, resolution, QA)
            ("dbt_and_models", dg.AssetSelection.all() - raw - publish),
            ("publish", publish),
        ]
        for name, selection in phases:
            with record.phase(name) as info:
                result = materialize(settings, selection)
                info["success"] = result.success
            if not result.success:
                raise RuntimeError(
                    f"bench phase {name} failed: steps {failed_steps(result)}, "
                    f"checks {failed_checks(result)}; no figures written"
                )
        manifest = json.loads((settings.published_dir / "manifest.json").read_text(encoding="utf-8"))
        payload = {
            "date": datetime.now(UTC).date().isoformat(),
            "scale": scale,
            "seed": seed,
            "engine": engine,
            **({"spark": _spark_settings()} if engine == "spark" else {}),
            "machine": {
                "cpus": psutil.cpu_count(),
                "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
                "python": platform.python_version(),
                "duckdb": duckdb.__version__,
            },
            "phases": record.phases,
            "total_seconds": round(
                sum(p["seconds"] for n, p in record.phases.items() if n != "floor_duckdb_read"), 2
            ),
            "landing_rows_by_entity": report.rows_by_entity(),
            "published_rows_by_table": manifest["tables"],
        }
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        suffix = "" if engine == "duckdb" else f"-{engine}"
        out = RESULTS_DIR / f"{payload['date']}-S{scale:g}{suffix}.json"
        out.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
        if pages:
            from tools.page_latency import run_and_write

            log.info("page latency written to %s", run_and_write(settings, scale=scale)[0])
        return out
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
