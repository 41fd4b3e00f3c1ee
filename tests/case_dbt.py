"""dbt on a test's case warehouse, started as a pipeline step starts it (issue 16).

A case folder is laid out like a lakehouse folder (``warehouse.duckdb``, ``raw/``), and dbt runs
in it with those paths relative to it (``Settings.dbt_env``, ``pipelines.dbt.project.dbt_cli``):
the same profile and source text as ``crmlake prepare``, so its saved parse holds there and dbt
parses nothing again (a full parse is ~14 s of CPU per fixture). dbt also parses the whole
project again when the command line's ``--vars`` differ from its saved parse's (a pinned
``as_of`` drops a ``ref`` from the models that read it); the first fixture with given vars pays
that parse, and the others with the same vars in this session start from the parse it saved.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path
from pprint import pformat

import yaml

from kernel.runtime import settings_environment
from kernel.settings import get_settings
from pipelines.dbt.project import dbt_cli

PARSE = "partial_parse.msgpack"
_SAVED = tempfile.TemporaryDirectory(prefix="crmlake-case-dbt-parses-")
_saved_by_vars: dict[str, Path] = {}  # dbt's reading of --vars -> a parse saved under them


def run_case_dbt(warehouse: Path, args: list[str], vars_yaml: str | None = None) -> subprocess.CompletedProcess:
    """dbt ``args`` (and ``--vars vars_yaml``) on ``warehouse``, whose folder is the case folder
    (dbt's target and log in ``target/`` there). stdout holds dbt's log messages as text."""
    if warehouse.name != "warehouse.duckdb":  # the name a lakehouse's warehouse has (Settings)
        raise ValueError(f"a case warehouse is <folder>/warehouse.duckdb, not {warehouse}")
    folder = warehouse.parent
    target = folder / "target"
    key = pformat(yaml.safe_load(vars_yaml)) if vars_yaml else ""
    if key in _saved_by_vars and not (target / PARSE).exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(_saved_by_vars[key], target / PARSE)
    # else: dagster-dbt copies the parse `crmlake prepare` saved (no vars) into an empty target
    command = [*_one_value_per_selection(args), *(["--vars", vars_yaml] if vars_yaml else [])]
    with settings_environment(replace(get_settings(), lakehouse_dir=folder), dbt=True):
        # dbt's own text log file, as before: dagster-dbt's JSON format would also reach the file
        # (23 MB instead of 3.6 MB for the staging build's ~1,000 tests)
        os.environ["DBT_LOG_FORMAT_FILE"] = "debug"
        invocation = dbt_cli(target="duckdb").cli(command, target_path=target, raise_on_error=False)
    lines = [_message(raw) for raw in invocation.process.stdout]
    invocation.process.stdout.close()
    returncode = invocation.process.wait()
    if returncode == 0 and key and key not in _saved_by_vars and (target / PARSE).exists():
        saved = Path(_SAVED.name) / f"{len(_saved_by_vars)}.msgpack"
        shutil.copy2(target / PARSE, saved)
        _saved_by_vars[key] = saved
    return subprocess.CompletedProcess(invocation.process.args, returncode, "\n".join(lines) + "\n", "")


def _one_value_per_selection(args: list[str]) -> list[str]:
    """``--select a b --exclude c`` as ``--select "a b" --exclude c``: dagster-dbt takes the one
    value after each (dbt reads the space-separated words as the same selection)."""
    out: list[str] = []
    for arg in args:
        if out and len(out) >= 2 and out[-2] in ("--select", "--exclude") and not arg.startswith("--"):
            out[-1] = f"{out[-1]} {arg}"
        else:
            out.append(arg)
    return out


def _message(raw: bytes) -> str:
    """A line of dbt's JSON log (dagster-dbt asks for it) as dbt would print it."""
    text = raw.decode("utf-8", errors="replace").rstrip()
    try:
        return json.loads(text)["info"]["msg"]
    except (ValueError, KeyError, TypeError):
        return text
