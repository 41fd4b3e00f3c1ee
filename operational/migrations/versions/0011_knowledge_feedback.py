"""Issue 21, knowledge base: ``knowledge_feedback``, agents' accept/reject verdicts on the
suggested articles (operational/models/knowledge.py), read back by the answer matching.

The slot was created empty first so that work on several store changes can land in any order
without two migrations claiming the same parent.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 22:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "knowledge_feedback",
        sa.Column("id", _AutoId, autoincrement=True, nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("article_id", sa.String(length=64), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("suggestion_rank", sa.Integer(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("ticket_no", sa.String(length=32), nullable=True),
        sa.Column("given_by", sa.BigInteger(), nullable=True),
        sa.Column("given_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("verdict in ('accepted', 'rejected')", name=op.f("ck_knowledge_feedback_verdict")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_feedback")),
    )
    op.create_index("ix_knowledge_feedback_article", "knowledge_feedback", ["article_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_knowledge_feedback_article", table_name="knowledge_feedback")
    op.drop_table("knowledge_feedback")
