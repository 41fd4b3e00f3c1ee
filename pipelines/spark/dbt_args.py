"""What ``dbt build`` leaves out on Spark, and the switch that makes a Spark run models-only.

dbt unit tests never run in a pipeline run (``pipelines.dbt.project.UNIT_TESTS``; on Spark their
fixtures would not survive dbt-spark's typing either). Data
tests gate publish on Spark too, unless ``CRMLAKE_SPARK_DATA_TESTS=0``: the equivalence test
turns them off, because its DuckDB run over the same landing zone already runs every data test
and proves the marts row for row, and on two cores the ~640 tests cost Spark more than the models.
"""

import os
from collections.abc import Mapping

from pipelines.dbt.project import UNIT_TESTS

DATA_TESTS_ENV = "CRMLAKE_SPARK_DATA_TESTS"


def spark_data_tests(env: Mapping[str, str] | None = None) -> bool:
    """Whether Spark's dbt build runs the data tests (default yes; ``0``/``false``/``no`` = no)."""
    env = os.environ if env is None else env
    value = (env.get(DATA_TESTS_ENV) or "1").strip().lower()
    if value not in {"1", "true", "yes", "0", "false", "no"}:
        raise ValueError(f"{DATA_TESTS_ENV}={env.get(DATA_TESTS_ENV)!r}: use 1 or 0")
    return value in {"1", "true", "yes"}


def spark_exclude_args(env: Mapping[str, str] | None = None) -> list[str]:
    """The ``--exclude`` of a Spark dbt step: unit tests always, data tests when switched off.

    One argument, selectors separated by a space (dbt's union): dagster-dbt moves ``--exclude``
    and the one value after it next to its own ``--select``.
    """
    excluded = [UNIT_TESTS]
    if not spark_data_tests(env):
        excluded.append("resource_type:test")
    return ["--exclude", " ".join(excluded)]
