"""The payment-risk asset: scores every open installment with the payment-delay model
(models_ml/payment_delay.py) and keeps its out-of-time backtest; with too little settled
history it scores the base rate instead and says why."""

import dagster as dg
import duckdb
import pandas as pd

from kernel.outcomes import delivered_entities, missing_inputs, record_outcome
from models_ml import payment_delay
from pipelines import duckdb_session, reuse
from pipelines.resources import LakehouseResource
from pipelines.typed_tables import write_typed

CAPABILITY = "finance.payment_risk"
INSTALLMENTS = dg.AssetKey(["finance", "installments"])

SCORE_COLUMNS = {
    "installment_id": "bigint", "account_id": "bigint", "account_name": "varchar", "owner_id": "bigint",
    "owner_name": "varchar", "department_name": "varchar", "contract_no": "varchar", "order_no": "varchar",
    "batch_no": "bigint", "due_date": "date", "amount": "decimal(18, 2)", "open_amount": "decimal(18, 2)",
    "status": "varchar", "prior_count": "bigint", "prior_share_late30": "double",
    "late30_probability": "double", "risk_band": "varchar", "model_version": "varchar",
}
BACKTEST_COLUMNS = {
    "cutoff": "date", "n_train": "bigint", "n_test": "bigint", "base_rate_test": "double", "auc": "double",
    "brier": "double", "brier_base": "double", "precision_top_decile": "double",
    "recall_top_decile": "double", "model_version": "varchar",
}


def score_installments(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """(scores, backtest, reason): the model's, or the base rate's with the reason it was used."""
    frame = payment_delay.features(con)
    reason = "; ".join(missing_inputs(con, CAPABILITY)) or payment_delay.readiness(frame)
    if not reason:
        try:
            backtest = payment_delay.backtest(frame)
        except payment_delay.NotEnoughHistory as exc:
            reason = str(exc)
        else:
            return payment_delay.score(frame), backtest.as_frame(), ""
    return payment_delay.score_base_rate(frame), pd.DataFrame(columns=list(BACKTEST_COLUMNS)), reason


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["finance", "payment_risk"], deps=[INSTALLMENTS], group_name="finance",
                     description="Probability each open installment is paid >30 days late."),
        dg.AssetSpec(["finance", "payment_risk_backtest"], deps=[INSTALLMENTS], group_name="finance",
                     description="Out-of-time backtest of the payment-delay model."),
    ],
)
def payment_risk(context: dg.AssetExecutionContext, lakehouse: LakehouseResource):
    settings = lakehouse.settings

    def compute() -> dict:
        scores, backtest, reason = score_installments(con)
        write_typed(con, "finance.payment_risk", scores, SCORE_COLUMNS)
        write_typed(con, "finance.payment_risk_backtest", backtest, BACKTEST_COLUMNS)
        record_outcome(con, CAPABILITY, "baseline" if reason else "computed", reason, scored=len(scores))
        if reason:
            context.log.warning(f"payment-delay model not computed: {reason}; open installments get the base rate")
            meta = {"outcome": payment_delay.BASELINE_VERSION, "reason": reason}
            return {"payment_risk": {**meta, "scored": len(scores)}, "payment_risk_backtest": meta}
        bt = backtest.iloc[0]
        context.log.info(f"payment risk: {bt.to_dict()}")
        return {
            "payment_risk": {"scored": len(scores)},
            "payment_risk_backtest": {"auc": round(float(bt.auc), 4), "brier": round(float(bt.brier), 4),
                                      "n_test": int(bt.n_test)},
        }

    with duckdb_session.connect(str(settings.warehouse_path)) as con:
        # the capability's verdict also reads which entities staging holds
        delivered = ",".join(sorted(delivered_entities(con)))
        metadata, reused = reuse.run_or_reuse(con, settings, CAPABILITY, inputs=["finance.installments"],
                                              outputs=["finance.payment_risk", "finance.payment_risk_backtest"],
                                              compute=compute, extra=delivered)
    if reused:
        context.log.info("payment risk: the installments are those of the last fit; scores and backtest kept")
    for name in ("payment_risk", "payment_risk_backtest"):
        yield dg.MaterializeResult(asset_key=["finance", name], metadata={**metadata[name], "reused": reused})
