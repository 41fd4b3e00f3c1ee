"""Kill -9 a run in ingest, in dbt and in publish; the last snapshot must keep serving.

    python bench/killed_runs.py [--scale 0.2] [--work DIR]

What it does, in a scratch CRMLAKE_HOME (127.0.0.1 only, stops by itself):
1. demo data (seed 42) -> a clean run -> snapshot A; the home is copied to a second one;
2. new demo data (seed 43) lands in both; in the first, three runs are killed with SIGKILL: when the first raw file
   is loaded (ingest), when dbt starts building marts (dbt), and when the publish copy appears
   next to the published file (publish). After each kill, the published file must still be
   snapshot A (same run id in ``meta.publish_log``, same row counts) and open read-only;
3. a fourth run completes; its snapshot must equal the second home's run of the same data, never
   killed (every table's row count), and no temporary file may be left.

Prints one line per step and a summary; exit status 0 when every kill was survived. Timings
depend on the machine; the figures of record are in docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]

KILL_AT = {  # phase -> what in the run's log (stderr) or on disk means "now inside it"
    "ingest": re.compile(r" - raw__\w+ - \w+\.\w+: [1-9]\d* files"),
    "dbt": re.compile(r"Running dbt command: `dbt build"),
    "publish": None,  # a temporary copy next to the published file
}


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRMLAKE_")}
    env.update(CRMLAKE_HOME=str(home), DAGSTER_HOME=str(home / "dagster"), DO_NOT_TRACK="1",
               GX_ANALYTICS_ENABLED="False", PYTHONUNBUFFERED="1")
    return env


def crmlake(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tools.cli", *args], env=_env(home), cwd=REPO,
                          capture_output=True, text=True, timeout=3600, check=False)


def snapshot_facts(home: Path) -> dict:
    """Last published run id and every table's row count of the published file (read-only)."""
    path = home / "published" / "crmlake.duckdb"
    with duckdb.connect(str(path), read_only=True) as con:
        run_id = con.execute("select run_id from meta.publish_log order by published_at desc limit 1").fetchone()[0]
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' and table_schema not in ('meta') order by 1").fetchall()
        counts = {t: con.execute(f'select count(*) from {t}').fetchone()[0] for (t,) in tables}
    return {"run_id": run_id, "counts": counts}


def _published_temporaries(home: Path) -> list[Path]:
    folder = home / "published"
    return [p for p in folder.glob("*") if p.name.endswith(".tmp") or ".tmp" in p.name] if folder.exists() else []


def killed_run(home: Path, phase: str) -> dict:
    """Start ``crmlake run``, SIGKILL its process group inside ``phase``; what was seen."""
    started = time.perf_counter()
    log = home / f"killed_{phase}.log"
    with open(log, "w", encoding="utf-8") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "tools.cli", "run"], env=_env(home), cwd=REPO,
                                stdout=subprocess.DEVNULL, stderr=sink, start_new_session=True)
    pattern, killed_at, offset = KILL_AT[phase], None, 0
    try:
        with open(log, "rb") as reader:
            while proc.poll() is None and killed_at is None:
                if pattern is None:
                    temporaries = _published_temporaries(home)
                    killed_at = f"publish copy present: {temporaries[0].name}" if temporaries else None
                else:
                    reader.seek(offset)
                    chunk = reader.read()
                    done = chunk[: chunk.rfind(b"\n") + 1]
                    offset += len(done)
                    complete = done.decode("utf-8", errors="replace")
                    hit = pattern.search(complete)
                    killed_at = complete[hit.start(): hit.start() + 120] if hit else None
                if killed_at is None:
                    time.sleep(0.005)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    return {"phase": phase, "killed": killed_at is not None and proc.returncode == -signal.SIGKILL,
            "at": killed_at, "seconds": round(time.perf_counter() - started, 1), "exit": proc.returncode}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.2)
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temp dir, removed)")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="crmlake-killed-"))
    home, fresh = work / "home", work / "fresh"
    shutil.rmtree(work, ignore_errors=True)
    summary: dict = {"scale": args.scale, "kills": []}
    ok = True
    try:
        assert crmlake(home, "demo", "--scale", str(args.scale), "--seed", "42").returncode == 0
        first = crmlake(home, "run")
        assert first.returncode == 0, first.stdout[-2000:]
        before = snapshot_facts(home)
        print(f"snapshot A: run {before['run_id']}, {len(before['counts'])} tables", flush=True)
        shutil.copytree(home, fresh, symlinks=True)  # the same history, never killed
        new_data = work / "seed43"
        subprocess.run([sys.executable, "-m", "tools.demo", str(new_data), "--scale", str(args.scale),
                        "--seed", "43"], cwd=REPO, env=_env(home), check=True, capture_output=True)
        for h in (home, fresh):  # seed 43 lands in both
            shutil.rmtree(h / "landing")
            shutil.copytree(new_data, h / "landing")
        for phase in KILL_AT:
            seen = killed_run(home, phase)
            after = snapshot_facts(home)
            seen["snapshot_unchanged"] = after == before
            ok &= seen["killed"] and seen["snapshot_unchanged"]
            summary["kills"].append(seen)
            print(json.dumps(seen, ensure_ascii=False), flush=True)
        last = crmlake(home, "run")
        clean = crmlake(fresh, "run")
        assert last.returncode == 0 and clean.returncode == 0, (last.stdout[-2000:], clean.stdout[-2000:])
        recovered, reference = snapshot_facts(home)["counts"], snapshot_facts(fresh)["counts"]
        summary["rerun_equals_clean_run"] = recovered == reference
        summary["differing_tables"] = sorted(t for t in reference if recovered.get(t) != reference[t])
        summary["temporaries_left"] = [p.name for p in _published_temporaries(home)]
        ok &= summary["rerun_equals_clean_run"] and not summary["temporaries_left"]
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    summary["survived"] = sum(k["killed"] and k["snapshot_unchanged"] for k in summary["kills"])
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
