"""Independent work items on a few threads, their outcomes handed back in the items' order.

Why one home: the raw step loads entities and the suites step checks tables this way; both report
in contract order whatever finished first, and both report every item even when one of them
failed (the step then fails naming it).
"""

import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def each_in_order(
    items: Iterable[Item],
    work: Callable[[Item], Result],
    workers: int,
    *,
    start_first: Callable[[Item], float] | None = None,
    name: str = "worker",
) -> Iterator[tuple[Item, Result | None, str | None]]:
    """``(item, result, None)`` or ``(item, None, traceback text)`` for every item, in ``items``'
    order; ``workers`` threads run ``work``, the items with the largest ``start_first`` first (a
    large item started last would finish alone)."""
    items = list(items)
    order = sorted(range(len(items)), key=lambda i: -start_first(items[i])) if start_first else range(len(items))
    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix=name)
    try:
        futures = {i: pool.submit(work, items[i]) for i in order}
        for i, item in enumerate(items):
            try:
                yield item, futures[i].result(), None
            except Exception as exc:  # noqa: BLE001 - reported with the others; the caller fails the step
                yield item, None, "".join(traceback.format_exception(exc))
    finally:  # a caller that stops early (an interrupted step) leaves the items not started unrun
        pool.shutdown(wait=True, cancel_futures=True)
