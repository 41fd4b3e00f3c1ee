"""Fixtures of the Spark equivalence test: one landing zone, the whole pipeline on each engine."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

# Areas whose marts must agree between engines (staging and intermediate feed them).
MART_SCHEMAS = ("sales", "finance", "service", "partner")
# Run stamps, not data: a model version names the wall-clock time the model was trained; a load
# id and load time name the ingestion run. They differ between two runs of the same data and are
# left out when two snapshots are compared.
RUN_STAMPS = {
    "partner.reconciliation_lines": ["upload_load_id"],
    "partner.statements": ["upload_load_id", "uploaded_at"],
    "sales.win_probability": ["model_version"],
    "sales.bookings_forecast_ml": ["model_version"],
    "sales.forecast": ["model_version"],
    "service.requirement_matching_evaluation": ["evaluated_at"],
}


def assert_same_marts(left: Path, right: Path, manifest: Path) -> None:
    """Every mart table of two published snapshots holds the same rows (run stamps left out), and
    every dbt mart of ``manifest`` was among the tables compared."""
    import json

    from pipelines.spark.equivalence import compare_snapshots

    compared, differences = compare_snapshots(left, right, MART_SCHEMAS, RUN_STAMPS)
    assert not differences, "\n".join(str(d) for d in differences)
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"].values()
    marts = {f"{n['config']['schema']}.{n['name']}" for n in nodes
             if n["resource_type"] == "model" and n["path"].startswith("marts/")}
    assert marts and marts <= set(compared)  # every dbt mart was compared


# The Spark side of the equivalence builds models only: the DuckDB run over the same landing
# zone runs every data test, and the comparison proves Spark's marts equal row for row.
SPARK_ENV = {"CRMLAKE_SPARK_DATA_TESTS": "0", "CRMLAKE_SPARK_SHUFFLE_PARTITIONS": "2"}


def require_java() -> None:
    """Spark needs a Java runtime (``.ci/run`` installs Java 17): skip locally, fail in CI."""
    from ci_requirements import unavailable

    java = (Path(os.environ["JAVA_HOME"]) / "bin" / "java") if os.environ.get("JAVA_HOME") else None
    java = str(java) if java and java.exists() else shutil.which("java")
    ok = java is not None and subprocess.run([java, "-version"], capture_output=True).returncode == 0
    if ok:
        return
    unavailable("Spark needs a Java runtime (17+): `apt-get install default-jre-headless`, or set JAVA_HOME")


@contextmanager
def engine_env(engine: str) -> Iterator[None]:
    """``CRMLAKE_ENGINE`` (and, on Spark, ``SPARK_ENV``) set for one run, then restored."""
    values = {"CRMLAKE_ENGINE": engine, **(SPARK_ENV if engine == "spark" else {})}
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# What ingestion leaves in a lakehouse: the raw tables, their load ledger, the quarantine and the
# raw suites' remembered verdicts. Ingestion and the raw checks are Python on either engine.
RAW_LAYER = ("raw", "ledger", "quarantine", "check_cache")


def run_pipeline(home: Path, landing: Path, engine: str, config_dir: Path | None = None,
                 raw_from: Path | None = None):
    """Every asset materialized and published on ``engine``, reading ``landing`` (and the
    business settings in ``config_dir``, default ``<home>/config``). With ``raw_from`` (another
    lakehouse's directory over the same landing zone) the run starts from a copy of its raw layer:
    ingestion finds every landing file loaded and the raw checks reuse their verdicts, so the run
    pays for what the engine builds (dbt, the Python assets between its steps, publish)."""
    from kernel.settings import get_settings
    from pipelines.runner import failed_checks, failed_steps, materialize

    env = {"CRMLAKE_HOME": str(home), "CRMLAKE_LANDING_DIR": str(landing)}
    if config_dir is not None:
        env["CRMLAKE_CONFIG_DIR"] = str(config_dir)
    settings = get_settings(env)
    for name in RAW_LAYER if raw_from is not None else ():
        if (raw_from / name).is_dir():
            shutil.copytree(raw_from / name, settings.lakehouse_dir / name)  # keeps mtimes: the cache's key
    with engine_env(engine):
        result = materialize(settings)
    assert result.success, (
        f"{engine}: failed steps {failed_steps(result)}, failed checks {failed_checks(result)}"
    )
    return settings


def table_macro_results(snapshot: Path, out: Path, days: dict[str, date]) -> Path:
    """The rows the apps read from ``snapshot``'s table macros, stored as tables of a new file
    ``out`` (same schema and macro names) for compare_snapshots: AR aging at ``aging``, the
    pipeline as of ``as_of`` and its movement from ``start`` to ``end`` over ``end``'s quarter."""
    import duckdb

    from apps.sales_data import quarter_bounds

    first, last = quarter_bounds(days["end"])
    calls = {
        "finance.ar_aging_at": ("finance.ar_aging_at(?)", [days["aging"]]),
        "sales.pipeline_as_of": ("sales.pipeline_as_of(?)", [days["as_of"]]),
        "sales.pipeline_movement_between": ("sales.pipeline_movement_between(?, ?, ?, ?)",
                                            [days["start"], days["end"], first, last]),
    }
    with duckdb.connect(str(out)) as con:
        catalog = con.execute("select current_database()").fetchone()[0]
        con.execute(f"attach '{snapshot}' as snapshot (read_only)")
        con.execute("use snapshot")  # the macros name their tables without a catalog
        for schema in ("finance", "sales"):
            con.execute(f"create schema {catalog}.{schema}")
        for table, (call, params) in calls.items():
            con.execute(f"create table {catalog}.{table} as select * from {call}", params)
    return out
