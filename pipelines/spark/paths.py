"""Where the Spark engine keeps its files: all under ``<lakehouse>/spark``, never in the repo.

``profiles.yml`` builds the same paths from ``CRMLAKE_LAKEHOUSE_DIR`` (the Spark target's
warehouse dir and Derby metastore); this module is the Python side of that contract.
"""

from __future__ import annotations

from pathlib import Path

from kernel.settings import Settings


def spark_dir(settings: Settings) -> Path:
    return settings.lakehouse_dir / "spark"


def spark_warehouse_dir(settings: Settings) -> Path:
    """``spark.sql.warehouse.dir``: one ``<schema>.db/<table>/`` Parquet folder per dbt model."""
    return spark_dir(settings) / "warehouse"


def exchange_dir(settings: Settings) -> Path:
    """Parquet copies of the Python assets' tables, read by dbt-spark as sources."""
    return spark_dir(settings) / "exchange"
