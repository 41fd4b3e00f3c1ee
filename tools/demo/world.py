"""The state shared by the system builders: seed, scale, calendar, ids and the tables so far.

Builders add tables under their contract name ("crm.accounts"); columns starting with "_"
are the generator's latent variables (a customer's lateness, a rep's skill) and never reach
a landing file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import polars as pl

from ._util import IdAllocator, Timeline, rng_for

KEEP = object()  # a Note that only records where a deliberate oddity landed


@dataclass(frozen=True)
class Note:
    """Deliberate dirt on one row of a frame handed to a writer.

    ``row`` is the 0-based position in that frame, ``field`` the contract field name. With a
    ``value`` the writer replaces the field's text by it (a bad row); with KEEP it only records
    the location under ``kind`` (an orphan reference, a split not summing to 100).
    """

    row: int
    field: str
    kind: str
    value: object = KEEP


@dataclass
class World:
    seed: int
    scale: float
    end_date: date
    tl: Timeline = field(init=False)
    ids: IdAllocator = field(init=False)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    notes: dict[str, list[Note]] = field(default_factory=dict)
    prev_versions: dict[str, pl.DataFrame] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.tl = Timeline(self.end_date)
        self.ids = IdAllocator()

    def rng(self, name: str) -> np.random.Generator:
        return rng_for(self.seed, name)

    def order_tables(self) -> tuple[pl.DataFrame, ...]:
        """Orders, order lines, products, accounts and the name typer: what a builder of
        shipments or partner reports starts from."""
        return tuple(self.tables[name] for name in
                     ("crm.orders", "crm.order_lines", "crm.products", "crm.accounts", "_typer"))

    def n(self, base: float, minimum: int = 1) -> int:
        """A row count proportional to the scale."""
        return max(minimum, int(round(base * self.scale)))

    def note(self, entity: str, rows, field_name: str, kind: str, values=None) -> None:
        lst = self.notes.setdefault(entity, [])
        rows = [int(r) for r in np.atleast_1d(rows)]
        for i, r in enumerate(rows):
            lst.append(
                Note(r, field_name, kind, KEEP if values is None else values[i % len(values)])
            )
