"""Globally unique ids for store rows, so they never collide with the extracted CRM's ids.

The extracts use 13-digit ids (1_000_000_000_000…); the store allocates from ``OPS_ID_BASE``
upwards through one counter row updated with ``UPDATE … RETURNING`` (SQLite ≥ 3.35, PostgreSQL),
which is atomic under concurrent writers on both.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

OPS_ID_BASE = 9_000_000_000_000_000
COUNTER = "global"

_bump = sa.text(
    "UPDATE id_counter SET next_value = next_value + :n WHERE name = :name RETURNING next_value"
)


def next_id(session: Session, n: int = 1, name: str = COUNTER) -> int:
    """Reserve ``n`` consecutive ids and return the first one."""
    if n < 1:
        raise ValueError(f"next_id: n must be at least 1, got {n}")
    after = session.execute(_bump, {"n": n, "name": name}).scalar_one_or_none()
    if after is None:
        raise RuntimeError(
            f"id_counter row {name!r} is missing: run `crmlake store upgrade` on this store"
        )
    return int(after) - n


def is_store_id(value: int | None) -> bool:
    """True for ids the store allocated (as opposed to ids of the extracted CRM)."""
    return value is not None and int(value) >= OPS_ID_BASE
