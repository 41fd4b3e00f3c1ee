"""Quarter bookings forecast: closed won so far + ML-weighted open pipeline + run-rate.

For a quarter Q seen from date A (end of day):
  forecast = won in Q by A
           + sum(win probability x amount) of deals open at A with a close date in [A, Q end]
           + run-rate x share of Q still ahead,
where the run-rate of an owner is the average, over the previous four quarters, of the amount
won in deals created and won within the same quarter (business that does not exist yet at A).
The baseline is the plain weighted pipeline: won by A + stage probability x amount.
``backtest`` compares both with what actually closed in past quarters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from models_ml import win_probability as wp

RUN_RATE_QUARTERS = 4


def won_deals(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every won deal: owner, department, amount, created and won moments."""
    return con.execute(
        f"""select o.opportunity_id, o.owner_id, o.department_id,
                  cast(v.amount as double) as amount,
                  cast(v.opportunity_created_at as date) as created_date,
                  cast(v.valid_from as date) as won_date
           from sales.opportunity_versions v join {wp.ATTRIBUTES_TABLE} o using (opportunity_id)
           where v.is_won"""
    ).df()


def run_rate(won: pd.DataFrame, quarter: dt.date, as_of: dt.date | None = None) -> pd.DataFrame:
    """Per owner/department: mean in-quarter-created-and-won amount over the previous quarters."""
    won = won.copy()
    won["created_q"] = pd.to_datetime(won["created_date"]).dt.to_period("Q")
    won["won_q"] = pd.to_datetime(won["won_date"]).dt.to_period("Q")
    first = wp.add_quarters(quarter, -RUN_RATE_QUARTERS)
    known_by = pd.Timestamp(as_of or quarter)
    same = won[
        (won["created_q"] == won["won_q"])
        & (pd.to_datetime(won["won_date"]) >= pd.Timestamp(first))
        & (pd.to_datetime(won["won_date"]) < pd.Timestamp(quarter))
        & (pd.to_datetime(won["won_date"]) < known_by)
    ]
    rate = same.groupby(["owner_id", "department_id"], as_index=False)["amount"].sum()
    rate["run_rate_amount"] = rate["amount"] / RUN_RATE_QUARTERS
    return rate[["owner_id", "department_id", "run_rate_amount"]]


def quarter_share_left(quarter: dt.date, as_of: dt.date) -> float:
    """Share of the quarter after the end of day ``as_of`` (1.0 the day before it starts)."""
    end = wp.add_quarters(quarter, 1)
    total = (end - quarter).days
    left = (end - max(as_of + dt.timedelta(days=1), quarter)).days
    return max(0.0, min(1.0, left / total))


def forecast_quarter(
    con: duckdb.DuckDBPyConnection, quarter: dt.date, as_of: dt.date, model
) -> dict:
    """ML and baseline forecast of quarter ``quarter`` as seen at the end of ``as_of``."""
    q_end = wp.add_quarters(quarter, 1)
    won = won_deals(con)
    won_dates = pd.to_datetime(won["won_date"])
    won_so_far = float(
        won.loc[(won_dates >= pd.Timestamp(quarter)) & (won_dates <= pd.Timestamp(as_of)), "amount"].sum()
    )
    open_ = wp.features_as_of(con, [as_of])
    close = pd.to_datetime(open_["close_date"])
    in_q = open_[(close >= pd.Timestamp(max(as_of, quarter))) & (close < pd.Timestamp(q_end))]
    p_ml = wp.predict(model, in_q) if len(in_q) else np.array([])
    ml_pipeline = float((p_ml * in_q["amount"].to_numpy()).sum())
    stage_pipeline = float((in_q["stage_probability"] * in_q["amount"]).sum())
    rr = float(run_rate(won, quarter, as_of)["run_rate_amount"].sum()) * quarter_share_left(quarter, as_of)
    actual = float(won.loc[(won_dates >= pd.Timestamp(quarter)) & (won_dates < pd.Timestamp(q_end)), "amount"].sum())
    return {
        "won_so_far": won_so_far,
        "ml_pipeline": ml_pipeline,
        "run_rate": rr,
        "ml_forecast": won_so_far + ml_pipeline + rr,
        "weighted_baseline": won_so_far + stage_pipeline,
        "actual": actual,
    }


@dataclass
class ForecastBacktestRow:
    quarter: str
    as_of: str
    actual: float
    ml_forecast: float
    weighted_baseline: float
    ml_abs_pct_error: float
    baseline_abs_pct_error: float


def backtest(con: duckdb.DuckDBPyConnection, models: dict) -> tuple[list[ForecastBacktestRow], dict]:
    """Forecast each backtest quarter at its start and at mid-quarter with the model trained at its start."""
    rows = []
    for quarter, model in models.items():
        for label, as_of in (
            ("start", quarter - dt.timedelta(days=1)),
            ("mid", quarter + dt.timedelta(days=44)),
        ):
            f = forecast_quarter(con, quarter, as_of, model)
            actual = f["actual"] or np.nan
            rows.append(
                ForecastBacktestRow(
                    quarter=f"{quarter.year}Q{(quarter.month - 1) // 3 + 1}",
                    as_of=f"{label} ({as_of})",
                    actual=round(f["actual"], 2),
                    ml_forecast=round(f["ml_forecast"], 2),
                    weighted_baseline=round(f["weighted_baseline"], 2),
                    ml_abs_pct_error=round(abs(f["ml_forecast"] - f["actual"]) / actual, 4),
                    baseline_abs_pct_error=round(abs(f["weighted_baseline"] - f["actual"]) / actual, 4),
                )
            )
    summary = {}
    if rows:
        summary = {
            "mape_ml": round(float(np.nanmean([r.ml_abs_pct_error for r in rows])), 4),
            "mape_weighted_baseline": round(float(np.nanmean([r.baseline_abs_pct_error for r in rows])), 4),
        }
    return rows, summary
