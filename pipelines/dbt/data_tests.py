"""dbt's data tests, run in one DuckDB connection instead of one dbt node each.

Why: dbt spends about 0.08 s of bookkeeping per test node (start, compile, result, log). With
1,284 data tests that was 100 s of a one-thread build at S=1 (48 s on four threads), while the
same queries take about 1 s in one connection. The tests stay dbt's own: ``crmlake prepare``
compiles them into the manifest (:mod:`pipelines.dbt.project`), each runs the way dbt's test
materialization runs it (``fail_calc``, ``warn_if``, ``error_if``, severity), and a model's tests
report as its one ``dbt_tests`` asset check (:func:`check_results` says why one per model).

Which tests a step runs: those of the checks Dagster selected for it whose model parents are all
built in this step or not part of the run at all (an incremental run rebuilds part of the graph;
a relationship test against an unchanged table still checks the new rows). A test whose parents
span several steps of one run waits, as ``--indirect-selection cautious`` made dbt do.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from pipelines.duckdb_session import apply_settings, profile_settings


@dataclass(frozen=True)
class DataTest:
    """One dbt data test as compiled into the manifest."""

    unique_id: str
    name: str
    sql: str
    severity: str  # "error" | "warn", lower case
    fail_calc: str
    warn_if: str
    error_if: str
    limit: int | None
    model_parents: frozenset[str]
    check_key: dg.AssetCheckKey | None

    @property
    def query(self) -> str:
        """dbt's default test materialization, verbatim in effect."""
        limit = f"\nlimit {self.limit}" if self.limit is not None else ""
        return (
            f"select {self.fail_calc} as failures, {self.fail_calc} {self.warn_if} as should_warn, "
            f"{self.fail_calc} {self.error_if} as should_error\n"
            f"from (\n{self.sql}{limit}\n) dbt_internal_test"
        )


@dataclass(frozen=True)
class DataTestOutcome:
    test: DataTest
    status: str  # "pass" | "warn" | "fail" | "error"
    failures: int | None
    message: str = ""

    @property
    def stops_the_run(self) -> bool:
        return self.status in ("fail", "error")


def has_compiled_tests(manifest: Mapping[str, Any]) -> bool:
    """True when every data test carries its compiled SQL (a manifest built by ``crmlake prepare``)."""
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    return bool(tests) and all(n.get("compiled_code") for n in tests)


def data_tests(manifest: Mapping[str, Any], check_key_of) -> list[DataTest]:
    """Every data test of the manifest; ``check_key_of(unique_id)`` names its Dagster check."""
    found = []
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] != "test":
            continue
        config = node["config"]
        found.append(DataTest(
            unique_id=unique_id,
            name=node["name"],
            sql=node["compiled_code"],
            severity=str(config.get("severity", "error")).lower(),
            fail_calc=config.get("fail_calc") or "count(*)",
            warn_if=config.get("warn_if") or "!= 0",
            error_if=config.get("error_if") or "!= 0",
            limit=config.get("limit"),
            model_parents=frozenset(
                parent for parent in node["depends_on"]["nodes"]
                if manifest["nodes"].get(parent, {}).get("resource_type") in ("model", "snapshot", "seed")
            ),
            check_key=check_key_of(unique_id),
        ))
    return found


def step_data_tests(
    tests: Iterable[DataTest],
    *,
    step_models: set[str],
    run_models: set[str] | None,
    expected_checks: set[dg.AssetCheckKey],
) -> list[DataTest]:
    """The tests this step runs (see the module docstring); ``run_models`` None means every model."""
    chosen = []
    for test in tests:
        if test.check_key is not None and test.check_key not in expected_checks:
            continue
        if not test.model_parents & step_models and test.check_key is None:
            continue  # a singular test of models this step did not build
        waits_for_other_step = any(
            parent not in step_models and (run_models is None or parent in run_models)
            for parent in test.model_parents
        )
        if not waits_for_other_step:
            chosen.append(test)
    return chosen


def run_tests(warehouse: Path, tests: Iterable[DataTest]) -> list[DataTestOutcome]:
    """Run each test's query in one connection; a query error is that test's error, not a crash."""
    outcomes = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        apply_settings(con, profile_settings())
        for test in tests:
            try:
                failures, should_warn, should_error = con.execute(test.query).fetchone()
            except duckdb.Error as error:
                outcomes.append(DataTestOutcome(test, "error", None, str(error).splitlines()[0]))
                continue
            if should_error and test.severity == "error":
                status = "fail"
            elif should_warn:
                status = "warn"
            else:
                status = "pass"
            outcomes.append(DataTestOutcome(test, status, int(failures or 0)))
    return outcomes


def check_results(outcomes: Iterable[DataTestOutcome]) -> Iterator[dg.AssetCheckResult]:
    """One ``dbt_tests`` check result per model: its tests' verdicts together.

    One check per model, not one per test: Dagster writes every check event to its run storage
    (about 10 ms each on SQLite, three events per check), and per-test checks were half of a
    whole S=1 run. The per-test detail stays in the result: failing tests in the description,
    warnings in ``warnings`` (printed by ``crmlake run`` and ``crmlake status``), counts in the
    metadata.
    """
    by_check: dict[dg.AssetCheckKey, list[DataTestOutcome]] = {}
    for outcome in outcomes:
        if outcome.test.check_key is not None:
            by_check.setdefault(outcome.test.check_key, []).append(outcome)
    for key, group in by_check.items():
        stopping = [o for o in group if o.stops_the_run]
        warned = [o for o in group if o.status == "warn"]
        yield dg.AssetCheckResult(
            asset_key=key.asset_key,
            check_name=key.name,
            passed=not stopping and not warned,
            severity=dg.AssetCheckSeverity.ERROR if stopping else dg.AssetCheckSeverity.WARN,
            metadata={
                "tests": len(group),
                "failed": len(stopping),
                "warned": len(warned),
                "failing_tests": [_verdict(o) for o in stopping],
                "warnings": [_verdict(o) for o in warned],
                "dagster_dbt/failed_row_count": sum(o.failures or 0 for o in stopping + warned),
            },
            description="; ".join(_verdict(o) for o in stopping) or None,
        )


def _verdict(outcome: DataTestOutcome) -> str:
    if outcome.status == "error":
        return f"{outcome.test.name}: error: {outcome.message}"
    return f"{outcome.test.name}: {outcome.failures} failing row(s)" + (" (severity warn)" if outcome.status == "warn" else "")


def failure_summary(outcomes: Iterable[DataTestOutcome]) -> str:
    """One line per test that stops the run, for the step's failure."""
    return "\n".join(f"{_verdict(o)} ({o.test.unique_id})" for o in outcomes if o.stops_the_run)
