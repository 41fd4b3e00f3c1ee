"""Field work-order dispatch pool (issue 21): ``field_work_orders`` (open in a service group's pool,
grabbed, assigned or force-assigned after the grab timeout) and ``dispatch_events`` (every step).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 22:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "field_work_orders",
        sa.Column("work_order_no", sa.String(length=32), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=True),
        sa.Column("ticket_no", sa.String(length=32), nullable=True),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("city", sa.Text(), nullable=True),
        sa.Column("service_type", sa.Text(), nullable=False),
        sa.Column("dispatch_mode", sa.String(length=8), nullable=False),
        sa.Column("team", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="open", nullable=False),
        sa.Column("engineer_id", sa.String(length=32), nullable=True),
        sa.Column("engineer_user_id", sa.BigInteger(), nullable=True),
        sa.Column("assigned_how", sa.String(length=8), nullable=True),
        sa.Column("grab_deadline", sa.DateTime(), nullable=True),
        sa.Column("dispatched_at", sa.DateTime(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column("arrived_at", sa.DateTime(), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("is_first_time_fix", sa.Boolean(), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("source_system", sa.String(length=8), server_default="ops", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_work_orders")),
        sa.UniqueConstraint("work_order_no", name=op.f("uq_field_work_orders_work_order_no")),
    )
    op.create_index("ix_field_work_orders_pool", "field_work_orders", ["team", "status"], unique=False)
    op.create_table(
        "dispatch_events",
        sa.Column("work_order_id", sa.BigInteger(), nullable=False),
        sa.Column("work_order_no", sa.String(length=32), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("team", sa.Text(), nullable=True),
        sa.Column("engineer_id", sa.String(length=32), nullable=True),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("event_time", sa.DateTime(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("source_system", sa.String(length=8), server_default="ops", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["field_work_orders.id"], name=op.f("fk_dispatch_events_work_order_id_field_work_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_events")),
    )
    op.create_index("ix_dispatch_events_order", "dispatch_events", ["work_order_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_dispatch_events_order", table_name="dispatch_events")
    op.drop_table("dispatch_events")
    op.drop_index("ix_field_work_orders_pool", table_name="field_work_orders")
    op.drop_table("field_work_orders")
