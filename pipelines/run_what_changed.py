"""One run of the pipeline that costs what changed: the same path for `crmlake run`, the landing and
store sensors and the daily schedule.

It takes the run's inputs (:mod:`pipelines.run_inputs`) before anything is read, compares them
with the last successful whole run's, and runs nothing, the changed raw assets and everything
downstream of them, or everything; then it records the outcome in ``last_run.json`` so the next
decision, and ``crmlake status``, see it. The scheduler used to start the whole pipeline for every
new file; with this job a daily delivery there costs what it costs on the command line.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kernel.publish_status import read_last_run, write_last_run
from kernel.settings import Settings, dbt_server
from pipelines.dbt.dbt_server import serving
from pipelines.run_inputs import Changes, changes_since, current_inputs

if TYPE_CHECKING:  # Dagster imports in seconds: a run with nothing to do never imports it
    import dagster as dg


@dataclass
class RunOutcome:
    said: str  # the decision, in one line for people
    ran: bool
    success: bool = True
    run_id: str | None = None
    seconds: float = 0.0
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def downstream_of(keys: list[str]) -> dg.AssetSelection:
    import dagster as dg

    return dg.AssetSelection.assets(*(dg.AssetKey.from_user_string(k) for k in keys)).downstream()


def load_only(keys: list[str]) -> dg.AssetSelection:
    import dagster as dg

    return dg.AssetSelection.assets(*(dg.AssetKey.from_user_string(k) for k in keys)).without_checks()


def run_what_changed(
    settings: Settings,
    *,
    full_refresh: bool = False,
    select: dg.AssetSelection | str | None = None,
    instance: dg.DagsterInstance | None = None,  # None: the DAGSTER_HOME instance
    say: Callable[[str], None] = print,
) -> RunOutcome:
    """Decide, run, record. ``select`` runs exactly that and never counts as a whole run."""
    whole_run = select is None
    inputs = current_inputs(settings)  # before anything is read: a file landing mid-run makes the next run real
    selection = select
    incremental_dbt = False  # a whole run, --full-refresh or --select: incremental models from all history
    said = "crmlake run: the selected assets"
    if whole_run:
        last = read_last_run(settings)
        changes = Changes(everything="--full-refresh") if full_refresh else changes_since(settings, inputs, last)
        if changes.nothing:
            said = (f"Nothing changed since run {last['run_id']} (finished {last['finished_at']}): same landing "
                    "files, settings and code, no store changes. Its snapshot is still published; nothing to do.")
            say(said + "\n`crmlake run --full-refresh` rebuilds anyway.")
            return RunOutcome(said=said, ran=False)
        if changes.everything:
            said = f"crmlake run: everything ({changes.everything})"
        else:
            said = (f"crmlake run: what changed and everything it feeds ({changes.describe()}); the rest of the "
                    "published snapshot stays as built")
            selection = downstream_of(changes.start_keys())
            incremental_dbt = True
            if changes.load_only_keys():
                selection = selection | load_only(changes.load_only_keys())
        say(said)

    # the dbt server imports dbt in its own process while this one imports Dagster and the assets
    with serving(dbt_server() and select is None):
        from pipelines import runner  # Dagster, dbt: imported only when something runs
        from pipelines.dbt import project

        project.ensure_manifest()  # before the definitions load their dbt assets from it
        if full_refresh:
            from pipelines import reuse

            reuse.forget_all(settings)  # on request, every model fits again
        started = time.perf_counter()
        if instance is None:
            import dagster as dg

            with dg.DagsterInstance.get() as home_instance:
                result = runner.materialize(settings, selection, instance=home_instance,
                                            incremental_dbt=incremental_dbt)
        else:
            result = runner.materialize(settings, selection, instance=instance, incremental_dbt=incremental_dbt)
        elapsed = round(time.perf_counter() - started, 1)
    reasons = [] if result.success else runner.failure_reasons(result)
    warnings = runner.check_warnings(result)
    write_last_run(settings, result.run_id, result.success, elapsed, reasons, warnings,
                   inputs=inputs.as_dict() if whole_run else None)
    return RunOutcome(said=said, ran=True, success=result.success, run_id=result.run_id, seconds=elapsed,
                      reasons=reasons, warnings=warnings)
