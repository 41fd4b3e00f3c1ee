"""Requirements created from tickets, released with a version, and the customers to tell (issue 21).

``product_requirements`` (a requirement raised on the entry screens, ``REQ-OPS-…``) and
``requirement_followups`` (one customer per released requirement, pending until an agent told them).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 22:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "product_requirements",
        sa.Column("requirement_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("product_line", sa.Text(), nullable=True),
        sa.Column("product_code", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default="open", nullable=False),
        sa.Column("product_manager_id", sa.BigInteger(), nullable=True),
        sa.Column("source_ticket_id", sa.BigInteger(), nullable=True),
        sa.Column("source_ticket_no", sa.String(length=32), nullable=True),
        sa.Column("release_version", sa.String(length=64), nullable=True),
        sa.Column("released_on", sa.Date(), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("source_system", sa.String(length=8), server_default="ops", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_requirements")),
        sa.UniqueConstraint("requirement_id", name=op.f("uq_product_requirements_requirement_id")),
    )
    op.create_table(
        "requirement_followups",
        sa.Column("owner_id", sa.BigInteger(), nullable=True),
        sa.Column("requirement_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("ticket_nos", sa.Text(), nullable=False),
        sa.Column("release_version", sa.String(length=64), nullable=True),
        sa.Column("released_on", sa.Date(), nullable=True),
        sa.Column("status", sa.Text(), server_default="pending", nullable=False),
        sa.Column("notified_by", sa.Text(), nullable=True),
        sa.Column("notified_at", sa.DateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("source_system", sa.String(length=8), server_default="ops", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requirement_followups")),
        sa.UniqueConstraint("requirement_id", "account_id", name=op.f("uq_requirement_followups_requirement_id")),
    )


def downgrade() -> None:
    op.drop_table("requirement_followups")
    op.drop_table("product_requirements")
