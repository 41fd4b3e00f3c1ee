"""Fixtures of the Spark equivalence test: one landing zone, the whole pipeline on each engine."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Areas whose marts must agree between engines (staging and intermediate feed them).
MART_SCHEMAS = ("sales", "finance", "service", "partner")


@contextmanager
def engine_env(engine: str) -> Iterator[None]:
    """``CRMLAKE_ENGINE`` set for one run, then restored (the switch is read from the env)."""
    before = os.environ.get("CRMLAKE_ENGINE")
    os.environ["CRMLAKE_ENGINE"] = engine
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("CRMLAKE_ENGINE", None)
        else:
            os.environ["CRMLAKE_ENGINE"] = before


def run_pipeline(home: Path, landing: Path, engine: str):
    """Every asset materialized and published on ``engine``, reading ``landing``."""
    from pipelines.runner import failed_checks, failed_steps, materialize
    from pipelines.settings import get_settings

    settings = get_settings({"CRMLAKE_HOME": str(home), "CRMLAKE_LANDING_DIR": str(landing)})
    with engine_env(engine):
        result = materialize(settings)
    assert result.success, (
        f"{engine}: failed steps {failed_steps(result)}, failed checks {failed_checks(result)}"
    )
    return settings
