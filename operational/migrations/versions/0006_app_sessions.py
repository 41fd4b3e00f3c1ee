"""Browser sessions of the apps (issue 17): ``app_sessions``, what a signed session token stands for,
so a refresh resumes the login and a logout ends it server-side (``operational.web_sessions``).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 19:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "app_sessions",
        sa.Column("id", _AutoId, autoincrement=True, nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("crm_user_id", sa.BigInteger(), nullable=True),
        sa.Column("department_id", sa.BigInteger(), nullable=True),
        sa.Column("partner_id", sa.BigInteger(), nullable=True),
        sa.Column("credential_version", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("client_source", sa.String(length=200), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_sessions")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_app_sessions_key_hash")),
    )
    op.create_index("ix_app_sessions_user", "app_sessions", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_app_sessions_user", table_name="app_sessions")
    op.drop_table("app_sessions")
