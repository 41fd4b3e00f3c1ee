"""Manual commission adjustments (提成调整): business records finance enters on a screen.

One row = one amount added to (or, negative, deducted from) a CRM user's commission statement of
one month, with the reason and who entered it. The commission statements read them through the
store's change extraction (``stg_ops__commission_adjustments``); a voided adjustment is a soft
delete and leaves the next statements.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, RecordMixin

PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
MAX_ADJUSTMENT = Decimal("10000000.00")  # CNY, either sign: beyond this it is a typo, not an adjustment


class CommissionAdjustment(RecordMixin, Base):
    """An amount on ``user_id``'s statement of ``period`` (YYYY-MM), CNY, negative = deduction."""

    __tablename__ = "commission_adjustments"
    __table_args__ = (sa.Index("ix_commission_adjustments_user_period", "user_id", "period"),)
    __owner_column__ = "user_id"  # the person it is paid to: a rep's own adjustments are theirs
    __partner_column__ = None

    user_id: Mapped[int]  # CRM user (stg_crm__users.user_id)
    period: Mapped[str] = mapped_column(sa.String(7))  # YYYY-MM
    amount: Mapped[Decimal]
    reason: Mapped[str]
    author: Mapped[str]  # the login that entered it (set by the workflow, never typed)

    @classmethod
    def validate(cls, values: dict[str, Any]) -> dict[str, str]:
        errors: dict[str, str] = {}
        period = values.get("period")
        if period is not None and not PERIOD.match(str(period)):
            errors["period"] = "期间格式应为 YYYY-MM Expected a month YYYY-MM, e.g. 2026-09"
        amount = values.get("amount")
        if amount is not None:
            if amount == 0:
                errors["amount"] = "金额不能为 0 Amount must not be 0 (negative = deduction)"
            elif abs(amount) > MAX_ADJUSTMENT:
                errors["amount"] = (
                    f"金额绝对值不能超过 {MAX_ADJUSTMENT:,} Amount must be within ±{MAX_ADJUSTMENT:,} CNY"
                )
        return errors
