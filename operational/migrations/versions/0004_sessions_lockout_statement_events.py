"""Sessions, lockout and statement events (issue 14).

- ``app_users``: ``credential_version`` (live sessions of an older version end), ``failed_login_at``
  and ``lock_count`` (decaying failure counter, growing but capped locks);
- ``login_throttle``: failure counters per client source and for all logins;
- ``partner_statement_events``: disputes and confirmations of partner statements with the user,
  one confirmation per side. The apps used to create this table themselves with another shape
  (``by_role``, text times, no user): such a table is renamed, its rows copied over (user
  unknown, a side's repeated confirmations kept once, the first) and the old one dropped.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 14:00:00
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS = "partner_statement_events"
LEGACY = "partner_statement_events_before_0004"
LEGACY_USER = "unknown (before migration 0004)"
_AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _legacy_rows() -> list[dict]:
    """Rows of an ad-hoc events table the apps created before this migration (renamed first)."""
    bind = op.get_bind()
    if not sa.inspect(bind).has_table(EVENTS):
        return []
    op.rename_table(EVENTS, LEGACY)
    rows = bind.execute(sa.text(f"select statement_key, line_key, partner_id, event, reason, by_role, at from {LEGACY}"))
    return [dict(r._mapping) for r in rows]


def _copy_legacy(rows: list[dict]) -> None:
    events = sa.table(
        EVENTS, sa.column("statement_key"), sa.column("partner_id"), sa.column("period"), sa.column("event"),
        sa.column("line_key"), sa.column("reason"), sa.column("side"), sa.column("user_id"),
        sa.column("username"), sa.column("at"),
    )
    confirmed: set[tuple[str, str]] = set()
    out = []
    for row in sorted(rows, key=lambda r: str(r["at"] or "")):
        key, side = str(row["statement_key"]), "partner" if row["by_role"] == "partner" else "vendor"
        if row["event"] == "confirm":
            if (key, side) in confirmed:
                continue
            confirmed.add((key, side))
        elif row["event"] != "dispute":
            continue
        at = row["at"]
        out.append({
            "statement_key": key, "partner_id": int(row["partner_id"]), "period": key.partition("|")[2],
            "event": row["event"], "line_key": row["line_key"], "reason": row["reason"], "side": side,
            "user_id": None, "username": LEGACY_USER,
            "at": at if isinstance(at, dt.datetime) else dt.datetime.fromisoformat(str(at)),
        })
    if out:
        op.bulk_insert(events, out)
    op.drop_table(LEGACY)


def upgrade() -> None:
    with op.batch_alter_table("app_users") as batch:
        batch.add_column(sa.Column("failed_login_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("lock_count", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("credential_version", sa.Integer(), server_default="1", nullable=False))
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("counted_at", sa.DateTime(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(), nullable=True),
        sa.Column("lock_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    legacy = _legacy_rows()
    op.create_table(
        EVENTS,
        sa.Column("id", _AutoId, autoincrement=True, nullable=False),
        sa.Column("statement_key", sa.String(length=64), nullable=False),
        sa.Column("partner_id", sa.BigInteger(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("line_key", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("side", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("event in ('dispute', 'confirm')", name=op.f("ck_partner_statement_events_event")),
        sa.CheckConstraint("side in ('partner', 'vendor')", name=op.f("ck_partner_statement_events_side")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_statement_events")),
    )
    op.create_index("ix_partner_statement_events_statement", EVENTS, ["statement_key"], unique=False)
    op.create_index("uq_partner_statement_events_confirm", EVENTS, ["statement_key", "side"], unique=True,
                    sqlite_where=sa.text("event = 'confirm'"), postgresql_where=sa.text("event = 'confirm'"))
    if legacy or sa.inspect(op.get_bind()).has_table(LEGACY):
        _copy_legacy(legacy)


def downgrade() -> None:
    op.drop_index("uq_partner_statement_events_confirm", table_name=EVENTS)
    op.drop_index("ix_partner_statement_events_statement", table_name=EVENTS)
    op.drop_table(EVENTS)
    op.drop_table("login_throttle")
    with op.batch_alter_table("app_users") as batch:
        batch.drop_column("credential_version")
        batch.drop_column("lock_count")
        batch.drop_column("failed_login_at")
