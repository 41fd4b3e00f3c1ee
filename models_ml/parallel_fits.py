"""Independent model fits on more than one core: the calling process fits too, helper processes
join when they are ready.

Why processes: scikit-learn's fits hold the GIL for much of their time, so a thread pool gave the
win probability's five fits 14.1 -> 12.1 s on two cores. Why ``spawn``: the caller is often a
Dagster run process, which has threads, so it is never forked; a spawned helper starts a fresh
interpreter and imports only the fitting function's module (and the ``__main__`` script, which
multiprocessing re-imports: a script that fits must keep its work under
``if __name__ == "__main__":``, as every console script does). Why the caller fits too: a helper
needs ~2 s of imports before its first fit; the caller starts at once with the largest item and a
helper takes the next unclaimed one only once it is up, so the caller never waits for a helper's
imports (if it is through first, the helper just exits), only for the items a helper took. It pays
off when a core is idle: on a machine whose cores are all busy the helper's imports are extra work
and the items it took can finish later than the caller would have (docs/performance.md).
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import BrokenExecutor, Future, ProcessPoolExecutor
from typing import TypeVar

log = logging.getLogger(__name__)

Item = TypeVar("Item")
Result = TypeVar("Result")


def _import(module: str) -> None:
    """A helper's first task: it is ready once its imports are done."""
    importlib.import_module(module)


def map_largest_first(
    func: Callable[[Item], Result], items: Sequence[Item], processes: int, size: Callable[[Item], int] = len
) -> list[Result]:
    """``[func(item) for item in items]``, the largest items first, on ``processes`` processes: this
    one and ``processes - 1`` spawned helpers. ``func`` must be a module-level function and items
    and results picklable; a fit that is deterministic in one process gives the same result in a
    helper (same code, same inputs, same thread limits inside ``func``)."""
    if processes < 2 or len(items) < 2:
        return [func(item) for item in items]
    pending = sorted(range(len(items)), key=lambda i: size(items[i]))  # popped from the end
    results: dict[int, Result] = {}
    in_helpers: dict[int, Future] = {}
    lock = threading.Lock()

    def claim() -> int | None:
        with lock:
            return pending.pop() if pending else None

    pool = ProcessPoolExecutor(processes - 1, mp_context=multiprocessing.get_context("spawn"))

    def next_job() -> Future | None:
        with lock:  # claimed and submitted at once: once nothing is pending, every job is known
            if not pending:
                return None
            i = pending.pop()
            job = in_helpers[i] = pool.submit(func, items[i])
            return job

    def helper() -> None:
        try:
            pool.submit(_import, func.__module__).result()
            while (job := next_job()) is not None:
                job.result()
        except Exception as exc:  # noqa: BLE001 - the caller meets a failed job when it collects it; a
            # helper that cannot start leaves its share to the caller, and says why
            log.warning("fit helper process gave up (%r); this process fits what is left", exc)

    helpers = [threading.Thread(target=helper, name=f"fit-helper-{n}", daemon=True) for n in range(processes - 1)]
    try:
        for thread in helpers:
            thread.start()
        while (i := claim()) is not None:
            results[i] = func(items[i])
        with lock:
            jobs = dict(in_helpers)
        for i, job in jobs.items():
            try:
                results[i] = job.result()
            except BrokenExecutor:  # a helper died (killed, out of memory): fit it here
                results[i] = func(items[i])
    finally:
        with lock:
            pending.clear()
        # a helper still importing is not waited for: it finds nothing to claim and exits
        pool.shutdown(wait=False, cancel_futures=True)
    return [results[i] for i in range(len(items))]
