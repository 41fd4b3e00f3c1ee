"""What dbt alone costs for N models that do no work: the floor under any run that rebuilds N models.

A one-day delivery moves the as-of, so the run rebuilds every mart that counts "as of today"
(~100 models at S=10). This times ``dbt run`` of the same number of trivial models (each a
1,000-row range or a select from an earlier one), with the pipeline's command line
(``python -P dbt_main.py``), the project's own table materialization and the pipeline's dbt
threads, after a first run that saves the parse. The figure is what dbt's start, graph, Jinja,
events and one statement a model take with no SQL work: the part of a delta no warehouse tuning
removes while dbt builds those models.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

from tools.tiny_dbt import dbt_command, write_tiny_project

REPO = Path(__file__).resolve().parents[1]
MATERIALIZATION = REPO / "dbt_project" / "macros" / "table_materialization.sql"
FINISHED = re.compile(r"Finished running (\d+) table models? in .*\((\d+(?:\.\d+)?)s\)")


def trivial_models(count: int) -> dict[str, str]:
    """``count`` models: a tenth (at least one) are roots, each other one selects from an earlier one."""
    roots = max(1, count // 10)
    models = {}
    for i in range(count):
        sql = "select range as x from range(1000)" if i < roots else f"select x from {{{{ ref('m{i // 2:04d}') }}}}"
        models[f"m{i:04d}.sql"] = sql
    return models


THREADS_DEFAULT = re.compile(r"env_var\('CRMLAKE_DBT_THREADS', '(\d+)'\)")


def _threads() -> int:
    """The pipeline's dbt threads: CRMLAKE_DBT_THREADS, else the default its profile states."""
    default = THREADS_DEFAULT.search((REPO / "dbt_project" / "profiles.yml").read_text(encoding="utf-8"))
    return int(os.environ.get("CRMLAKE_DBT_THREADS") or default.group(1))


def dbt_node_floor(folder: Path, models: int, runs: int = 2) -> dict:
    """Wall seconds of ``dbt run`` over ``models`` trivial models (best of ``runs`` after a parsing
    run), and dbt's own "finished running" seconds, which leave out its start."""
    project = write_tiny_project(folder, trivial_models(models), [MATERIALIZATION], threads=_threads())
    command = dbt_command(project, ["run", "--no-write-json"])
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "False", "DO_NOT_TRACK": "1"}
    walls, inside = [], []
    for attempt in range(runs + 1):
        started = time.perf_counter()
        done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"dbt run of {models} trivial models failed:\n{done.stdout[-2000:]}")
        if attempt == 0:
            continue  # the first run parses the project; a pipeline run reads the saved parse
        finished = FINISHED.search(done.stdout)
        walls.append(round(wall, 2))
        inside.append(float(finished.group(2)) if finished else None)
    best = min(range(runs), key=lambda i: walls[i])
    return {"models": models, "threads": _threads(), "seconds": walls[best], "runs_seconds": walls,
            "models_seconds": inside[best]}
