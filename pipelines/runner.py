"""Run the pipeline in this process: used by ``crmlake run``, ``crmlake bench`` and the tests.

The same asset definitions the Dagster UI shows are materialized here; only the resources are
built from the given settings, so a test or a benchmark can point at its own directory.
"""

from __future__ import annotations

import dagster as dg

from kernel.runtime import settings_environment
from kernel.settings import Settings, dbt_server
from pipelines.publish.snapshot import remove_stale_publish_temporaries
from pipelines.resources import LakehouseResource


def _definitions() -> dg.Definitions:
    from pipelines.definitions import defs

    return defs


def materialize(
    settings: Settings,
    selection: dg.AssetSelection | str | None = None,
    *,
    instance: dg.DagsterInstance | None = None,
    raise_on_error: bool = False,
    incremental_dbt: bool = False,
) -> dg.ExecuteInProcessResult:
    """Materialize everything (or ``selection``, a Dagster selection or selection string).

    ``incremental_dbt``: incremental dbt models update in place instead of rebuilding; only for a
    run of what changed since a good whole run with the same code and settings.
    """
    from pipelines.dbt.assets import dbt_models, dbt_resource
    from pipelines.dbt.dbt_server import serving
    from pipelines.dbt.project import DBT_INCREMENTAL_TAG

    settings.ensure_dirs()
    remove_stale_publish_temporaries(settings)
    defs = _definitions()
    if isinstance(selection, str):
        selection = dg.AssetSelection.from_string(selection)
    # one dbt import for the run's dbt steps (pipelines/dbt/dbt_server.py), if it has any
    serve_dbt = dbt_server() and _selects_any(defs, selection, dbt_models.keys)
    with settings_environment(settings), serving(serve_dbt):  # dbt reads the paths from env
        return dg.materialize(
            [*defs.assets, *defs.asset_checks],
            selection=selection,
            instance=instance,
            # progress at INFO (one line per landing file, dbt node, check); DEBUG events stay
            # in the Dagster instance for the UI
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
            resources={
                "lakehouse": LakehouseResource.from_settings(settings),
                "dbt": dbt_resource(),
            },
            raise_on_error=raise_on_error,
            tags={DBT_INCREMENTAL_TAG: "true"} if incremental_dbt else None,
        )


def _selects_any(defs: dg.Definitions, selection: dg.AssetSelection | None, keys) -> bool:
    if selection is None:
        return True
    try:
        return bool(selection.resolve(defs.resolve_asset_graph()) & keys)
    except dg.DagsterError:  # a selection Dagster cannot resolve: materialize says why
        return True


def failed_steps(result: dg.ExecuteInProcessResult) -> list[str]:
    return [e.step_key for e in result.all_events if e.is_step_failure]


def failed_checks(result: dg.ExecuteInProcessResult) -> list[str]:
    """Error-severity checks that ran and failed, as ``asset_key:check_name`` (warnings left out)."""
    return [
        f"{event.asset_key.to_user_string()}:{event.check_name}"
        for event in result.get_asset_check_evaluations()
        if not event.passed and event.severity == dg.AssetCheckSeverity.ERROR
    ]


def _innermost(error) -> str:
    """The message of the exception that caused a step failure (Dagster wraps it)."""
    while error.cause is not None:
        error = error.cause
    lines = [line for line in error.message.strip().splitlines() if line.strip()]
    return " ".join(line.strip() for line in lines[:6])


def failure_reasons(result: dg.ExecuteInProcessResult) -> list[str]:
    """Why a run failed, one line per failed step or check, for people (not a stack trace)."""
    reasons = [
        f"{e.step_key}: {_innermost(e.event_specific_data.error)}"
        for e in result.all_events
        if e.is_step_failure and e.event_specific_data and e.event_specific_data.error
    ]
    for event in result.get_asset_check_evaluations():
        if not event.passed and event.severity == dg.AssetCheckSeverity.ERROR:
            detail = event.description or ""
            reasons.append(f"check {event.asset_key.to_user_string()}:{event.check_name} failed {detail}".strip())
    return reasons


def _plain(value):
    """A Dagster metadata value as plain Python (lists, numbers, text)."""
    return getattr(value, "value", value)


def check_warnings(result: dg.ExecuteInProcessResult) -> list[str]:
    """What the checks of a run warned about, one line each, for people: the raw quality suites'
    warnings (a check that passed but found odd values) and dbt tests at severity warn.

    The data flows on past a warning, so nobody would see it unless it is printed.
    """
    lines = []
    for event in result.get_asset_check_evaluations():
        name = f"{event.asset_key.to_user_string()}:{event.check_name}"
        metadata = event.metadata or {}
        suite_warnings = _plain(metadata.get("warnings")) or []
        if isinstance(suite_warnings, list) and suite_warnings:
            lines += [f"{name}: {w}" for w in suite_warnings]
        elif not event.passed and event.severity == dg.AssetCheckSeverity.WARN:
            failed = _plain(metadata.get("dagster_dbt/failed_row_count"))
            detail = event.description or (f"{failed} row(s) failed" if failed is not None else "")
            lines.append(f"{name} warned{': ' + detail if detail else ''}")
    return lines
