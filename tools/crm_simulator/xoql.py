"""The subset of XOQL the extraction sends, parsed strictly: anything else is a 400, as a
real tenant would refuse a query it cannot run (so the client cannot come to rely on more)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_QUERY = re.compile(
    r"^\s*select\s+(?P<fields>[\w, ]+?)\s+from\s+(?P<obj>\w+)"
    r"(?:\s+where\s+(?P<wfield>\w+)\s*>=\s*(?P<wvalue>-?\d+))?"
    r"(?:\s+order\s+by\s+(?P<order>[\w, ]+?))?"
    r"(?:\s+limit\s+(?P<offset>\d+)\s*,\s*(?P<size>\d+))?\s*$",
    re.IGNORECASE,
)


class XoqlError(ValueError):
    pass


@dataclass(frozen=True)
class Query:
    fields: tuple[str, ...]
    obj: str
    where_field: str | None
    where_min: int | None
    order: tuple[str, ...]
    offset: int
    size: int | None


def parse(q: str) -> Query:
    m = _QUERY.match(q or "")
    if not m:
        raise XoqlError(f"unsupported XOQL: {q!r}")
    fields = tuple(f.strip() for f in m["fields"].split(",") if f.strip())
    order = tuple(f.strip().removesuffix(" asc").strip() for f in (m["order"] or "").split(",") if f.strip())
    return Query(
        fields=fields,
        obj=m["obj"],
        where_field=m["wfield"],
        where_min=int(m["wvalue"]) if m["wvalue"] is not None else None,
        order=order,
        offset=int(m["offset"] or 0),
        size=int(m["size"]) if m["size"] is not None else None,
    )
