"""The win probability's fits give the same models in a helper process as in the run's own
(models_ml/parallel_fits.py): the same probabilities to the last bit, the same backtest report.

A small synthetic training history (no warehouse): the point is where a fit runs, not what it
learns. A helper is made to fit at least one frame: the calling process waits for it first.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kernel.settings import fit_processes
from models_ml import win_probability as wp

_REAL_FIT = wp.fit  # in a helper process this module is imported afresh: the real fit
_HELPER_DONE = "CRMLAKE_TEST_HELPER_DONE"  # a file a helper creates after its first fit


def _fit_helper_first(rows: pd.DataFrame):
    """The caller waits until a helper has fitted a frame, so the pool is really used; then both
    fit as usual."""
    done = Path(os.environ[_HELPER_DONE])
    if os.getpid() == int(os.environ["CRMLAKE_TEST_CALLER_PID"]):
        deadline = time.monotonic() + 300
        while not done.exists():
            if time.monotonic() > deadline:
                raise TimeoutError("no helper process fitted a frame in 5 minutes")
            time.sleep(0.05)
        return _REAL_FIT(rows)
    model = _REAL_FIT(rows)
    done.touch()
    return model


def _labelled(deals: int = 240, seed: int = 7) -> pd.DataFrame:
    """Weekly snapshots of ``deals`` deals opened over 2025-01 .. 2026-05, each open 2-11 weeks,
    won about 40 % of the time, more often at later stages."""
    rng = np.random.default_rng(seed)
    rows = []
    for deal in range(deals):
        created = pd.Timestamp("2025-01-05") + pd.Timedelta(weeks=int(rng.integers(0, 72)))
        weeks = int(rng.integers(2, 12))
        won = int(rng.random() < 0.4)
        for week in range(weeks):
            stage = min(5, 1 + week // 2 + won * int(rng.integers(0, 2)))
            rows.append({
                "opportunity_id": deal,
                "as_of_date": created + pd.Timedelta(weeks=week),
                "closed_at": created + pd.Timedelta(weeks=weeks, days=1),
                "won": won,
                "stage_order": stage,
                "stage_probability": stage / 6,
                "log_amount": float(rng.normal(11, 1)),
                "days_in_stage": int(rng.integers(0, 30)),
                "age_days": week * 7,
                "days_to_close": int(rng.integers(-10, 90)),
                "close_date_push_count": int(rng.integers(0, 3)),
                "amount_change_ratio": float(rng.choice([np.nan, 1.0, 1.2])),
                "owner_prior_win_rate": float(rng.uniform(0.2, 0.6)),
                "owner_prior_closed": int(rng.integers(0, 40)),
                "lead_source": str(rng.choice(["web", "partner", "event"])),
                "opportunity_type": str(rng.choice(["new", "renewal"])),
            })
    return pd.DataFrame(rows)


QUARTERS = [dt.date(2025, 7, 1), dt.date(2025, 10, 1), dt.date(2026, 1, 1), dt.date(2026, 4, 1)]
CUTOFF = dt.date(2026, 6, 1)


def check_two_processes_fit_the_same_models_and_report_as_one(done: Path) -> None:
    """Run in a fresh interpreter (below): ``spawn`` starts a helper from the parent's state, and
    in the whole suite that state is whatever ~1,400 earlier tests left (threads, Spark's JVM
    gateway, patched modules); once a helper never started and the caller waited for it."""
    os.environ[_HELPER_DONE] = str(done)
    os.environ["CRMLAKE_TEST_CALLER_PID"] = str(os.getpid())
    labelled = _labelled()
    report, models, final = wp.backtest(labelled, QUARTERS, CUTOFF, processes=1)
    assert len(report.quarters) == len(QUARTERS), report  # every quarter has both outcomes
    wp.processes_for = lambda frames, configured: configured  # thin data too
    wp.fit = _fit_helper_first  # a module-level function: the pool sends it by name
    report_2, models_2, final_2 = wp.backtest(labelled, QUARTERS, CUTOFF, processes=2)
    assert done.exists(), "a helper process fitted at least one frame"
    assert report_2 == report
    assert np.array_equal(wp.predict(final_2, labelled), wp.predict(final, labelled))
    assert list(models_2) == list(models) == QUARTERS
    for q in QUARTERS:
        assert np.array_equal(wp.predict(models_2[q], labelled), wp.predict(models[q], labelled))


def test_two_processes_fit_the_same_models_and_report_as_one(tmp_path):
    tests = Path(__file__).resolve().parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tests.parent), str(tests)])}
    script = (f"from pathlib import Path\nimport {Path(__file__).stem} as t\n"
              f"t.check_two_processes_fit_the_same_models_and_report_as_one(Path({str(tmp_path / 'done')!r}))\n"
              "print('same models')")
    done = subprocess.run([sys.executable, "-c", script], cwd=tests.parent, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0 and "same models" in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]


def test_thin_data_fits_in_this_process_and_the_setting_caps_the_processes(monkeypatch):
    small = [pd.DataFrame({"x": range(5_000)})] * 5  # 25,000 rows in all
    large = [pd.DataFrame({"x": range(20_000)})] * 5  # 100,000 rows in all
    monkeypatch.setattr(wp, "MIN_ROWS_FOR_HELPERS", 40_000)
    monkeypatch.setattr(wp.os, "cpu_count", lambda: 8)
    assert wp.processes_for(small, 2) == 1
    assert wp.processes_for(large, 2) == 2
    assert wp.processes_for(large, 8) == 5  # never more processes than fits
    assert wp.processes_for(large[:1], 2) == 1
    monkeypatch.setattr(wp.os, "cpu_count", lambda: 1)
    assert wp.processes_for(large, 2) == 1  # nor than cores


def test_fit_processes_setting():
    assert fit_processes({"CRMLAKE_FIT_PROCESSES": "3"}) == 3
    assert fit_processes({}) == min(2, os.cpu_count() or 1)
    with pytest.raises(ValueError, match="CRMLAKE_FIT_PROCESSES"):
        fit_processes({"CRMLAKE_FIT_PROCESSES": "0"})
