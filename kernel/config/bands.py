"""Bands of the sales analytics (sales.yml ``amount_bands``, ``discount_bands``).

A band is a half-open range ``[min, max)``: a deal of exactly 50,000 with bands ``<5万`` (max
50,000) and ``5万-20万`` (min 50,000) is in the second. The list covers every value: the first
band has no ``min`` (everything below), the last no ``max``, and each starts where the previous
ends, so a figure falls in exactly one band and the bands add up to the total.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class Band(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=40, description="The band's label as people read it.")
    min: Decimal | None = Field(None, ge=0, decimal_places=2, description="From this value (inclusive); empty on the first band.")
    max: Decimal | None = Field(None, ge=0, decimal_places=2, description="Below this value (exclusive); empty on the last band.")


def check_bands(value: list[Band]) -> list[Band]:
    """Contiguous, ordered, unique names: every value in exactly one band."""
    if not value:
        raise ValueError("at least one band is needed")
    names = [b.name for b in value]
    if len(set(names)) != len(names):
        raise ValueError(f"band names must be unique, got {names}")
    if value[0].min is not None:
        raise ValueError(f"band {value[0].name!r}: the first band has no min (it takes everything below)")
    if value[-1].max is not None:
        raise ValueError(f"band {value[-1].name!r}: the last band has no max (it takes everything above)")
    for prev, cur in zip(value, value[1:], strict=False):
        if prev.max is None or cur.min is None or cur.min != prev.max:
            raise ValueError(f"band {cur.name!r} must start (min) where {prev.name!r} ends (max {prev.max})")
        if cur.max is not None and cur.max <= cur.min:
            raise ValueError(f"band {cur.name!r}: max {cur.max} must be above min {cur.min}")
    return value


DEFAULT_AMOUNT_BANDS = [  # CNY
    Band(name="<5万", max=Decimal(50_000)),
    Band(name="5万-20万", min=Decimal(50_000), max=Decimal(200_000)),
    Band(name="20万-100万", min=Decimal(200_000), max=Decimal(1_000_000)),
    Band(name="≥100万", min=Decimal(1_000_000)),
]

DEFAULT_DISCOUNT_BANDS = [  # percent off list price
    Band(name="<5%", max=Decimal(5)),
    Band(name="5-10%", min=Decimal(5), max=Decimal(10)),
    Band(name="10-15%", min=Decimal(10), max=Decimal(15)),
    Band(name="15-20%", min=Decimal(15), max=Decimal(20)),
    Band(name="≥20%", min=Decimal(20)),
]
