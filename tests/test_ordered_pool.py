"""pipelines/ordered_pool.each_in_order: outcomes in the items' order, failures reported with
the others, and a caller that stops early leaves the items not yet started unrun."""

from __future__ import annotations

import threading
import time

from pipelines.ordered_pool import each_in_order


def test_outcomes_come_in_the_items_order_with_failures_among_them():
    def work(n: int) -> int:
        time.sleep(0.05 * (3 - n))  # the last item finishes first
        if n == 1:
            raise ValueError("item 1 is bad")
        return n * 10

    out = list(each_in_order([0, 1, 2], work, 3))
    assert [(item, result) for item, result, _ in out] == [(0, 0), (1, None), (2, 20)]
    assert out[0][2] is None and "ValueError: item 1 is bad" in out[1][2]


def test_a_caller_that_stops_early_leaves_the_rest_unstarted():
    started, release = [], threading.Event()

    def work(n: int) -> int:
        started.append(n)
        release.wait(5)
        return n

    outcomes = each_in_order(range(10), work, 1)
    release.set()
    assert next(outcomes)[0] == 0
    outcomes.close()  # e.g. the step was interrupted
    assert len(started) <= 2  # item 0, and at most the one already running
