"""Commission statement approval (提成审批): draft -> approved (by finance) -> paid, one live row per statement.

A statement is built by the pipeline (``finance.commission_statements``: one per person and
period); the store keeps only what finance decided about it. No row = draft. Approving records
the figures of the published statement the approver saw; paying records who paid it and when,
and from then on the pipeline publishes the statement frozen. Reopening an approved (never a
paid) statement is a soft delete with a reason, so the next approval is a new row; every step is
in ``audit_log`` with who and when. The partial unique index keeps one live row per statement,
even with two racing approvals.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, RecordMixin

APPROVAL_STATUSES = ("approved", "paid")


class CommissionStatementApproval(RecordMixin, Base):
    """Finance's approval (and payment) of ``user_id``'s commission statement of one period."""

    __tablename__ = "commission_statement_approvals"
    __table_args__ = (
        sa.CheckConstraint(f"status in ({', '.join(repr(s) for s in APPROVAL_STATUSES)})", name="status"),
        sa.Index("uq_commission_statement_approvals_live", "user_id", "period_start", unique=True,
                 sqlite_where=sa.text("deleted_at is null"), postgresql_where=sa.text("deleted_at is null")),
    )
    __owner_column__ = "user_id"  # the person it is paid to: reps see their own statements' state
    __partner_column__ = None

    user_id: Mapped[int]  # CRM user (stg_crm__users.user_id)
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    status: Mapped[str] = mapped_column(sa.String(16))
    # the published statement as approved (the figures the approver saw)
    approved_total: Mapped[Decimal]
    approved_commission: Mapped[Decimal]
    approved_adjustment: Mapped[Decimal]
    approved_lines: Mapped[int]
    approved_by: Mapped[str]
    approved_at: Mapped[dt.datetime]
    paid_by: Mapped[str | None]
    paid_at: Mapped[dt.datetime | None]
    payment_reference: Mapped[str | None]  # payroll batch or voucher number
