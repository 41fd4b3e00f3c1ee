"""A contract entity's fields as the tenant names them, checked against the object's description.

crm_api.yml says which tenant apiKey carries each contract field (the same name unless it says
otherwise); the object description says which fields the tenant really has. A required field
the tenant lacks stops that entity (its records would all be quarantined); an optional one is
left out of the query and lands as empty, with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from kernel.config.crm_api import CrmApi
from kernel.contracts import EntitySpec

SHANGHAI = timedelta(hours=8)  # a 销售易 date field is epoch ms at local midnight


class MappingError(ValueError):
    """The tenant's object cannot deliver this entity; the message says which fields and why."""


@dataclass(frozen=True)
class EntityMapping:
    entity: str
    api_key: str  # the tenant object
    fields: tuple[tuple[str, str], ...]  # (contract field, tenant apiKey) that are queried
    missing_optional: tuple[str, ...] = ()
    date_fields: frozenset[str] = field(default_factory=frozenset)  # contract fields typed date

    @property
    def select(self) -> str:
        return ",".join(tenant for _, tenant in self.fields)

    def to_contract(self, record: dict) -> dict:
        """One API record with the contract's field names (and dates as YYYY-MM-DD)."""
        out = {}
        for name, tenant in self.fields:
            value = record.get(tenant)
            if name in self.date_fields and isinstance(value, int | float) and not isinstance(value, bool):
                value = (datetime.fromtimestamp(value / 1000, UTC) + SHANGHAI).strftime("%Y-%m-%d")
            out[name] = value
        return out


def described_fields(description: dict) -> set[str]:
    """The field apiKeys of an object description (``fields[].apiKey``)."""
    return {str(f.get("apiKey")) for f in description.get("fields") or [] if isinstance(f, dict)}


def resolve(spec: EntitySpec, config: CrmApi, description: dict) -> EntityMapping:
    """The mapping of ``spec`` onto the tenant object, or :class:`MappingError` naming what is missing."""
    entity = spec.qualified_name
    have = described_fields(description)
    pairs, missing_required, missing_optional = [], [], []
    for f in spec.fields:
        tenant = config.field_key(entity, f.name)
        if tenant in have:
            pairs.append((f.name, tenant))
        elif f.required:
            missing_required.append(f"{f.name} (tenant field {tenant})")
        else:
            missing_optional.append(f.name)
    if missing_required:
        raise MappingError(
            f"object {config.object_key(entity)} has no field for {', '.join(missing_required)}; "
            f"map them under objects.{entity}.fields in crm_api.yml")
    return EntityMapping(
        entity=entity,
        api_key=config.object_key(entity),
        fields=tuple(pairs),
        missing_optional=tuple(missing_optional),
        date_fields=frozenset(f.name for f in spec.fields if f.type == "date"),
    )
