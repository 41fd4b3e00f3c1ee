"""A payment plan may be entered on an order the CRM extract holds (issue 17): the plan keeps the
CRM order's id, which the lakehouse joins in ``int_payment_plans_unioned`` like a store order's, so
``payment_plans.order_id`` no longer references the store's ``orders`` table. The workflow checks
the order instead (a store order, else the published snapshot's, within the row rule).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 19:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK = "fk_payment_plans_order_id_orders"


def upgrade() -> None:
    with op.batch_alter_table("payment_plans") as batch:
        batch.drop_constraint(FK, type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("payment_plans") as batch:
        batch.create_foreign_key(FK, "orders", ["order_id"], ["id"])
