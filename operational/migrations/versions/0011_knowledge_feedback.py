"""Reserved slot in the migration chain for issue 21: knowledge-base answer suggestions and agents' accept/reject feedback.

The slot is created empty first so that work on several store changes can land in any order
without two migrations claiming the same parent; its owner fills ``upgrade``/``downgrade``.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 22:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
