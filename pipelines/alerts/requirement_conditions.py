"""Alert rule kind ``requirement_released``: a requirement customers asked for was released, and the
agent has not told a customer yet (issue 21).

One condition per pending ``requirement_followups`` row (requirement × customer), read live from
the store like the approvals; the people are the follow-up's owner (the agent of the customer's
first linked ticket). Marking it notified on the 需求与回访 page ends the condition, so the next
evaluation closes the alert. Account names come from the snapshot when it has them.
"""

from __future__ import annotations

import sqlalchemy as sa

from kernel.config.alerts import AlertRule
from operational.alerts import Condition
from operational.models.requirements import ProductRequirement, RequirementFollowup
from pipelines.alerts.messages import bilingual
from pipelines.alerts.people import table_exists


def _account_names(con, account_ids: list[int]) -> dict[int, str]:
    if not account_ids or not table_exists(con, "intermediate.int_accounts_unioned"):
        return {}
    marks = ", ".join("?" for _ in account_ids)
    return dict(con.execute(f"select account_id, account_name from intermediate.int_accounts_unioned "
                            f"where account_id in ({marks})", account_ids).fetchall())


def requirement_released(rule: AlertRule, ctx) -> list[Condition]:
    """Customers still to be told that the requirement they raised was released."""
    rows = ctx.session.execute(
        sa.select(RequirementFollowup, ProductRequirement.title)
        .join(ProductRequirement, ProductRequirement.requirement_id == RequirementFollowup.requirement_id)
        .where(RequirementFollowup.status == "pending", RequirementFollowup.deleted_at.is_(None))
        .order_by(RequirementFollowup.id)).all()
    names = _account_names(ctx.con, sorted({f.account_id for f, _ in rows}))
    out = []
    for f, title in rows:
        customer = names.get(f.account_id) or f"客户 {f.account_id}"
        people = ctx.people.resolve(rule.recipients, {"owner_id": f.owner_id}, rule.chain_levels)
        if not people and rule.fallback_recipients:
            people = ctx.people.resolve(rule.fallback_recipients, {"owner_id": f.owner_id}, rule.chain_levels)
        out.append(Condition(
            subject_type="requirement_followup", subject_id=f"{f.requirement_id}|{f.account_id}",
            state=f"released:{f.release_version}",
            title=f"需求已发布，请回访 {customer}：{title}（{f.release_version}）",
            body=bilingual(
                f"需求 {f.requirement_id}「{title}」已于 {f.released_on} 在版本 {f.release_version} 发布。"
                f"请告知客户 {customer}（工单 {f.ticket_nos}），并在「需求与回访」页标记已通知。",
                f"Requirement {f.requirement_id} ({title}) was released in {f.release_version} on {f.released_on}: "
                f"tell {customer} (tickets {f.ticket_nos}) and mark it notified."),
            recipients=tuple(people), link=f"{ctx.app_url}/requirements?followup_id={f.id}",
            facts={"requirement_id": f.requirement_id, "account_id": f.account_id,
                   "release_version": f.release_version, "ticket_nos": f.ticket_nos}))
    return out
