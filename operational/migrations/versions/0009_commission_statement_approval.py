"""Reserved slot in the migration chain for issue 20: commission statements draft -> approved -> paid, audited.

The slot is created empty first so that work on several store changes can land in any order
without two migrations claiming the same parent; its owner fills ``upgrade``/``downgrade``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 22:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

TABLE = "commission_statement_approvals"
revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("approved_total", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("approved_commission", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("approved_adjustment", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("approved_lines", sa.BigInteger(), nullable=False),
        sa.Column("approved_by", sa.Text(), nullable=False),
        sa.Column("approved_at", sa.DateTime(), nullable=False),
        sa.Column("paid_by", sa.Text(), nullable=True),
        sa.Column("paid_at", sa.DateTime(), nullable=True),
        sa.Column("payment_reference", sa.Text(), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("source_system", sa.String(length=8), server_default="ops", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("status in ('approved', 'paid')", name=op.f("ck_commission_statement_approvals_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commission_statement_approvals")),
    )
    op.create_index("uq_commission_statement_approvals_live", TABLE, ["user_id", "period_start"], unique=True,
                    sqlite_where=sa.text("deleted_at is null"), postgresql_where=sa.text("deleted_at is null"))


def downgrade() -> None:
    op.drop_index("uq_commission_statement_approvals_live", table_name=TABLE)
    op.drop_table(TABLE)
