"""Win probability of open opportunities: a calibrated scikit-learn classifier.

Features are computed point-in-time from ``sales.opportunity_versions`` (validity intervals of
every stage/amount/close-date change): a row "as of date D" sees only versions with
``valid_from`` before the next midnight, and the owner's track record only counts deals closed
by then. ``tests/test_sales_ml.py`` proves it by truncating the history after D and comparing.

Training uses a time-based split: a model for cutoff T learns from weekly snapshots before T of
deals whose outcome was known before T. ``backtest`` evaluates models on later quarters against
the stage-probability baseline (Brier score, ROC AUC). Everything is set-based (DuckDB SQL,
scikit-learn on arrays); no Python loops over rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import joblib
import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from models_ml.parallel_fits import map_largest_first

if TYPE_CHECKING:  # the fitting helper processes import this module: no DuckDB for them
    import duckdb
    from sklearn.pipeline import Pipeline

log = logging.getLogger(__name__)

MODEL_NAME = "win_probability"
NUMERIC = [
    "stage_order",
    "stage_probability",
    "log_amount",
    "days_in_stage",
    "age_days",
    "days_to_close",
    "close_date_push_count",
    "amount_change_ratio",
    "owner_prior_win_rate",
    "owner_prior_closed",
]
CATEGORICAL = ["lead_source", "opportunity_type"]

AS_OF_TABLE = "intermediate.int_snapshot_as_of"
# owner, department, type and lead source per deal: built before company resolution, so the model
# scores after the first dbt step (dbt model int_opportunity_attributes)
ATTRIBUTES_TABLE = "intermediate.int_opportunity_attributes"

# Point-in-time features for every (as_of_date, open opportunity). Parameters: the relation
# names of the versions table, the opportunities table and a table of as_of_date values.
_FEATURES_SQL = """
with
dates as (select distinct cast(as_of_date as date) as as_of_date from {dates}),
cut as (select as_of_date, cast(as_of_date as timestamp) + interval 1 day as cutoff_at from dates),
state as (
    select cut.as_of_date, v.*
    from cut join {versions} v
      on v.valid_from < cut.cutoff_at and (v.valid_to is null or v.valid_to >= cut.cutoff_at)
    where not v.is_closed
),
first_version as (
    select opportunity_id, amount as initial_amount from {versions} where version_number = 1
),
closed as (  -- when each deal closed and how (known only from that moment on)
    select o.owner_id, v.opportunity_id, min(v.valid_from) as closed_at,
           bool_or(v.is_won) as is_won
    from {versions} v join {opportunities} o using (opportunity_id)
    where v.is_closed
    group by 1, 2
),
owner_record as (
    select cut.as_of_date, closed.owner_id,
           count(*) as owner_prior_closed,
           avg(case when closed.is_won then 1.0 else 0.0 end) as owner_win_rate
    from cut join closed on closed.closed_at < cut.cutoff_at
    group by 1, 2
)
select
    state.as_of_date,
    state.opportunity_id,
    o.owner_id,
    o.department_id,
    state.stage,
    state.stage_order,
    cast(state.stage_probability as double) as stage_probability,
    cast(state.amount as double) as amount,
    ln(1 + cast(state.amount as double)) as log_amount,
    date_diff('day', state.stage_entered_at, cast(state.as_of_date as timestamp)) as days_in_stage,
    date_diff('day', state.opportunity_created_at, cast(state.as_of_date as timestamp)) as age_days,
    date_diff('day', state.as_of_date, state.close_date) as days_to_close,
    state.close_date,
    state.close_date_push_count,
    cast(state.amount as double) / nullif(cast(fv.initial_amount as double), 0) as amount_change_ratio,
    -- smoothed toward 0.4 with 5 pseudo-deals so a new rep is not 0 or 1
    (coalesce(r.owner_win_rate * r.owner_prior_closed, 0) + 0.4 * 5)
        / (coalesce(r.owner_prior_closed, 0) + 5) as owner_prior_win_rate,
    coalesce(r.owner_prior_closed, 0) as owner_prior_closed,
    coalesce(o.lead_source, '(none)') as lead_source,
    coalesce(o.opportunity_type, '(none)') as opportunity_type
from state
join {opportunities} o using (opportunity_id)
left join first_version fv using (opportunity_id)
left join owner_record r on r.as_of_date = state.as_of_date and r.owner_id = o.owner_id
"""


def features_as_of(
    con: duckdb.DuckDBPyConnection,
    dates: list[dt.date] | pd.Series,
    versions: str = "sales.opportunity_versions",
    opportunities: str = ATTRIBUTES_TABLE,
) -> pd.DataFrame:
    """Point-in-time features of every opportunity open at the end of each date."""
    dates_frame = pd.DataFrame({"as_of_date": pd.to_datetime(pd.Series(list(dates))).dt.date})
    con.register("_wp_dates", dates_frame)
    try:
        sql = _FEATURES_SQL.format(dates="_wp_dates", versions=versions, opportunities=opportunities)
        frame = con.execute(sql).df()
    finally:
        con.unregister("_wp_dates")
    return frame.sort_values(["as_of_date", "opportunity_id"]).reset_index(drop=True)


def outcomes(con: duckdb.DuckDBPyConnection, versions: str = "sales.opportunity_versions") -> pd.DataFrame:
    """Outcome of every closed deal and the moment it became known."""
    return con.execute(
        f"""select opportunity_id, min(valid_from) as closed_at,
                   max(case when is_won then 1 else 0 end) as won
            from {versions} where is_closed group by opportunity_id"""
    ).df()




def data_end(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The snapshot's one as-of date (dbt ``int_snapshot_as_of``), the day the model scores on;
    None when there are no opportunities at all or no activity to date the snapshot by."""
    if not con.execute("select count(*) from sales.opportunity_versions").fetchone()[0]:
        return None
    return con.execute(f"select as_of_date from {AS_OF_TABLE}").fetchone()[0]


def weekly_dates(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every 7th day counted back from ``end`` down to ``start``."""
    days = (end - start).days
    return [end - dt.timedelta(days=d) for d in range(0, days + 1, 7)][::-1]


def training_cutoff(as_of: dt.date) -> dt.date:
    """The model learns from what was known before the Monday of the as-of week.

    Why weekly: a daily delivery moves the as-of date, and a model trained up to yesterday would
    retrain every day on almost the same rows (four backtest fits and a final one, the largest
    Python step of a one-day run). Anchored on the week, the training history is the same all
    week; the fit is redone when the week turns or a late correction changes a row it learned
    from, and the deals are scored every day in between. A full rebuild computes the same cutoff
    from the same data, so both publish the same scores.
    """
    return as_of - dt.timedelta(days=as_of.weekday())


def labelled_frame(con: duckdb.DuckDBPyConnection, cutoff: dt.date) -> pd.DataFrame:
    """Weekly point-in-time features of all history before ``cutoff`` (the Sundays before it),
    with the outcome of the deals closed before it and when it became known."""
    start = con.execute("select cast(min(valid_from) as date) from sales.opportunity_versions").fetchone()[0]
    feats = features_as_of(con, weekly_dates(start, cutoff - dt.timedelta(days=1)))
    known = outcomes(con)
    known = known[pd.to_datetime(known["closed_at"]) < pd.Timestamp(cutoff)]
    labelled = feats.merge(known, on="opportunity_id", how="inner")
    labelled["as_of_date"] = pd.to_datetime(labelled["as_of_date"])
    return labelled


def frame_digest(frame: pd.DataFrame) -> str:
    """Digest of a frame's columns and rows in order: the same training frame, the same fit."""
    digest = hashlib.sha256("|".join(map(str, frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


# Enough history to learn from and to check against the stage baseline: fewer closed deals than
# this of either outcome and the model would mostly memorise noise; the stage probability is used.
MIN_DEALS_PER_OUTCOME = 10


def readiness(closed_deals: pd.DataFrame) -> str | None:
    """Why the model cannot be trained (None: it can), from the closed deals (``outcomes``, or any
    frame with opportunity_id and won)."""
    closed = closed_deals.drop_duplicates("opportunity_id")
    won = int(closed["won"].sum()) if len(closed) else 0
    lost = len(closed) - won
    if won < MIN_DEALS_PER_OUTCOME or lost < MIN_DEALS_PER_OUTCOME:
        return (
            f"{won} won and {lost} lost deals in the history; the model needs at least "
            f"{MIN_DEALS_PER_OUTCOME} of each"
        )
    return None


def _pipeline() -> Pipeline:
    # scikit-learn is imported where a model is built or scored, not with this module: a run
    # whose changes reach no model (an entry-screen save) does not pay its ~1-1.8 s import
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    pre = ColumnTransformer(
        [
            ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
            ("num", "passthrough", NUMERIC),
        ]
    )
    base = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.05, max_leaf_nodes=15, random_state=0)
    model = CalibratedClassifierCV(base, method="sigmoid", cv=3)
    return Pipeline([("features", pre), ("model", model)])


def training_rows(labelled: pd.DataFrame, cutoff: dt.date) -> pd.DataFrame:
    """Snapshots before ``cutoff`` of deals whose outcome was known before it (no look-ahead)."""
    cutoff_ts = pd.Timestamp(cutoff)
    return labelled[(labelled["as_of_date"] < cutoff_ts) & (labelled["closed_at"] < cutoff_ts)]


# One OpenMP thread for the gradient boosting. Its threads spin-wait at every barrier, so on a
# busy two-core machine (dbt, Spark or a test run alongside) two threads made the backtest 4x
# slower than one (9.4 s vs 2.2 s at S=1 with one other busy process; minutes under heavy load),
# and one thread is also faster idle (2.2 s vs 3.4 s) and sums histograms in a fixed order.
OPENMP_THREADS = 1


def fit(rows: pd.DataFrame) -> Pipeline:
    model = _pipeline()
    X = rows[CATEGORICAL + NUMERIC].fillna(0)
    with threadpool_limits(limits=OPENMP_THREADS, user_api="openmp"):
        model.fit(X, rows["won"].astype(int))
    return model


def predict(model: Pipeline, feats: pd.DataFrame) -> np.ndarray:
    with threadpool_limits(limits=OPENMP_THREADS, user_api="openmp"):
        return model.predict_proba(feats[CATEGORICAL + NUMERIC].fillna(0))[:, 1]


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def add_quarters(day: dt.date, n: int) -> dt.date:
    months = day.year * 12 + day.month - 1 + 3 * n
    return dt.date(months // 12, months % 12 + 1, 1)


@dataclass
class BacktestQuarter:
    quarter: str
    train_rows: int
    test_rows: int
    brier_ml: float
    brier_stage: float
    auc_ml: float
    auc_stage: float


@dataclass
class WinProbabilityReport:
    quarters: list[BacktestQuarter] = field(default_factory=list)
    pooled: dict = field(default_factory=dict)


# Below this many training rows in all (the five frames together) every fit runs in this process.
# A fit costs ~0.6 s CPU plus ~0.07 s per 1,000 rows (two cores, load ~3); a helper process ~2.3 s
# CPU of imports (scikit-learn, SciPy, pandas) before it takes its first frame. At S=1 (~20,000
# rows, 4.3 s CPU of fits) a helper could take over ~1.5 s of fitting for 2.3 s more CPU; at S=10
# (~200,000 rows, 18 s CPU) it takes about half (docs/performance.md, issue 16).
MIN_ROWS_FOR_HELPERS = 40_000


def processes_for(frames: list[pd.DataFrame], configured: int) -> int:
    """How many processes fit ``frames`` (``kernel.settings.fit_processes``, at most the cores and
    the fits; 1 on thin data, ``MIN_ROWS_FOR_HELPERS``)."""
    if sum(len(frame) for frame in frames) < MIN_ROWS_FOR_HELPERS:
        return 1
    return max(1, min(configured, os.cpu_count() or 1, len(frames)))


def fit_all(frames: list[pd.DataFrame], processes: int = 1) -> list[Pipeline]:
    """``[fit(frame) for frame in frames]`` on ``processes`` processes, the largest frame first
    (``models_ml/parallel_fits.py``). The same models either way: each fit is seeded and runs on
    one OpenMP thread wherever it runs (tests/test_win_probability_processes.py). Only the columns
    a fit reads are sent to a helper."""
    slim = [frame[CATEGORICAL + NUMERIC + ["won"]] for frame in frames]
    return map_largest_first(fit, slim, processes)


@dataclass
class _Split:
    quarter: dt.date
    train: pd.DataFrame
    test: pd.DataFrame


def _splits(labelled: pd.DataFrame, quarters: list[dt.date]) -> list[_Split]:
    """Each quarter's training rows (what was known at its start) and test rows (its weekly
    snapshots); a quarter without both outcomes in both is skipped."""
    splits = []
    for q in quarters:
        q_end = add_quarters(q, 1)
        train = training_rows(labelled, q)
        test = labelled[(labelled["as_of_date"] >= pd.Timestamp(q)) & (labelled["as_of_date"] < pd.Timestamp(q_end))]
        if train["won"].nunique() < 2 or test["won"].nunique() < 2:
            log.warning("backtest quarter %s skipped: not enough labelled rows", q)
            continue
        log.info("win probability backtest %s: %d training rows, %d test rows", q, len(train), len(test))
        splits.append(_Split(q, train, test))
    return splits


def backtest(
    labelled: pd.DataFrame, quarters: list[dt.date], cutoff: dt.date, processes: int = 1
) -> tuple[WinProbabilityReport, dict, Pipeline | None]:
    """For each quarter: train on what was known at its start, score its weekly snapshots; and the
    final model, trained on what was known before ``cutoff``. The fits are independent and run at
    once on up to ``processes`` processes (``processes_for``).

    Returns the report, the fitted model per quarter (re-used by the bookings backtest) and the
    final model; no quarter with both outcomes: an empty report and nothing fitted (None).
    """
    from sklearn.metrics import brier_score_loss, roc_auc_score

    report = WinProbabilityReport()
    splits = _splits(labelled, quarters)
    if not splits:
        return report, {}, None
    frames = [split.train for split in splits] + [training_rows(labelled, cutoff)]
    *quarter_models, final = fit_all(frames, processes_for(frames, processes))
    all_y, all_ml, all_stage = [], [], []
    for split, model in zip(splits, quarter_models, strict=True):
        q, test = split.quarter, split.test
        p_ml = predict(model, test)
        y = test["won"].to_numpy()
        p_stage = test["stage_probability"].to_numpy()
        report.quarters.append(
            BacktestQuarter(
                quarter=f"{q.year}Q{(q.month - 1) // 3 + 1}",
                train_rows=len(split.train),
                test_rows=len(test),
                brier_ml=round(float(brier_score_loss(y, p_ml)), 4),
                brier_stage=round(float(brier_score_loss(y, p_stage)), 4),
                auc_ml=round(float(roc_auc_score(y, p_ml)), 4),
                auc_stage=round(float(roc_auc_score(y, p_stage)), 4),
            )
        )
        all_y.append(y), all_ml.append(p_ml), all_stage.append(p_stage)
    y, p_ml, p_stage = np.concatenate(all_y), np.concatenate(all_ml), np.concatenate(all_stage)
    report.pooled = {
        "rows": int(len(y)),
        "brier_ml": round(float(brier_score_loss(y, p_ml)), 4),
        "brier_stage": round(float(brier_score_loss(y, p_stage)), 4),
        "auc_ml": round(float(roc_auc_score(y, p_ml)), 4),
        "auc_stage": round(float(roc_auc_score(y, p_stage)), 4),
    }
    return report, {split.quarter: m for split, m in zip(splits, quarter_models, strict=True)}, final


def save_model(model: Pipeline, models_dir: Path, version: str, metadata: dict) -> Path:
    """Model file plus a JSON card (version, training window, metrics) under ``models_dir``."""
    folder = models_dir / MODEL_NAME / version
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, folder / "model.joblib")
    (folder / "card.json").write_text(json.dumps(metadata, indent=2, default=str, ensure_ascii=False), "utf-8")
    return folder
