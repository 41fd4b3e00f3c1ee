"""A tiny dbt project on DuckDB, and the command line the pipeline starts dbt with.

For tests of how dbt runs (the dbt server, the project's table materialization) and for the
bench's dbt node floor: models, optionally some of the real project's macro files, a warehouse
file beside the project.
"""

from __future__ import annotations

import shutil
import sys
import textwrap
from collections.abc import Iterable, Mapping
from pathlib import Path

from pipelines.dbt import dbt_main


def write_tiny_project(folder: Path, models: Mapping[str, str], macros: Iterable[Path] = (), threads: int = 1) -> Path:
    """``folder/project`` with ``models`` (file name -> SQL, materialized as tables) and copies of
    ``macros``; its profile builds into ``folder/warehouse.duckdb`` on ``threads`` threads."""
    root = folder / "project"
    (root / "models").mkdir(parents=True)
    (root / "macros").mkdir()
    for macro in macros:
        shutil.copy(macro, root / "macros" / macro.name)
    (root / "dbt_project.yml").write_text(
        "name: tiny\nversion: '1.0'\nprofile: tiny\nmodel-paths: [models]\nmacro-paths: [macros]\n"
        "models:\n  tiny:\n    +materialized: table\n", encoding="utf-8")
    (root / "profiles.yml").write_text(textwrap.dedent(f"""\
        tiny:
          target: duckdb
          outputs:
            duckdb: {{type: duckdb, path: "{folder / 'warehouse.duckdb'}", threads: {threads}}}
        """), encoding="utf-8")
    for name, sql in models.items():
        (root / "models" / name).write_text(sql, encoding="utf-8")
    return root


def dbt_command(project: Path, args: list[str]) -> list[str]:
    """dbt ``args`` on ``project`` as a pipeline step starts dbt: ``python -P dbt_main.py ARGS``."""
    return [sys.executable, "-P", dbt_main.__file__, *args, "--project-dir", str(project), "--profiles-dir", str(project)]
