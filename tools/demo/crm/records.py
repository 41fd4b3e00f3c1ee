"""The envelope every CRM record carries, and the column builders all CRM tables share.

Every object of the CRM API has ``id``, ``entityType``, ``ownerId``, ``createdAt`` and
``updatedAt``; a record without an owner is in the pool (公海). Building the envelope in one
place keeps the objects consistent with each other.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .._util import DAY, as_epoch_ms, with_nulls


def record_fields(ids, entity_type: str, owner, created, updated) -> dict:
    """The envelope columns; an ``owner`` of NaN (or ``None`` for all) leaves ownerId null."""
    n = len(ids)
    owner_arr = np.asarray(owner, dtype=float) if owner is not None else np.full(n, np.nan)
    return {
        "id": pl.Series(np.asarray(ids, dtype=np.int64)),
        "entityType": pl.Series([entity_type] * n),
        "ownerId": pl.Series(np.nan_to_num(owner_arr, nan=0).astype(np.int64))
        .cast(pl.Int64)
        .zip_with(pl.Series(~np.isnan(owner_arr)), pl.Series([None] * n, dtype=pl.Int64)),
        "createdAt": as_epoch_ms(created),
        "updatedAt": as_epoch_ms(np.maximum(updated, created)),
    }


def nullable_int(values, mask_valid) -> pl.Series:
    """An Int64 column of ``values``, null where ``mask_valid`` is false."""
    v = np.asarray(values)
    return with_nulls(
        pl.Series(np.where(mask_valid, v, 0).astype(np.int64)), ~np.asarray(mask_valid, dtype=bool)
    )


def last_modified(
    rng, created: np.ndarray, end: int, recent_share: float = 0.15, mean_days: float = 40
) -> np.ndarray:
    """Last modification: most records soon after creation, some touched in the last weeks."""
    n = len(created)
    soon = created + (rng.exponential(mean_days, n) * DAY).astype(np.int64)
    recent = end - (rng.random(n) * 40 * DAY).astype(np.int64)
    out = np.where(rng.random(n) < recent_share, np.maximum(recent, created), soon)
    return np.minimum(out, end)
