"""How every DuckDB connection of the pipeline is configured: dbt's profile is the one home.

Why: DuckDB takes up to 80 % of the machine's memory by default, per connection. At S=100 the
dbt phase peaked at 16.7 GB on a 24 GiB machine with the Python assets' own connections beside
dbt's. The dbt profile sets ``memory_limit`` (``CRMLAKE_DUCKDB_MEMORY_LIMIT``, default 4GB) and
the business time zone; the data tests apply both (they must see what the models saw), and every
other pipeline connection applies the memory limit through :func:`connect`, so one setting bounds
every DuckDB in a run and large joins spill to disk instead of taking the machine.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import yaml

PROFILES_FILE = Path(__file__).resolve().parents[1] / "dbt_project" / "profiles.yml"

_ENV_VAR = re.compile(r"^\{\{\s*env_var\(\s*'([A-Z0-9_]+)'\s*,\s*'([^']*)'\s*\)\s*\}\}$")
_PLAIN_VALUE = re.compile(r"^[A-Za-z0-9_./ %+-]+$")


def profile_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The session settings dbt's DuckDB profile sets (time zone, memory limit); a value
    ``{{ env_var('NAME', 'default') }}`` is resolved as dbt resolves it."""
    environ = os.environ if environ is None else environ
    profile = yaml.safe_load(PROFILES_FILE.read_text(encoding="utf-8"))
    resolved = {}
    for name, value in (profile["crmlake"]["outputs"]["duckdb"].get("settings") or {}).items():
        if isinstance(value, str) and "{{" in value:
            match = _ENV_VAR.match(value.strip())
            if match is None:
                raise ValueError(f"{PROFILES_FILE.name}: setting {name} is a template only env_var('NAME', 'default') may be")
            value = environ.get(match.group(1), match.group(2))
        if not _PLAIN_VALUE.match(str(value)):  # it goes into SET name = '<value>'
            raise ValueError(f"{PROFILES_FILE.name}: setting {name}: {value!r} is not a plain value (e.g. 4GB)")
        resolved[name] = value
    return resolved


def apply_settings(con: duckdb.DuckDBPyConnection, settings: Mapping[str, Any]) -> duckdb.DuckDBPyConnection:
    for name, value in settings.items():
        con.execute(f"SET {name} = '{value}'")
    return con


def connect(database: str | Path = ":memory:", *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection bounded by the profile's memory limit (the time zone stays the
    process's: the Python assets' date logic was written and tested against it)."""
    limit = profile_settings().get("memory_limit")
    con = duckdb.connect(str(database), read_only=read_only)
    return apply_settings(con, {"memory_limit": limit} if limit else {})
