"""Issue 20 item 1: forecast submissions (rep and manager commit / best case per quarter, overrides;
insert-only, so the rows with their times are the weekly snapshots' history).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 22:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "forecast_submissions",
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("call_level", sa.String(length=8), nullable=False),
        sa.Column("department_id", sa.BigInteger(), nullable=False),
        sa.Column("quarter_start", sa.Date(), nullable=False),
        sa.Column("commit_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("best_case_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("source_system", sa.String(length=8), server_default="ops", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_submissions")),
    )
    op.create_index(
        "ix_forecast_submissions_owner_quarter", "forecast_submissions", ["owner_id", "quarter_start"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_forecast_submissions_owner_quarter", table_name="forecast_submissions")
    op.drop_table("forecast_submissions")
