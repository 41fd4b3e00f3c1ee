"""Match the columns a landing file actually has to the fields of the contract.

Sources drift: partners name their XLSX columns as they like (数量, Qty, 件数), a CRM release
adds keys, an export drops an optional column. This module decides, per file, which landing
column feeds which contract field, which columns are extras (kept as strings in raw), and
rejects the file when a required field has no column.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection
from dataclasses import dataclass

from kernel.contracts import EntitySpec
from pipelines.ingest.errors import ContractError


def normalize_header(header: str) -> str:
    """Case-, width- and space-insensitive form of a header ("Ｑｔｙ " -> "qty")."""
    text = unicodedata.normalize("NFKC", header).replace("\ufeff", "")
    return "".join(text.casefold().split())


@dataclass(frozen=True)
class ColumnMapping:
    fields: dict[str, str | None]  # contract field -> landing column (None: column missing)
    extras: dict[str, str]  # landing column -> raw column name (kept as string)

    @property
    def unmapped(self) -> list[str]:
        return list(self.extras)


def map_columns(
    spec: EntitySpec,
    columns: list[str],
    *,
    source: str,
    reserved: Collection[str] = (),
    check_required: bool = True,
) -> ColumnMapping:
    """Map landing ``columns`` to the fields of ``spec``.

    A column matches a field by, in order of preference: the field's exact header, the
    normalized header, the normalized field name, then each synonym in contract order. When two
    columns match one field the better match wins and the other becomes an extra; two equally
    good matches make the file ambiguous and reject it. ``reserved`` names (lineage and path
    columns) are never used for extras; a colliding extra gets an ``_extra`` suffix.
    """
    # candidate text -> (priority, field); the first definition of a text wins
    exact: dict[str, str] = {}
    normalized: dict[str, tuple[int, str]] = {}
    for f in spec.fields:
        exact.setdefault(f.header, f.name)
        for priority, text in enumerate((f.header, f.name, *f.synonyms), start=1):
            normalized.setdefault(normalize_header(text), (priority, f.name))

    best: dict[str, tuple[int, str]] = {}  # field -> (priority, column)
    ties: dict[str, list[str]] = {}
    for column in columns:
        if column in exact:
            match = (0, exact[column])
        elif normalize_header(column) in normalized:
            match = normalized[normalize_header(column)]
        else:
            continue
        priority, field = match
        current = best.get(field)
        if current is None or priority < current[0]:
            best[field] = (priority, column)
            ties.pop(field, None)
        elif priority == current[0]:
            ties.setdefault(field, [current[1]]).append(column)
    if ties:
        detail = "; ".join(f"{field} <- {', '.join(cols)}" for field, cols in ties.items())
        raise ContractError(f"{source}: ambiguous columns, several match one field ({detail})")

    used = {column for _, column in best.values()}
    # DuckDB and Spark resolve column names case-insensitively: "ID" next to "id" would clash
    taken = {n.casefold() for n in (*spec.field_names, *reserved)}
    extras: dict[str, str] = {}
    for column in columns:
        if column in used:
            continue
        name = column
        while name.casefold() in taken:
            name = f"{name}_extra"
        taken.add(name.casefold())
        extras[column] = name

    fields = {f.name: best[f.name][1] if f.name in best else None for f in spec.fields}
    if check_required:
        missing = [f.name for f in spec.fields if f.required and fields[f.name] is None]
        if missing:
            noun = "column" if len(missing) == 1 else "columns"
            message = f"{source}: required {noun} {', '.join(missing)} missing"
            if extras:
                message += f" (unmapped headers: {', '.join(extras)})"
            raise MissingColumnsError(message, missing)
    return ColumnMapping(fields=fields, extras=extras)


class MissingColumnsError(ContractError):
    """Required fields without a column: the file's rows are quarantined with this reason."""

    def __init__(self, message: str, missing: list[str]):
        super().__init__(message)
        self.missing = missing
