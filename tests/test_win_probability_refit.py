"""The win-probability model learns from what was known before the Monday of the as-of week
(``wp.training_cutoff``): a day later in the same week keeps the fit and only scores, the next
week or a corrected training row fits again, and a kept fit scores exactly as a fresh one.

On a copy of the S=1 demo warehouse (the session's pipeline run), with the as-of date moved.
"""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pytest

from models_ml import win_probability as wp
from pipelines.sales.assets import FIT_CACHE, train_and_score


def test_training_cutoff_is_the_monday_of_the_as_of_week():
    assert wp.training_cutoff(dt.date(2026, 12, 2)) == dt.date(2026, 11, 30)  # a Wednesday
    assert wp.training_cutoff(dt.date(2026, 11, 30)) == dt.date(2026, 11, 30)  # a Monday: itself
    assert wp.training_cutoff(dt.date(2026, 12, 6)) == dt.date(2026, 11, 30)  # a Sunday


@pytest.fixture(scope="module")
def warehouse(pipeline_run, tmp_path_factory):
    copy = tmp_path_factory.mktemp("wp_refit") / "warehouse.duckdb"
    shutil.copyfile(pipeline_run.settings.warehouse_path, copy)
    con = duckdb.connect(str(copy))
    yield con
    con.close()


def _as_of(con: duckdb.DuckDBPyConnection, day: dt.date) -> None:
    con.execute("create or replace table intermediate.int_snapshot_as_of as select ?::date as as_of_date", [day])


def _fits(models_dir) -> list[str]:
    folder = models_dir / wp.MODEL_NAME
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _probabilities(result: dict) -> list[tuple]:
    frame = result["scores"].sort_values("opportunity_id")
    return list(zip(frame["opportunity_id"], frame["as_of_date"], frame["win_probability"], strict=True))


def test_the_fit_is_kept_within_the_week_and_redone_when_the_week_turns_or_history_changes(warehouse, tmp_path):
    con = warehouse
    demo_as_of = con.execute("select as_of_date from intermediate.int_snapshot_as_of").fetchone()[0]
    tuesday = wp.training_cutoff(demo_as_of) + dt.timedelta(days=1)
    lines: list[str] = []
    models = tmp_path / "incremental"

    _as_of(con, tuesday)
    first = train_and_score(con, models, log=lines.append)
    assert first["status"] == "computed", first["reason"]
    assert len(_fits(models)) == 1

    _as_of(con, tuesday + dt.timedelta(days=1))  # the next day's delivery, same week
    lines.clear()
    kept = train_and_score(con, models, log=lines.append)
    assert any("kept" in line for line in lines), lines
    assert len(_fits(models)) == 1
    assert kept["scores"]["model_version"].iloc[0] == first["scores"]["model_version"].iloc[0]
    rebuilt = train_and_score(con, tmp_path / "full_rebuild")  # what a full rebuild computes that day
    assert _probabilities(kept) == _probabilities(rebuilt)
    assert kept["card"]["backtest"] == rebuilt["card"]["backtest"]
    assert kept["card"]["bookings_forecast_backtest"] == rebuilt["card"]["bookings_forecast_backtest"]

    _as_of(con, tuesday + dt.timedelta(days=6))  # Monday: the week turned, a week more to learn from
    lines.clear()
    train_and_score(con, models, log=lines.append)
    assert not any("kept" in line for line in lines)
    assert len(_fits(models)) == 2

    # a late correction: a deal that closed long before the cutoff changes its amount
    deal = con.execute(
        "select opportunity_id from sales.opportunity_versions where is_closed and valid_from < ? "
        "order by opportunity_id limit 1", [tuesday - dt.timedelta(days=60)]).fetchone()[0]
    con.execute("update sales.opportunity_versions set amount = amount * 2 where opportunity_id = ?", [deal])
    lines.clear()
    train_and_score(con, models, log=lines.append)
    assert not any("kept" in line for line in lines)
    assert len(_fits(models)) == 3

    # the kept fits are read only from the file the pipeline wrote, never through a symlink
    cache = models / FIT_CACHE
    elsewhere = tmp_path / "elsewhere.pickle"
    elsewhere.write_bytes(cache.read_bytes())
    cache.unlink()
    cache.symlink_to(elsewhere)
    lines.clear()
    train_and_score(con, models, log=lines.append)
    assert not any("kept" in line for line in lines)
    assert len(_fits(models)) == 4 and not cache.is_symlink()
