"""The approval chain of a special price request (特价审批链), the one home of its rule.

The chain is a business setting (``partner.yml`` ``special_price_approval_chain``, default partner
sales manager (a partner login of the request's partner: the partner signs its own request off
first) -> channel manager -> regional channel manager). A request waits at the first step
nobody has decided yet; whoever approves or rejects must hold one of that step's roles (and be
one of its ``users`` when the step names them) and must not have decided an earlier step of the
same request, nor be its requester (four eyes per step). A rejection at any step ends the request; the last approval
approves it. Each step is a row of ``special_price_approvals`` and an audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kernel.config import current_business_settings
from kernel.config.model import ApprovalStep
from operational import records
from operational.db import now_local
from operational.errors import PermissionDenied, ValidationError
from operational.models.partner_settlement import SpecialPriceApproval
from operational.scope import Viewer


def chain(config_dir: Path | None = None) -> list[ApprovalStep]:
    """The configured steps, in order."""
    return list(current_business_settings(config_dir).partner.special_price_approval_chain)


def decisions(session: Session, request_id: int) -> list[SpecialPriceApproval]:
    """The steps decided on a request so far, in step order."""
    return list(session.scalars(sa.select(SpecialPriceApproval)
                                .where(SpecialPriceApproval.request_id == int(request_id))
                                .order_by(SpecialPriceApproval.step_no)))


@dataclass(frozen=True)
class Waiting:
    """Where a pending request stands: the step it waits at (1-based) and whether it is the last."""

    step_no: int
    step: ApprovalStep
    is_last: bool


def waiting_at(session: Session, request_id: int, steps: list[ApprovalStep] | None = None) -> Waiting:
    steps = steps if steps is not None else chain()
    done = decisions(session, request_id)
    step_no = len(done) + 1
    if step_no > len(steps):  # the chain got shorter after earlier approvals: its last step decides
        step_no = len(steps)
    return Waiting(step_no, steps[step_no - 1], step_no == len(steps))


def may_decide(viewer: Viewer, step: ApprovalStep) -> bool:
    return viewer.role in step.roles and (not step.users or viewer.username in step.users)


def record_step(session: Session, viewer: Viewer, request: Any, decision: str, comment: str | None = None,
                steps: list[ApprovalStep] | None = None) -> Waiting:
    """Check the viewer may decide the request's current step, then store and audit the decision.

    ``PermissionDenied`` for a wrong role or user, ``ValidationError`` for a second step by the
    same person. The caller changes the request itself (rejected, or approved at the last step).
    """
    if decision not in ("approve", "reject"):
        raise ValueError(f"decision must be approve or reject, got {decision!r}")
    where = waiting_at(session, request.id, steps)
    if not may_decide(viewer, where.step):
        who = f"{', '.join(where.step.roles)}" + (f" ({', '.join(where.step.users)})" if where.step.users else "")
        raise PermissionDenied(f"{viewer.username} ({viewer.role}) may not decide step {where.step_no} "
                               f"{where.step.label} of special price request {request.id}: {who} do")
    if request.created_by is not None and request.created_by == viewer.user_id:
        raise ValidationError({"approver": "申请人不能审批自己的申请 The requester may not approve their own request"})
    earlier = [d for d in decisions(session, request.id) if d.user_id == viewer.user_id and d.username == viewer.username]
    if earlier:
        raise ValidationError({"approver": f"{viewer.username} 已审批第 {earlier[0].step_no} 步，同一人不能审批两步 "
                                           f"already decided step {earlier[0].step_no}; one person decides one step"})
    row = SpecialPriceApproval(request_id=request.id, partner_id=request.partner_id, step_no=where.step_no,
                               step_key=where.step.key, decision=decision, comment=(comment or "").strip() or None,
                               user_id=viewer.user_id, username=viewer.username, at=now_local())
    try:
        with session.begin_nested():  # two approvers racing for one step: the second fails here
            session.add(row)
    except sa.exc.IntegrityError:
        raise ValidationError({"approver": f"第 {where.step_no} 步刚被他人审批 Step {where.step_no} "
                                           "was just decided by someone else"}) from None
    records.audit(session, viewer, SpecialPriceApproval.__tablename__, row.id, decision, None,
                  {"request_id": request.id, "step_no": where.step_no, "step_key": where.step.key,
                   "decision": decision, "comment": row.comment},
                  comment=f"special price request {request.id}: step {where.step_no} {where.step.key} {decision}d")
    return where


def step_for(session: Session, viewer: Viewer, request_id: int) -> dict[str, Any] | None:
    """The step the request waits at, when the viewer may decide it (for the entry screen), else None."""
    where = waiting_at(session, request_id)
    if not may_decide(viewer, where.step):
        return None
    return {"step_no": where.step_no, "label": where.step.label, "is_last": where.is_last}


def status_rows(session: Session, request_id: int, steps: list[ApprovalStep] | None = None) -> list[dict[str, Any]]:
    """Every step of the chain with its decision so far (for the entry screen)."""
    steps = steps if steps is not None else chain()
    done = {d.step_no: d for d in decisions(session, request_id)}
    return [{"step_no": i, "step": s.label, "decision": done[i].decision if i in done else None,
             "by": done[i].username if i in done else None, "at": done[i].at if i in done else None,
             "comment": done[i].comment if i in done else None} for i, s in enumerate(steps, start=1)]
