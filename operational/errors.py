"""Errors the store raises; screens show them beside the fields instead of a traceback."""

from __future__ import annotations


class StoreError(Exception):
    """Base class of every error the operational store raises on purpose."""


class ValidationError(StoreError, ValueError):
    """One message per field (``errors[field] = message``); the screen shows each beside its field."""

    def __init__(self, errors: dict[str, str], message: str | None = None) -> None:
        self.errors = dict(errors)
        detail = "; ".join(f"{field}: {msg}" for field, msg in self.errors.items())
        super().__init__(message or f"invalid input — {detail}")


class StaleRecordError(StoreError):
    """The record changed since it was loaded; ``current`` holds the newer values to show."""

    def __init__(self, table: str, record_id: int, expected_version: int, current: dict | None) -> None:
        self.table = table
        self.record_id = record_id
        self.expected_version = expected_version
        self.current = dict(current or {})
        now = self.current.get("version", "deleted")
        super().__init__(
            f"{table} {record_id} was changed by someone else (you edited version "
            f"{expected_version}, the store has version {now}); reload and apply your change again"
        )


class PermissionDenied(StoreError, PermissionError):
    """The viewer may not open this screen or see/change this row."""


class NotFound(StoreError, LookupError):
    """No such record (or it is soft-deleted)."""


class AuthenticationError(StoreError):
    """Login failed; the message never says whether the user exists."""
