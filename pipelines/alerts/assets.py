"""The asset after publish: evaluate the alert rules on the new snapshot and send the outbox.

It runs after the snapshot is swapped in, so nothing it does can hold back or undo a publish:
a failing channel is retried by the next evaluation (or ``crmlake alerts send``) and listed in
the asset's metadata; an evaluation that breaks is logged as an error and reported "not
computed" here, never as a failed run.
"""

import dagster as dg

from pipelines.alerts.run import evaluate_published, send_pending
from pipelines.publish.assets import PUBLISHED_KEY
from pipelines.resources import LakehouseResource

ALERTS_KEY = dg.AssetKey(["alerts", "outbox"])


@dg.asset(
    key=ALERTS_KEY,
    group_name="publish",
    deps=[PUBLISHED_KEY],
    kinds={"python"},
    description="Alert rules (alerts.yml) over the published snapshot and the store: alerts opened, "
    "re-notified or closed in the store's outbox, then sent (e-mail, WeCom, DingTalk, Feishu).",
)
def alerts_outbox(context: dg.AssetExecutionContext, lakehouse: LakehouseResource) -> dg.MaterializeResult:
    try:
        evaluation = evaluate_published(lakehouse.settings)
        delivery = send_pending(lakehouse.settings)
    except Exception as exc:  # noqa: BLE001 - the publish stands; the reason is reported
        context.log.error(f"alerts not computed: {type(exc).__name__}: {exc}")
        return dg.MaterializeResult(metadata={"outcome": f"not computed: {type(exc).__name__}: {exc}"})
    for line in evaluation.lines():
        context.log.info(line)
    context.log.info(f"alerts send: {delivery.summary()}")
    for error in delivery.errors[:20]:
        context.log.warning(f"alert message failed: {error}")
    return dg.MaterializeResult(metadata={
        "outcome": evaluation.outcome,
        "seconds": round(evaluation.seconds, 3),
        "per_rule": dg.MetadataValue.json({r.rule_id: {"outcome": r.outcome, "conditions": r.conditions,
                                                        "opened": r.opened, "renotified": r.renotified,
                                                        "closed": r.closed} for r in evaluation.rules}),
        "sent": delivery.sent, "failed": delivery.failed, "gave_up": delivery.gave_up,
    })


defs = dg.Definitions(assets=[alerts_outbox])
