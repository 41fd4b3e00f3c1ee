"""Partner settlement (issue 21): disputes resolved by the vendor side, statements released as
payable, and the steps of a special price's approval chain.

- ``partner_dispute_resolutions``: one answer per dispute (accept with the agreed amount, or
  reject with a note);
- ``partner_statement_releases``: a statement confirmed by both sides, released for payment
  with the figures it was released at (one per statement);
- ``special_price_approvals``: who approved or rejected a request at which step of the chain.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 22:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_Money = sa.Numeric(18, 2)


def _who() -> list[sa.Column]:
    return [sa.Column("user_id", sa.BigInteger(), nullable=True),
            sa.Column("username", sa.Text(), nullable=False),
            sa.Column("at", sa.DateTime(), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "partner_dispute_resolutions",
        sa.Column("id", _AutoId, autoincrement=True, nullable=False),
        sa.Column("dispute_event_id", sa.BigInteger(), nullable=False),
        sa.Column("statement_key", sa.String(length=64), nullable=False),
        sa.Column("partner_id", sa.BigInteger(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("line_key", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("adjusted_amount", _Money, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        *_who(),
        sa.CheckConstraint("decision in ('accept', 'reject')", name=op.f("ck_partner_dispute_resolutions_decision")),
        sa.CheckConstraint("decision <> 'accept' or adjusted_amount is not null",
                           name=op.f("ck_partner_dispute_resolutions_accept_amount")),
        sa.ForeignKeyConstraint(["dispute_event_id"], ["partner_statement_events.id"],
                                name=op.f("fk_partner_dispute_resolutions_dispute_event_id_partner_statement_events")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_dispute_resolutions")),
        sa.UniqueConstraint("dispute_event_id", name=op.f("uq_partner_dispute_resolutions_dispute_event_id")),
    )
    op.create_index("ix_partner_dispute_resolutions_statement", "partner_dispute_resolutions", ["statement_key"])
    op.create_table(
        "partner_statement_releases",
        sa.Column("id", _AutoId, autoincrement=True, nullable=False),
        sa.Column("statement_key", sa.String(length=64), nullable=False),
        sa.Column("partner_id", sa.BigInteger(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("goods_total", _Money, nullable=False),
        sa.Column("payout_total", _Money, nullable=False),
        sa.Column("net_amount", _Money, nullable=False),
        *_who(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_statement_releases")),
        sa.UniqueConstraint("statement_key", name=op.f("uq_partner_statement_releases_statement_key")),
    )
    op.create_table(
        "special_price_approvals",
        sa.Column("id", _AutoId, autoincrement=True, nullable=False),
        sa.Column("request_id", sa.BigInteger(), nullable=False),
        sa.Column("partner_id", sa.BigInteger(), nullable=False),
        sa.Column("step_no", sa.BigInteger(), nullable=False),
        sa.Column("step_key", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        *_who(),
        sa.CheckConstraint("decision in ('approve', 'reject')", name=op.f("ck_special_price_approvals_decision")),
        sa.ForeignKeyConstraint(["request_id"], ["special_price_requests.id"],
                                name=op.f("fk_special_price_approvals_request_id_special_price_requests")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_special_price_approvals")),
        sa.UniqueConstraint("request_id", "step_no", name=op.f("uq_special_price_approvals_step")),
    )


def downgrade() -> None:
    op.drop_table("special_price_approvals")
    op.drop_table("partner_statement_releases")
    op.drop_index("ix_partner_dispute_resolutions_statement", table_name="partner_dispute_resolutions")
    op.drop_table("partner_dispute_resolutions")
