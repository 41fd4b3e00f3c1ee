"""Forecast calls (预测提交): a rep's or a manager's commit / best case for one fiscal quarter.

Insert-only: every submission is a new row with its time (``created_at``), never edited, so the
store itself keeps the history the weekly snapshots are built from (a later submission of the same
person and quarter supersedes the earlier one from its week on, mart
``sales.forecast_submissions_weekly``). A rep's call covers their own deals; a manager's call is the
override for the department tree rooted at ``department_id`` (their department or one below it),
shown beside the sum of their reps' calls (``sales.forecast_call_rollup``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, RecordMixin

CALL_LEVELS = ("rep", "manager")
MAX_CALL = Decimal("10000000000.00")  # CNY: ten billion in one quarter is a typo, not a forecast


def is_quarter_start(day: Any) -> bool:
    return isinstance(day, dt.date) and day.day == 1 and day.month in (1, 4, 7, 10)


class ForecastSubmission(RecordMixin, Base):
    """``owner_id``'s call for the quarter starting ``quarter_start`` (CNY); never updated."""

    __tablename__ = "forecast_submissions"
    __table_args__ = (sa.Index("ix_forecast_submissions_owner_quarter", "owner_id", "quarter_start"),)
    __owner_column__ = "owner_id"  # who made the call: a rep sees theirs, a manager their tree's
    __partner_column__ = None

    owner_id: Mapped[int]  # CRM user making the call (the rep, or the manager for an override)
    call_level: Mapped[str] = mapped_column(sa.String(8))  # 'rep' | 'manager'
    department_id: Mapped[int]  # rep: their department; manager: root of the tree the call covers
    quarter_start: Mapped[dt.date]  # first day of the fiscal (calendar) quarter
    commit_amount: Mapped[Decimal]
    best_case_amount: Mapped[Decimal]
    note: Mapped[str | None]
    author: Mapped[str]  # the login that submitted (set by the workflow, never typed)

    @classmethod
    def validate(cls, values: dict[str, Any]) -> dict[str, str]:
        errors: dict[str, str] = {}
        if values.get("call_level") not in (None, *CALL_LEVELS):
            errors["call_level"] = f"应为 rep 或 manager Expected one of {', '.join(CALL_LEVELS)}"
        quarter = values.get("quarter_start")
        if quarter is not None and not is_quarter_start(quarter):
            errors["quarter_start"] = "应为季度首日 Expected the first day of a quarter, e.g. 2026-10-01"
        commit, best = values.get("commit_amount"), values.get("best_case_amount")
        for field, amount in (("commit_amount", commit), ("best_case_amount", best)):
            if amount is not None and not Decimal(0) <= amount <= MAX_CALL:
                errors[field] = f"金额应在 0 到 {MAX_CALL:,} 之间 Amount must be within 0..{MAX_CALL:,} CNY"
        if commit is not None and best is not None and "best_case_amount" not in errors and best < commit:
            errors["best_case_amount"] = "最佳情况不能低于承诺 Best case must be at least the commit"
        return errors
