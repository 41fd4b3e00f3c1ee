"""The source contract (sources.yml) as typed objects.

Generator, raw loaders, quality suites and dbt sources all read the contract from here, so a
field added in one place exists in all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

CONTRACT_PATH = Path(__file__).with_name("sources.yml")

FIELD_TYPES = (
    "string",
    "int64",
    "decimal",
    "float64",
    "bool",
    "date",
    "epoch_ms",
    "timestamp",
    "timestamp_utc",
)
FORMATS = ("json_pages", "csv", "jsonl", "xlsx")

# Lineage columns every raw row carries (documented in docs/sources.md).
LINEAGE_COLUMNS = ("_source_file", "_row_number", "_load_id", "_loaded_at", "_file_hash")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    required: bool = False
    source: str | None = None
    synonyms: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    values: tuple[str, ...] = ()
    since: str | None = None
    scale: int = 2  # decimals only: digits after the point (money 2, rates 4, quantities 3)
    max_length: int | None = None  # strings only: characters allowed (None: the ingest default)
    # what the value means (unit, sign, period) for the people delivering it; not for loading
    description: str = field(default="", compare=False, repr=False)

    @property
    def header(self) -> str:
        """The key or column header this field has in the landing file."""
        return self.source or self.name


@dataclass(frozen=True)
class RowCheck:
    """A range a field must keep when another field has a given value; a failing row is quarantined.

    Plain ``min``/``max`` on a field are warnings of the quality suites (odd values are facts
    about the business); a row check is for a value that cannot mean anything at all, e.g. a
    percent tolerance of 150.
    """

    field: str
    when: tuple[tuple[str, str], ...] = ()  # (field, value) pairs that must all hold
    min: float | None = None
    max: float | None = None
    why: str = ""

    def describe(self) -> str:
        """``toleranceValue <= 100 when toleranceType = percent``"""
        if self.min is not None and self.max is not None:
            rule = f"{self.min:g} <= {self.field} <= {self.max:g}"
        elif self.min is not None:
            rule = f"{self.field} >= {self.min:g}"
        else:
            rule = f"{self.field} <= {self.max:g}"
        cond = " and ".join(f"{k} = {v}" for k, v in self.when)
        return rule + (f" when {cond}" if cond else "")


@dataclass(frozen=True)
class EntitySpec:
    qualified_name: str  # "crm.accounts"
    path: str
    format: str
    fields: tuple[FieldSpec, ...]
    key: tuple[str, ...]
    description: str = ""
    encoding: str = "utf-8"
    version: str | None = None
    path_fields: str | None = None
    row_checks: tuple[RowCheck, ...] = ()
    # key of a landing record that marks it as a delete (the system's ``delete_marker``); None: the
    # system delivers no deletes. A marker needs only the key and version fields.
    delete_marker: str | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def system(self) -> str:
        return self.qualified_name.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.qualified_name.split(".", 1)[1]

    @property
    def raw_table(self) -> str:
        """Relation name of the raw table, e.g. ``crm__accounts``."""
        return f"{self.system}__{self.name}"

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def path_field_names(self) -> tuple[str, ...]:
        if not self.path_fields:
            return ()
        return tuple(re.compile(self.path_fields).groupindex)

    @property
    def marker_fields(self) -> tuple[str, ...]:
        """The fields a delete marker must carry: the key and the version."""
        return (*self.key, *([self.version] if self.version else []))

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.qualified_name} has no field {name!r}")


def _parse_entity(qualified_name: str, body: dict, delete_marker: str | None = None) -> EntitySpec:
    fmt = body["format"]
    if fmt not in FORMATS:
        raise ValueError(f"{qualified_name}: unknown format {fmt!r}; expected one of {FORMATS}")
    fields = []
    for name, spec in body["fields"].items():
        ftype = spec["type"]
        if ftype not in FIELD_TYPES:
            raise ValueError(f"{qualified_name}.{name}: unknown type {ftype!r}")
        fields.append(
            FieldSpec(
                name=name,
                type=ftype,
                required=bool(spec.get("required", False)),
                source=spec.get("source"),
                synonyms=tuple(str(s) for s in spec.get("synonyms", ())),
                min=spec.get("min"),
                max=spec.get("max"),
                values=tuple(str(v) for v in spec.get("values", ())),
                since=str(spec["since"]) if spec.get("since") else None,
                scale=int(spec.get("scale", 2)),
                max_length=int(spec["max_length"]) if spec.get("max_length") else None,
                description=" ".join(str(spec.get("description", "")).split()),
            )
        )
    known = {f.name for f in fields}
    for k in body["key"]:
        if k not in known and k not in _path_groups(body.get("path_fields")):
            raise ValueError(f"{qualified_name}: key column {k!r} is not a field")
    checks = tuple(_parse_row_check(qualified_name, c, known) for c in body.get("row_checks", ()))
    return EntitySpec(
        qualified_name=qualified_name,
        path=body["path"],
        format=fmt,
        fields=tuple(fields),
        key=tuple(body["key"]),
        description=" ".join(str(body.get("description", "")).split()),
        encoding=body.get("encoding", "utf-8"),
        version=body.get("version"),
        path_fields=body.get("path_fields"),
        row_checks=checks,
        delete_marker=delete_marker,
    )


def _parse_row_check(qualified_name: str, body: dict, known: set[str]) -> RowCheck:
    when = tuple((str(k), str(v)) for k, v in (body.get("when") or {}).items())
    for name in (body["field"], *(k for k, _ in when)):
        if name not in known:
            raise ValueError(f"{qualified_name}: row check names {name!r}, which is not a field")
    if body.get("min") is None and body.get("max") is None:
        raise ValueError(f"{qualified_name}: row check on {body['field']} needs min or max")
    return RowCheck(
        field=body["field"],
        when=when,
        min=body.get("min"),
        max=body.get("max"),
        why=" ".join(str(body.get("why", "")).split()),
    )


def _path_groups(pattern: str | None) -> tuple[str, ...]:
    return tuple(re.compile(pattern).groupindex) if pattern else ()


@cache
def load_contract(path: Path = CONTRACT_PATH) -> dict[str, EntitySpec]:
    """All entities of the contract, keyed by ``system.entity``, in file order."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    markers = {name: body.get("delete_marker") for name, body in doc["systems"].items()}
    return {name: _parse_entity(name, body, markers.get(name.split(".", 1)[0]))
            for name, body in doc["entities"].items()}


@cache
def systems(path: Path = CONTRACT_PATH) -> dict[str, dict]:
    """System descriptions (title, description) keyed by system name."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))["systems"]


def entity(qualified_name: str) -> EntitySpec:
    try:
        return load_contract()[qualified_name]
    except KeyError:
        known = ", ".join(load_contract())
        raise KeyError(f"unknown entity {qualified_name!r}; known: {known}") from None


def entities_of(system: str) -> list[EntitySpec]:
    return [e for e in load_contract().values() if e.system == system]
