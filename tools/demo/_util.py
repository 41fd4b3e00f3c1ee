"""Shared helpers of the demo generator: seeded random streams, ids, calendar, column building.

Times are handled as int64 seconds of Asia/Shanghai wall-clock time ("local seconds");
China has no daylight saving, so UTC is always local minus eight hours.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import polars as pl

DAY = 86_400
UTC_OFFSET = 8 * 3600
CRM_ID_BASE = 1_000_000_000_000
# ids that no record has: deliberate orphan references point here
ORPHAN_ID_BASE = 1_900_000_000_000


def rng_for(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per (seed, name): adding a table never reshuffles another."""
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])


class IdAllocator:
    """销售易-style int64 ids, unique across all CRM objects (and partner ids)."""

    def __init__(self, base: int = CRM_ID_BASE) -> None:
        self._next = base

    def take(self, n: int, gap: int = 7) -> np.ndarray:
        # ids are increasing with small gaps, as a multi-tenant API hands them out
        start = self._next
        self._next += n * gap + 1000
        return start + np.arange(n, dtype=np.int64) * gap


def local_seconds(d: date) -> int:
    return (d - date(1970, 1, 1)).days * DAY


@dataclass(frozen=True)
class Month:
    year: int
    month: int
    start: int  # local seconds of the first instant
    end: int  # local seconds of the first instant of the next month (exclusive)

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class Timeline:
    """The two years of history ending on ``end_date`` and the CRM extract batches."""

    end_date: date
    start_date: date = field(init=False)
    months: tuple[Month, ...] = field(init=False)
    full_date: date = field(init=False)
    delta_dates: tuple[date, ...] = field(init=False)

    def __post_init__(self) -> None:
        try:
            two_years_back = self.end_date.replace(year=self.end_date.year - 2)
        except ValueError:  # 29 February
            two_years_back = self.end_date.replace(year=self.end_date.year - 2, day=28)
        object.__setattr__(self, "start_date", two_years_back + timedelta(days=1))
        months = []
        y, m = self.start_date.year, self.start_date.month
        while (y, m) <= (self.end_date.year, self.end_date.month):
            ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
            months.append(Month(y, m, local_seconds(date(y, m, 1)), local_seconds(date(ny, nm, 1))))
            y, m = ny, nm
        object.__setattr__(self, "months", tuple(months))
        object.__setattr__(self, "full_date", self.end_date - timedelta(days=21))
        object.__setattr__(
            self, "delta_dates", tuple(self.end_date - timedelta(days=d) for d in (14, 7, 0))
        )

    @property
    def start(self) -> int:
        return local_seconds(self.start_date)

    @property
    def end(self) -> int:
        """Last local second of ``end_date``."""
        return local_seconds(self.end_date) + DAY - 1

    @property
    def span(self) -> int:
        return self.end - self.start

    def cut(self, d: date) -> int:
        """Extract time of a batch dated ``d``: the end of that day."""
        return local_seconds(d) + DAY - 1

    def month_index(self, secs: np.ndarray) -> np.ndarray:
        starts = np.array([m.start for m in self.months], dtype=np.int64)
        return np.clip(np.searchsorted(starts, secs, side="right") - 1, 0, len(starts) - 1)

    def growing_times(
        self,
        rng: np.random.Generator,
        n: int,
        growth: float = 0.6,
        lo: int | None = None,
        hi: int | None = None,
    ) -> np.ndarray:
        """n times in [lo, hi) with a density rising linearly by ``growth`` over the span."""
        lo = self.start if lo is None else lo
        hi = self.end if hi is None else hi
        u = rng.random(n)
        x = (-1.0 + np.sqrt(1.0 + 2.0 * growth * u * (1.0 + growth / 2.0))) / growth
        return (lo + x * (hi - lo)).astype(np.int64)


# hour-of-day weights of office work (local), Monday..Friday mostly
_OFFICE_HOURS = np.array(
    [0, 0, 0, 0, 0, 0, 0, 0.2, 1, 3, 4, 3.5, 1.5, 2.5, 4, 3.5, 3, 2, 0.8, 0.4, 0.2, 0.1, 0, 0],
    dtype=float,
)


def office_time(
    rng: np.random.Generator, secs: np.ndarray, weekend_share: float = 0.05
) -> np.ndarray:
    """Move each time to its day at an office hour; most weekend times move to Monday."""
    secs = np.asarray(secs, dtype=np.int64)
    days = secs // DAY
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    move = (weekday >= 5) & (rng.random(len(secs)) > weekend_share)
    days = np.where(move, days + (7 - weekday), days)
    hours = rng.choice(24, size=len(secs), p=_OFFICE_HOURS / _OFFICE_HOURS.sum())
    return days * DAY + hours * 3600 + rng.integers(0, 3600, len(secs))


def weekday_of(secs: np.ndarray) -> np.ndarray:
    return ((np.asarray(secs) // DAY) + 3) % 7


def pick(rng: np.random.Generator, options, n: int, p=None) -> np.ndarray:
    """n draws from a sequence of strings (or numbers) as a numpy array."""
    arr = np.asarray(options)
    if p is not None:
        p = np.asarray(p, dtype=float)
        p = p / p.sum()
    return arr[rng.choice(len(arr), size=n, p=p)]


def money(x) -> np.ndarray:
    return np.round(np.asarray(x, dtype=float), 2)


def with_nulls(values, null_mask: np.ndarray | None, dtype=None) -> pl.Series:
    """A polars Series of ``values`` where ``null_mask`` is True becomes null."""
    s = pl.Series(values, dtype=dtype) if not isinstance(values, pl.Series) else values
    if null_mask is None or not np.any(null_mask):
        return s
    return s.zip_with(
        pl.Series(~np.asarray(null_mask, dtype=bool)), pl.Series([None] * len(s), dtype=s.dtype)
    )


def as_date(secs, null_mask: np.ndarray | None = None) -> pl.Series:
    s = pl.Series(np.asarray(secs, dtype=np.int64) // DAY).cast(pl.Int32).cast(pl.Date)
    return with_nulls(s, null_mask)


def as_ts(secs, null_mask: np.ndarray | None = None) -> pl.Series:
    s = pl.from_epoch(pl.Series(np.asarray(secs, dtype=np.int64)), time_unit="s")
    return with_nulls(s, null_mask)


def as_epoch_ms(secs, null_mask: np.ndarray | None = None) -> pl.Series:
    s = pl.Series((np.asarray(secs, dtype=np.int64) - UTC_OFFSET) * 1000, dtype=pl.Int64)
    return with_nulls(s, null_mask)


def codes(prefix: str, numbers, width: int = 6) -> np.ndarray:
    """Business numbers such as ORD2025000123 from integers."""
    return np.char.add(
        prefix, np.char.zfill(np.asarray(numbers, dtype=np.int64).astype(str), width)
    )


def cat(*parts) -> np.ndarray:
    """Element-wise concatenation of numpy string arrays and scalars."""
    out = np.asarray(parts[0]).astype(str)
    for p in parts[1:]:
        out = np.char.add(out, np.asarray(p).astype(str))
    return out


def person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    from .vocab import GIVEN_CHARS, SURNAMES

    sur = np.array(list(SURNAMES))[rng.integers(0, len(SURNAMES), n)]
    g = np.array(list(GIVEN_CHARS))
    g1 = g[rng.integers(0, len(g), n)]
    g2 = np.where(rng.random(n) < 0.6, g[rng.integers(0, len(g), n)], "")
    return np.char.add(np.char.add(sur, g1), g2)


def mobiles(rng: np.random.Generator, n: int) -> np.ndarray:
    prefix = np.array(
        ["138", "139", "135", "136", "137", "150", "151", "158", "186", "187", "188", "177", "199"]
    )
    p = prefix[rng.integers(0, len(prefix), n)]
    rest = rng.integers(0, 100_000_000, n)
    return np.char.add(p, np.char.zfill(rest.astype(str), 8))


def index_in(values, keys) -> np.ndarray:
    """Position of each value in ``keys`` (unique), or -1 where it is not there."""
    keys = np.asarray(keys)
    values = np.asarray(values)
    sorter = np.argsort(keys, kind="stable")
    pos = np.clip(np.searchsorted(keys, values, sorter=sorter), 0, len(keys) - 1)
    found = sorter[pos]
    return np.where(keys[found] == values, found, -1)


def lookup(values, mapping: dict) -> np.ndarray:
    """Map each value through ``mapping`` (every value must be a key)."""
    keys = list(mapping)
    idx = index_in(np.asarray(values), np.asarray(keys))
    if np.any(idx < 0):
        raise KeyError(
            f"values without a mapping: {sorted(set(np.asarray(values)[idx < 0].tolist()))[:5]}"
        )
    return np.asarray(list(mapping.values()))[idx]


def ranks(counts) -> np.ndarray:
    """1..c for each group of size c, concatenated (the rank of each row within its group)."""
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    return np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts) + 1
