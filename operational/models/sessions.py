"""Login sessions of the apps' browsers: what a session token stands for, so a refresh (F5) can resume it
and a logout, an idle timeout or a changed login can end it server-side (``operational.web_sessions``)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base

_AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class AppSession(Base):
    """One login in one browser. The token's random key is stored only as its SHA-256
    (``key_hash``): a copy of the store gives no usable token. Role and links are kept as granted,
    so a change made directly in the database still ends the session (``auth.session_problem``)."""

    __tablename__ = "app_sessions"
    __table_args__ = (sa.Index("ix_app_sessions_user", "user_id"),)

    id: Mapped[int] = mapped_column(_AutoId, primary_key=True, autoincrement=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.BigInteger())
    username: Mapped[str] = mapped_column(sa.String(64))
    role: Mapped[str] = mapped_column(sa.String(32))
    crm_user_id: Mapped[int | None] = mapped_column(sa.BigInteger())
    department_id: Mapped[int | None] = mapped_column(sa.BigInteger())
    partner_id: Mapped[int | None] = mapped_column(sa.BigInteger())
    credential_version: Mapped[int] = mapped_column(sa.Integer())
    started_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    client_source: Mapped[str | None] = mapped_column(sa.String(200))
    ended_at: Mapped[dt.datetime | None]
    end_reason: Mapped[str | None] = mapped_column(sa.String(32))
