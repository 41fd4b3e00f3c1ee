"""Product requirements entered in the store (需求, issue 21): created from a ticket, tickets linked
N:1, released with a version; and the customers to tell when one is released.

The call center's extract keeps delivering its own requirements (``stg_callcenter__requirements``);
these are the ones raised on the entry screens. The table is ``product_requirements`` (not
``requirements``) so its store id becomes ``product_requirement_id`` in staging and the business
key ``requirement_id`` (``REQ-OPS-…``, the extract's shape) keeps its name in both. Statuses are
the extract's (kernel/contracts/sources.yml ``callcenter.requirements``), so the demand ranking
reads one vocabulary. Links reuse ``ticket_requirement_links`` (operational/models/service.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, RecordMixin

REQUIREMENT_STATUSES = ("open", "planned", "in_development", "released", "rejected")
FOLLOWUP_STATUSES = ("pending", "notified")


class ProductRequirement(RecordMixin, Base):
    """A requirement raised from a ticket; ``released`` with ``release_version`` and ``released_on``."""

    __tablename__ = "product_requirements"
    __owner_column__ = None  # product managers and service staff all see every requirement
    __partner_column__ = None

    requirement_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    title: Mapped[str]
    description: Mapped[str | None]
    product_line: Mapped[str | None]
    product_code: Mapped[str | None]
    status: Mapped[str] = mapped_column(default="open", server_default="open")
    product_manager_id: Mapped[int | None]
    source_ticket_id: Mapped[int | None]
    source_ticket_no: Mapped[str | None] = mapped_column(sa.String(32))
    release_version: Mapped[str | None] = mapped_column(sa.String(64))
    released_on: Mapped[dt.date | None]

    @classmethod
    def validate(cls, values: dict[str, Any]) -> dict[str, str]:
        errors: dict[str, str] = {}
        if values.get("status") not in REQUIREMENT_STATUSES:
            errors["status"] = f"须为 {'/'.join(REQUIREMENT_STATUSES)} Must be one of {', '.join(REQUIREMENT_STATUSES)}"
        if not (values.get("title") or "").strip():
            errors["title"] = "必填 Required"
        if values.get("status") == "released":
            if not (values.get("release_version") or "").strip():
                errors["release_version"] = "发布须填版本号 A release needs its version"
            if values.get("released_on") is None:
                errors["released_on"] = "发布须填日期 A release needs its date"
        return errors


class RequirementFollowup(RecordMixin, Base):
    """One customer to tell that a requirement they asked for was released (one row per
    requirement and customer, however many of their tickets were linked); owned by the agent of
    the customer's earliest linked ticket, so it shows in that agent's (and manager's) list."""

    __tablename__ = "requirement_followups"
    __table_args__ = (sa.UniqueConstraint("requirement_id", "account_id"),)
    __partner_column__ = None

    owner_id: Mapped[int | None]
    requirement_id: Mapped[str] = mapped_column(sa.String(32))
    account_id: Mapped[int]
    ticket_nos: Mapped[str]  # the customer's linked tickets, comma-separated
    release_version: Mapped[str | None] = mapped_column(sa.String(64))
    released_on: Mapped[dt.date | None]
    status: Mapped[str] = mapped_column(default="pending", server_default="pending")
    notified_by: Mapped[str | None]
    notified_at: Mapped[dt.datetime | None]
    note: Mapped[str | None]

    @classmethod
    def validate(cls, values: dict[str, Any]) -> dict[str, str]:
        if values.get("status") not in FOLLOWUP_STATUSES:
            return {"status": f"须为 {'/'.join(FOLLOWUP_STATUSES)} Must be one of {', '.join(FOLLOWUP_STATUSES)}"}
        return {}
