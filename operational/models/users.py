"""Logins, the audit log and the id counter: the store's own bookkeeping tables."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base

ROLES = (
    "sales_rep",
    "sales_manager",
    "finance",
    "service_agent",
    "service_manager",
    "product_manager",
    "channel_manager",
    "partner_user",
    "admin",
)

# autoincrementing BIGINT that stays a rowid alias on SQLite
_AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class AppUser(Base):
    """A local login, linked to the CRM user whose ``owner_id`` the rows carry."""

    __tablename__ = "app_users"
    __table_args__ = (
        sa.CheckConstraint(f"role in ({', '.join(repr(r) for r in ROLES)})", name="role"),
    )

    id: Mapped[int] = mapped_column(_AutoId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str]
    password_hash: Mapped[str]
    role: Mapped[str] = mapped_column(sa.String(32))
    crm_user_id: Mapped[int | None]
    department_id: Mapped[int | None]
    partner_id: Mapped[int | None]
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # lockout of this login (operational.login_limits): a leaky counter of wrong passwords, stamped
    # when it last changed, and how many locks in a row (each lock lasts longer, up to a cap)
    failed_logins: Mapped[int] = mapped_column(sa.Integer(), default=0, server_default="0")
    failed_login_at: Mapped[dt.datetime | None]
    lock_count: Mapped[int] = mapped_column(sa.Integer(), default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None]
    # +1 on every change of password, role, links or activation: live sessions of an older version end
    credential_version: Mapped[int] = mapped_column(sa.Integer(), default=1, server_default="1")
    last_login_at: Mapped[dt.datetime | None]
    password_changed_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]


class AuditLog(Base):
    """Who changed which record when, with the row before and after (JSON)."""

    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_record", "table_name", "record_id"),)

    id: Mapped[int] = mapped_column(_AutoId, primary_key=True, autoincrement=True)
    table_name: Mapped[str] = mapped_column(sa.String(64))
    record_id: Mapped[int]
    action: Mapped[str] = mapped_column(sa.String(32))
    changed_by: Mapped[int | None]
    changed_by_name: Mapped[str | None]
    changed_at: Mapped[dt.datetime]
    before_json: Mapped[str | None]
    after_json: Mapped[str | None]
    comment: Mapped[str | None]


class LoginThrottle(Base):
    """A leaky counter of failed logins per client source (``source:<address>``) and for all (``global``).

    Counters of logins live on ``app_users``; names that are no login never get a row here, so
    guessing names cannot fill the table.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(sa.Integer(), default=0, server_default="0")
    counted_at: Mapped[dt.datetime]
    last_failure_at: Mapped[dt.datetime | None]
    lock_count: Mapped[int] = mapped_column(sa.Integer(), default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None]


class IdCounter(Base):
    """The counter ``operational.ids.next_id`` allocates store ids from."""

    __tablename__ = "id_counter"

    name: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    next_value: Mapped[int]
