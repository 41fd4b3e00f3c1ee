"""The one engine switch: ``CRMLAKE_ENGINE=duckdb|spark``.

The Dagster resources, the dbt target (``profiles.yml`` reads the same variable) and the
publish step all ask :func:`get_engine`, so a run never mixes engines. DuckDB is the default;
Spark runs the same dbt project through dbt-spark (docs/scale-out.md).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal

Engine = Literal["duckdb", "spark"]
ENGINES: tuple[Engine, ...] = ("duckdb", "spark")
ENGINE_ENV = "CRMLAKE_ENGINE"


def get_engine(env: Mapping[str, str] | None = None) -> Engine:
    """The engine named by ``CRMLAKE_ENGINE`` (default duckdb); a clear error for anything else."""
    env = os.environ if env is None else env
    value = (env.get(ENGINE_ENV) or "duckdb").strip().lower()
    if value not in ENGINES:
        raise ValueError(
            f"{ENGINE_ENV}={env.get(ENGINE_ENV)!r} is not an engine; use one of {', '.join(ENGINES)}"
        )
    return value  # type: ignore[return-value]
