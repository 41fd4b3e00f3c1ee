"""Sales ML: train, backtest and score the win-probability model and compute the run-rate part of
the quarter bookings forecast, in one step that writes both tables (sales.win_probability,
sales.bookings_forecast_ml); dbt's forecast marts read them back (dbt sources with these asset
keys). It reads only tables built before company resolution (MODEL_INPUTS), so it runs after the
first dbt step and the forecast marts build in the second: two dbt processes a run, not three.

The warehouse is opened read-write only inside the step and closed at its end (one writer).
"""


import datetime as dt
import json
import pickle
from importlib.metadata import version as package_version

import dagster as dg
import duckdb
import pandas as pd

from kernel.outcomes import record_outcome
from kernel.settings import fit_processes
from models_ml import bookings_forecast as bf
from models_ml import win_probability as wp
from pipelines import duckdb_session, reuse
from pipelines.resources import LakehouseResource
from pipelines.typed_tables import write_typed

BACKTEST_QUARTERS = 4
CAPABILITY = "sales.win_probability"


def _version(end: dt.date) -> str:
    return f"wp-{end:%Y%m%d}-{dt.datetime.now():%H%M%S}"


SCORE_COLUMNS = {
    "opportunity_id": "bigint", "as_of_date": "date", "win_probability": "double",
    "stage_probability": "double", "model_version": "varchar",
}
RUN_RATE_COLUMNS = {
    "quarter_start": "date", "owner_id": "bigint", "department_id": "bigint",
    "run_rate_amount": "double", "model_version": "varchar",
}
BASELINE_VERSION = "baseline: stage probability"
# What the model reads and writes: the same input rows give the same fit and scores (fixed seeds,
# one thread), so a run whose dbt step rebuilt them unchanged keeps them (pipelines/reuse.py).
MODEL_INPUTS = ("sales.opportunity_versions", wp.ATTRIBUTES_TABLE, wp.AS_OF_TABLE)
MODEL_OUTPUTS = ("sales.win_probability", "sales.bookings_forecast_ml")


def _scores(feats: pd.DataFrame, probability, version: str) -> pd.DataFrame:
    """One row per open deal of ``feats``: its win probability next to the stage baseline."""
    return pd.DataFrame(
        {
            "opportunity_id": feats["opportunity_id"].astype("int64"),
            "as_of_date": pd.to_datetime(feats["as_of_date"]).dt.date,
            "win_probability": probability,
            "stage_probability": feats["stage_probability"],
            "model_version": version,
        }
    )


def baseline(con: duckdb.DuckDBPyConnection, end: dt.date | None, reason: str) -> dict:
    """Stage probability as the win probability of every open deal; no run-rate.

    The forecast then equals the plain weighted pipeline, the product's baseline.
    """
    if end is None:
        scores = pd.DataFrame(columns=list(SCORE_COLUMNS))
    else:
        feats = wp.features_as_of(con, [end])
        scores = _scores(feats, feats["stage_probability"], BASELINE_VERSION)
    return {"status": "baseline", "reason": reason, "card": None, "folder": None, "scores": scores,
            "run_rates": pd.DataFrame(columns=list(RUN_RATE_COLUMNS))}


FIT_CACHE = "win_probability_fit.pickle"  # beside the fits' folders, in the lakehouse's models/


def _fit(labelled: pd.DataFrame, quarters: list[dt.date], cutoff: dt.date, end: dt.date, models_dir,
         log) -> dict | None:
    """The backtest models, the model card and the final model for this training frame: the last
    run's when it learned from exactly this frame (same rows, quarters, cutoff and code), else
    fitted now and kept. None when no backtest quarter has both outcomes. The kept file is read
    only when it is a regular file the pipeline wrote (never through a symlink)."""
    from pipelines.run_inputs import code_fingerprint

    key = f"{wp.frame_digest(labelled)}|{quarters}|{cutoff}|{code_fingerprint()}|{package_version('scikit-learn')}"
    cache = models_dir / FIT_CACHE
    try:  # plain pickle: joblib's loader took 7.7 s for the five fits, pickle 0.04 s (S=1)
        kept = None if cache.is_symlink() else pickle.loads(cache.read_bytes())
    except Exception:  # noqa: BLE001 - no cache, or one from another version: fit
        kept = None
    if isinstance(kept, dict) and kept.get("key") == key and (kept["folder"] / "model.joblib").exists():
        log(f"win probability: the training rows before {cutoff} are those of fit {kept['version']}; kept")
        return kept
    cache.unlink(missing_ok=True)
    report, models, model = wp.backtest(labelled, quarters, cutoff, processes=fit_processes())
    if model is None:
        return None
    log(f"win probability backtest pooled: {report.pooled}")
    train = wp.training_rows(labelled, cutoff)
    version = _version(end)
    card = {
        "model": wp.MODEL_NAME,
        "version": version,
        "training_window": {
            "from": str(train["as_of_date"].min().date()),
            "to": str(train["as_of_date"].max().date()),
            "rows": len(train),
            "outcomes_known_before": str(cutoff),
        },
        "features": wp.CATEGORICAL + wp.NUMERIC,
        "calibration": "sigmoid, 3-fold (CalibratedClassifierCV)",
        "backtest": {
            "quarters": [q.__dict__ for q in report.quarters],
            "pooled": report.pooled,
        },
    }
    folder = wp.save_model(model, models_dir, version, card)
    fitted = {"key": key, "models": models, "model": model, "version": version, "folder": folder, "card": card}
    tmp = cache.with_name(f".{cache.name}.tmp")
    tmp.write_bytes(pickle.dumps(fitted, protocol=pickle.HIGHEST_PROTOCOL))
    tmp.replace(cache)
    return fitted


def train_and_score(con: duckdb.DuckDBPyConnection, models_dir, log=None) -> dict:
    """Backtest on the last quarters, train on what was known before the as-of week
    (``wp.training_cutoff``), score open deals as of today.

    With too little history (no opportunities, too few won or lost deals, or no recent quarter
    to backtest on) the result is the stage-probability baseline, with the reason.
    """
    log = log or (lambda msg: None)
    end = wp.data_end(con)
    if end is None:
        return baseline(con, None, "no opportunities")
    if reason := wp.readiness(wp.outcomes(con)):
        return baseline(con, end, reason)
    current = wp.quarter_start(end)
    cutoff = wp.training_cutoff(end)
    labelled = wp.labelled_frame(con, cutoff)
    log(f"{len(labelled)} labelled weekly snapshot rows before {cutoff}")
    quarters = [wp.add_quarters(current, -k) for k in range(BACKTEST_QUARTERS, 0, -1)]
    fitted = _fit(labelled, quarters, cutoff, end, models_dir, log)
    if fitted is None:
        return baseline(
            con, end, f"none of the last {BACKTEST_QUARTERS} quarters has both won and lost deals to backtest on"
        )
    forecast_rows, forecast_summary = bf.backtest(con, fitted["models"])
    log(f"bookings forecast backtest: {forecast_summary}")
    card = {**fitted["card"], "bookings_forecast_backtest": {
        "rows": [r.__dict__ for r in forecast_rows], "summary": forecast_summary}}
    (models_dir / "latest_backtest.json").write_text(json.dumps(card, indent=2, default=str, ensure_ascii=False), "utf-8")

    version = fitted["version"]
    feats = wp.features_as_of(con, [end])
    scores = _scores(feats, wp.predict(fitted["model"], feats).round(4), version)
    run_rates = bf.run_rate(bf.won_deals(con), current, end)
    share = bf.quarter_share_left(current, end)
    run_rates = run_rates.assign(
        quarter_start=current,
        run_rate_amount=(run_rates["run_rate_amount"] * share).round(2),
        model_version=version,
    )[list(RUN_RATE_COLUMNS)]
    return {"status": "computed", "reason": "", "card": card, "folder": fitted["folder"], "scores": scores,
            "run_rates": run_rates}


# Everything the model reads, all built before company resolution: it scores right after the
# first dbt step, and the forecast marts that read its two tables build in the second.
MODEL_INPUT_KEYS = [dg.AssetKey(table.split(".")) for table in MODEL_INPUTS]


@dg.multi_asset(
    name="sales__win_probability",
    group_name="sales",
    specs=[
        dg.AssetSpec(
            ["sales", "win_probability"], deps=MODEL_INPUT_KEYS,
            description="Calibrated win probability of open deals (models_ml/win_probability.py); "
            "trains, backtests against the stage baseline, saves the model card, scores.",
        ),
        dg.AssetSpec(
            ["sales", "bookings_forecast_ml"], deps=MODEL_INPUT_KEYS,
            description="Run-rate part of the quarter bookings forecast per owner, written by the "
            "same model run (one step: the forecast marts read both tables).",
        ),
    ],
)
def win_probability(context: dg.AssetExecutionContext, lakehouse: LakehouseResource):
    settings = lakehouse.settings
    models_dir = settings.lakehouse_dir / "models"

    def compute() -> dict:
        result = train_and_score(con, models_dir, log=context.log.info)
        write_typed(con, "sales.win_probability", result["scores"], SCORE_COLUMNS)
        write_typed(con, "sales.bookings_forecast_ml", result["run_rates"], RUN_RATE_COLUMNS)
        record_outcome(con, CAPABILITY, result["status"], result["reason"], scored=len(result["scores"]))
        card = result["card"]
        if card is None:
            context.log.warning(f"win probability not computed: {result['reason']}; scores are the stage probability")
            return {"outcome": "baseline: stage probability", "reason": result["reason"],
                    "scored": len(result["scores"])}
        return {
            "model_version": card["version"],
            "scored": len(result["scores"]),
            "brier_ml": card["backtest"]["pooled"].get("brier_ml"),
            "brier_stage": card["backtest"]["pooled"].get("brier_stage"),
            "auc_ml": card["backtest"]["pooled"].get("auc_ml"),
            "auc_stage": card["backtest"]["pooled"].get("auc_stage"),
            "model_folder": str(result["folder"]),
        }

    con = duckdb_session.connect(str(settings.warehouse_path))
    try:
        metadata, reused = reuse.run_or_reuse(con, settings, "sales.win_probability", inputs=MODEL_INPUTS,
                                              outputs=MODEL_OUTPUTS, compute=compute)
        owners, run_rate_total = con.execute(
            "select count(*), coalesce(sum(run_rate_amount), 0) from sales.bookings_forecast_ml"
        ).fetchone()
    finally:
        con.close()
    if reused:
        context.log.info("win probability: its input tables are those of the last fit; scores and model kept")
    yield dg.MaterializeResult(asset_key=["sales", "win_probability"], metadata={**metadata, "reused": reused})
    yield dg.MaterializeResult(asset_key=["sales", "bookings_forecast_ml"],
                               metadata={"owners": owners, "run_rate_total": float(run_rate_total)})


defs = dg.Definitions(assets=[win_probability])
