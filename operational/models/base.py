"""Declarative base and the columns every business table of the store carries.

``RecordMixin`` gives each business row a globally unique id (``operational.ids``), the source
system (``'ops'``), an optimistic-concurrency ``version``, who/when columns and a soft-delete
marker. Class attributes tell the generic layers how to treat a model:

- ``__owner_column__``: column holding the CRM user who owns the row (row rule for reps and
  managers); ``None`` = not owner-scoped.
- ``__partner_column__``: column holding the partner id (row rule for partner users).
- ``validate(values)``: field → message for business rules beyond types and required fields.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Money = sa.Numeric(18, 2)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)
    type_annotation_map = {
        int: sa.BigInteger(),
        str: sa.Text(),
        Decimal: Money,
        dt.datetime: sa.DateTime(),
        dt.date: sa.Date(),
        bool: sa.Boolean(),
    }


class RecordMixin:
    """Common columns of every business table (see docs/operational-store.md)."""

    __owner_column__: ClassVar[str | None] = "owner_id"
    __partner_column__: ClassVar[str | None] = "partner_id"
    # fields a screen may not set directly (the store maintains them)
    __system_fields__: ClassVar[frozenset[str]] = frozenset(
        {"id", "source_system", "version", "created_at", "created_by", "updated_at", "updated_by", "deleted_at"}
    )

    id: Mapped[int] = mapped_column(sa.BigInteger(), primary_key=True, autoincrement=False)
    source_system: Mapped[str] = mapped_column(sa.String(8), default="ops", server_default="ops")
    version: Mapped[int] = mapped_column(sa.Integer(), default=1, server_default="1")
    created_at: Mapped[dt.datetime]
    created_by: Mapped[int | None]
    updated_at: Mapped[dt.datetime]
    updated_by: Mapped[int | None]
    deleted_at: Mapped[dt.datetime | None]

    @classmethod
    def validate(cls, values: dict[str, Any]) -> dict[str, str]:
        """Business rules on the full row after the change; field → message (empty = valid)."""
        return {}

    @classmethod
    def business_columns(cls) -> list[str]:
        """Columns a screen may set (all but the system-maintained ones)."""
        return [c.key for c in cls.__table__.columns if c.key not in cls.__system_fields__]
