"""Opportunities: create, advance through the sales stages, close won or lost.

Stage names, order, probability and forecast category come from the business settings
(``sales.yml`` ``stages`` in the settings folder, the stage list the marts read too), so the
store and the marts never disagree. ``STAGE_REQUIREMENTS`` says which fields a stage needs
before an opportunity may enter it; every stage change writes ``opportunity_stage_history``.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kernel.config import current_business_settings
from kernel.config.model import Stage
from operational import records
from operational.db import now_local
from operational.errors import ValidationError
from operational.models import Contact, Opportunity, OpportunityStageHistory
from operational.reference import Reference
from operational.scope import Viewer, require_screen

WON, LOST = "赢单", "输单"

# fields an opportunity must carry to ENTER the stage (cumulative: later stages add to earlier ones)
STAGE_REQUIREMENTS: dict[str, tuple[str, ...]] = {
    "初步接洽": ("opportunity_name", "account_id"),
    "需求确认": ("amount", "next_step"),
    "方案报价": ("amount", "close_date"),
    "商务谈判": ("amount", "close_date", "decision_maker_contact_id", "quote_id"),
    WON: ("amount", "close_date", "contract_number"),
    LOST: ("loss_reason",),
}
FIELD_LABELS = {
    "amount": "金额 Amount",
    "close_date": "预计成交日期 Close date",
    "next_step": "下一步 Next step",
    "decision_maker_contact_id": "决策人 Decision maker",
    "quote_id": "报价单 Quote",
    "contract_number": "合同号 Contract number",
    "loss_reason": "输单原因 Loss reason",
    "opportunity_name": "商机名称 Name",
    "account_id": "客户 Account",
}
# a quote must have got this far before negotiation starts
QUOTE_READY = ("approved", "accepted")


def stages() -> dict[str, dict[str, Any]]:
    """Stage name → order, probability, forecast category, closed/won flags (``sales.yml``)."""
    return _stage_table(tuple(current_business_settings().sales.stages))


@lru_cache(maxsize=4)
def _stage_table(configured: tuple[Stage, ...]) -> dict[str, dict[str, Any]]:
    out = {
        s.name: {
            "order": s.order,
            "probability": float(s.probability),
            "forecast_category": s.forecast_category,
            "is_closed": s.is_closed,
            "is_won": s.is_won,
        }
        for s in configured
    }
    missing = set(STAGE_REQUIREMENTS) ^ set(out)
    if missing:
        raise RuntimeError(
            f"the stages of sales.yml and the entry screens' STAGE_REQUIREMENTS disagree on "
            f"{sorted(missing)}: the entry screens know the stages {sorted(STAGE_REQUIREMENTS)}"
        )
    return out


def open_stages() -> list[str]:
    """Open stages in sales order."""
    return [s for s, v in sorted(stages().items(), key=lambda kv: kv[1]["order"]) if not v["is_closed"]]


def requirements(stage: str) -> list[str]:
    """Every field an opportunity needs to be in ``stage`` (the stage's and all earlier open stages')."""
    info = stages()[stage]
    needed: list[str] = []
    earlier = [s for s in open_stages() if stages()[s]["order"] <= info["order"]] if stage != LOST else [stage]
    for s in (*earlier, stage):
        for f in STAGE_REQUIREMENTS[s]:
            if f not in needed:
                needed.append(f)
    return needed


def _stage_values(stage: str) -> dict[str, Any]:
    info = stages()[stage]
    status = "won" if info["is_won"] else "lost" if info["is_closed"] else "open"
    return {
        "stage": stage,
        "status": status,
        "forecast_category": info["forecast_category"],
        "win_rate_pct": round(info["probability"] * 100),
    }


def _missing(session: Session, row: dict[str, Any], stage: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    for f in requirements(stage):
        value = row.get(f)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors[f] = f"进入「{stage}」须填写 {FIELD_LABELS.get(f, f)} Required for stage {stage}"
    if "quote_id" in requirements(stage) and row.get("quote_id") is not None and "quote_id" not in errors:
        errors |= _quote_errors(session, row)
    if row.get("decision_maker_contact_id") is not None and "decision_maker_contact_id" not in errors:
        contact = session.get(Contact, row["decision_maker_contact_id"])
        if contact is not None and contact.account_id != row.get("account_id"):
            errors["decision_maker_contact_id"] = "决策人须为该客户的联系人 The decision maker must be a contact of this account"
    return errors


def _quote_errors(session: Session, row: dict[str, Any]) -> dict[str, str]:
    """The quote must belong to this opportunity and be approved (quotes live in models.orders)."""
    try:
        from operational.models.orders import Quote
    except ImportError:  # quotes not installed: the id alone is the evidence
        return {}
    quote = session.get(Quote, row["quote_id"])
    if quote is None or quote.deleted_at is not None:
        return {"quote_id": f"报价单 {row['quote_id']} 不存在 Quote {row['quote_id']} does not exist"}
    if quote.opportunity_id != row.get("id"):
        return {"quote_id": "报价单不属于该商机 The quote belongs to another opportunity"}
    if quote.status not in QUOTE_READY:
        return {"quote_id": f"报价单须已审批（当前 {quote.status}） The quote must be approved first (it is {quote.status})"}
    return {}


def _history(session: Session, viewer: Viewer, opp: Opportunity, from_stage: str | None,
             at: dt.datetime, reference: Reference | None) -> None:
    records.insert(
        session, viewer, OpportunityStageHistory,
        {"owner_id": opp.owner_id, "opportunity_id": opp.id, "from_stage": from_stage, "to_stage": opp.stage,
         "amount": opp.amount, "changed_by": viewer.crm_user_id, "close_date": opp.close_date, "changed_at": at},
        reference=reference,
    )


def create_opportunity(session: Session, viewer: Viewer, values: dict[str, Any], *,
                       reference: Reference | None = None) -> Opportunity:
    """A new open opportunity, at the first stage unless another open stage is given (and satisfied)."""
    require_screen(viewer, "opportunities")
    values = dict(values)
    stage = values.pop("stage", None) or open_stages()[0]
    if stage not in open_stages():
        raise ValidationError({"stage": f"新商机须在进行中的阶段 A new opportunity starts at an open stage: {', '.join(open_stages())}"})
    values.setdefault("owner_id", viewer.crm_user_id)
    if values.get("department_id") is None and values.get("owner_id") is not None:
        ref = reference if reference is not None else Reference.load()
        values["department_id"] = ref.department_of(int(values["owner_id"]))
    values |= _stage_values(stage)
    typed, type_errors = records.coerce(Opportunity, values)
    errors = {**_missing(session, typed, stage), **type_errors}
    if errors:
        raise ValidationError(errors)
    opp = records.insert(session, viewer, Opportunity, values, reference=reference)
    _history(session, viewer, opp, None, opp.created_at, reference)
    return opp


def advance_stage(session: Session, viewer: Viewer, opportunity_id: int, new_stage: str,
                  values: dict[str, Any], expected_version: int, *,
                  reference: Reference | None = None) -> Opportunity:
    """Move an open opportunity to another open stage, saving ``values`` with it.

    The target stage's required fields are checked on the row after the change; a message names
    each missing field.
    """
    require_screen(viewer, "opportunities")
    if new_stage in (WON, LOST):
        raise ValidationError({"stage": "请用「赢单」/「输单」关闭商机 Use close won / close lost to close"})
    if new_stage not in stages():
        raise ValidationError({"stage": f"未知阶段 {new_stage} Unknown stage; one of {', '.join(open_stages())}"})
    opp = records.get(session, viewer, Opportunity, opportunity_id, reference=reference)
    return _move(session, viewer, opp, new_stage, values, expected_version, "advance_stage", reference)


def _move(session: Session, viewer: Viewer, opp: Opportunity, new_stage: str, values: dict[str, Any],
          expected_version: int, action: str, reference: Reference | None) -> Opportunity:
    if opp.version != expected_version:
        return records.update(session, viewer, opp, {}, expected_version)  # raises StaleRecordError
    if opp.status != "open":
        raise ValidationError({"stage": f"商机已关闭（{opp.stage}） The opportunity is closed ({opp.stage})"})
    if new_stage == opp.stage and not values:
        raise ValidationError({"stage": f"商机已在「{new_stage}」 Already at stage {new_stage}"})
    changes = {**values, **_stage_values(new_stage)}
    typed, type_errors = records.coerce(Opportunity, changes)
    errors = {**_missing(session, {**records.row_dict(opp), **typed}, new_stage), **type_errors}
    if errors:
        raise ValidationError(errors)
    from_stage = opp.stage
    if stages()[new_stage]["is_closed"]:
        changes["closed_at"] = now_local()
    opp = records.update(session, viewer, opp, changes, expected_version, action=action, reference=reference)
    if opp.stage != from_stage:
        _history(session, viewer, opp, from_stage, opp.updated_at, reference)
    return opp


def close_won(session: Session, viewer: Viewer, opportunity_id: int, values: dict[str, Any],
              expected_version: int, *, reference: Reference | None = None) -> Opportunity:
    """Close as won; needs amount, close date and contract number."""
    require_screen(viewer, "opportunities")
    opp = records.get(session, viewer, Opportunity, opportunity_id, reference=reference)
    values = {"close_date": now_local().date(), **{k: v for k, v in values.items() if v not in (None, "")}}
    return _move(session, viewer, opp, WON, values, expected_version, "close_won", reference)


def close_lost(session: Session, viewer: Viewer, opportunity_id: int, loss_reason: str,
               expected_version: int, *, reference: Reference | None = None) -> Opportunity:
    """Close as lost; the loss reason is required."""
    require_screen(viewer, "opportunities")
    if not (loss_reason or "").strip():
        raise ValidationError({"loss_reason": "输单须填写原因 A lost opportunity needs a loss reason"})
    opp = records.get(session, viewer, Opportunity, opportunity_id, reference=reference)
    return _move(session, viewer, opp, LOST, {"loss_reason": loss_reason.strip()}, expected_version,
                 "close_lost", reference)


def stage_history(session: Session, viewer: Viewer, opportunity_id: int, *,
                  reference: Reference | None = None) -> list[OpportunityStageHistory]:
    """The opportunity's stage changes, oldest first."""
    records.get(session, viewer, Opportunity, opportunity_id, reference=reference)
    stmt = (
        sa.select(OpportunityStageHistory)
        .where(OpportunityStageHistory.opportunity_id == opportunity_id)
        .order_by(OpportunityStageHistory.changed_at, OpportunityStageHistory.id)
    )
    return list(session.scalars(stmt))
