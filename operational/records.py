"""Generic audited writes: validation, scope checks, optimistic concurrency, soft delete.

Every workflow saves through ``insert`` / ``update`` / ``soft_delete`` so each change is
validated the same way and lands in ``audit_log`` with the row before and after. ``update`` is
``UPDATE … WHERE id = ? AND version = ?``: of two sessions (or processes) saving the same
version exactly one succeeds; the other gets ``StaleRecordError`` carrying the newer values.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from operational import validation
from operational.db import now_local
from operational.errors import NotFound, StaleRecordError, ValidationError
from operational.ids import next_id
from operational.models import AuditLog, model_for_table
from operational.reference import Reference
from operational.scope import Viewer, check_row, row_visible

REQUIRED = "必填 Required"


# -- row <-> dict
def row_dict(obj: Any) -> dict[str, Any]:
    """Column values of a mapped object, keyed by column name."""
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def to_json(row: dict[str, Any] | None) -> str | None:
    if row is None:
        return None
    return json.dumps({k: _jsonable(v) for k, v in row.items()}, ensure_ascii=False, sort_keys=True)


# -- validation
def _coerce_one(column: sa.Column, value: Any) -> Any:
    """Convert a typed-in value to the column's Python type within its limits
    (``operational.validation``); raises ValueError with a message."""
    return validation.read_value(column, value)


def coerce(model: type, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Typed values for ``model``'s columns and a message per field that could not be read."""
    columns = model.__table__.columns
    unknown = sorted(set(values) - set(columns.keys()))
    if unknown:
        raise ValueError(f"{model.__tablename__} has no column(s) {unknown}")
    clean, errors = {}, {}
    for key, value in values.items():
        try:
            clean[key] = _coerce_one(columns[key], value)
        except ValueError as exc:
            errors[key] = str(exc)
    return clean, errors


def _defaults(model: type) -> dict[str, Any]:
    out = {}
    system = getattr(model, "__system_fields__", frozenset())
    for col in model.__table__.columns:
        if col.key not in system and col.default is not None and col.default.is_scalar:
            out[col.key] = col.default.arg
    return out


def check_values(model: type, row: dict[str, Any], errors: dict[str, str] | None = None) -> None:
    """Required fields, the order of the row's dates and the model's own rules; raises ``ValidationError`` listing every field."""
    errors = dict(errors or {})
    system = getattr(model, "__system_fields__", frozenset())
    for col in model.__table__.columns:
        if col.key in system or col.nullable or col.key in errors:
            continue
        value = row.get(col.key)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors[col.key] = REQUIRED
    for key, msg in validation.row_errors(model.__tablename__, row).items():
        errors.setdefault(key, msg)
    validate = getattr(model, "validate", None)
    if validate is not None:
        try:
            for key, msg in validate(row).items():
                errors.setdefault(key, msg)
        except (TypeError, ValueError, InvalidOperation):
            if not errors:  # the rules choked on a value the type check already flagged
                raise
    if errors:
        raise ValidationError(errors)


# -- audit
def audit(session: Session, viewer: Viewer | None, table: str, record_id: int, action: str,
          before: dict | None, after: dict | None, comment: str | None = None,
          at: dt.datetime | None = None) -> None:
    """Append one audit row (who, when, before, after)."""
    session.add(
        AuditLog(
            table_name=table,
            record_id=record_id,
            action=action,
            changed_by=viewer.user_id if viewer else None,
            changed_by_name=viewer.username if viewer else "system",
            changed_at=at or now_local(),
            before_json=to_json(before),
            after_json=to_json(after),
            comment=comment,
        )
    )


def history(session: Session, table_name: str, record_id: int, viewer: Viewer | None = None,
            reference: Reference | None = None) -> list[dict[str, Any]]:
    """The audit trail of one record, oldest first, with the fields each change touched."""
    if viewer is not None:
        model = model_for_table(table_name)
        obj = session.get(model, record_id)
        if obj is None:
            raise NotFound(f"{table_name} {record_id} does not exist")
        check_row(viewer, row_dict(obj), model, reference)
    rows = session.execute(
        sa.select(AuditLog)
        .where(AuditLog.table_name == table_name, AuditLog.record_id == record_id)
        .order_by(AuditLog.id)
    ).scalars()
    out = []
    for entry in rows:
        before = json.loads(entry.before_json) if entry.before_json else None
        after = json.loads(entry.after_json) if entry.after_json else None
        keys = sorted(set(before or {}) | set(after or {}))
        changed = [
            {"field": k, "before": (before or {}).get(k), "after": (after or {}).get(k)}
            for k in keys
            if (before or {}).get(k) != (after or {}).get(k) and k not in {"updated_at", "version"}
        ]
        out.append(
            {
                "id": entry.id,
                "action": entry.action,
                "changed_by": entry.changed_by,
                "changed_by_name": entry.changed_by_name,
                "changed_at": entry.changed_at,
                "comment": entry.comment,
                "before": before,
                "after": after,
                "changes": changed,
            }
        )
    return out


# -- reads
def get(session: Session, viewer: Viewer, model: type, record_id: int,
        reference: Reference | None = None, include_deleted: bool = False) -> Any:
    """One record the viewer may see; ``NotFound`` / ``PermissionDenied`` otherwise."""
    obj = session.get(model, record_id, populate_existing=True)
    if obj is None or (obj.deleted_at is not None and not include_deleted):
        raise NotFound(f"{model.__tablename__} {record_id} does not exist")
    check_row(viewer, row_dict(obj), model, reference)
    return obj


# -- writes
def insert(session: Session, viewer: Viewer, model: type, values: dict[str, Any], *,
           action: str = "insert", comment: str | None = None,
           reference: Reference | None = None) -> Any:
    """Validate, check the row is inside the viewer's scope, allocate an id, audit."""
    clean, errors = coerce(model, values)
    system = set(clean) & set(model.__system_fields__)
    if system:
        raise ValueError(f"{model.__tablename__}: the store sets {sorted(system)} itself")
    row = {**_defaults(model), **clean}
    check_values(model, row, errors)
    check_row(viewer, row, model, reference)
    return add_audited(session, viewer, model, row, action=action, comment=comment)


def add_audited(session: Session, viewer: Viewer, model: type, row: dict[str, Any], *,
                action: str = "insert", comment: str | None = None, now: dt.datetime | None = None) -> Any:
    """Add a checked ``row`` with the store's own fields (id, source, version, who and when) and
    its audit entry. The caller has validated it and checked the viewer's scope."""
    now = now or now_local()
    obj = model(
        id=next_id(session),
        source_system="ops",
        version=1,
        created_at=now,
        created_by=viewer.user_id,
        updated_at=now,
        updated_by=viewer.user_id,
        **row,
    )
    session.add(obj)
    session.flush()
    audit(session, viewer, model.__tablename__, obj.id, action, None, row_dict(obj), comment, now)
    return obj


def _visible_part(viewer: Viewer, obj: Any, model: type, reference: Reference | None) -> dict | None:
    """The newer row for a stale save, or only its id and version if it moved out of sight."""
    if obj is None:
        return None
    row = row_dict(obj)
    if row_visible(viewer, row, model, reference):
        return row
    return {"id": row["id"], "version": row["version"], "deleted_at": row.get("deleted_at")}


def _load(session: Session, obj_or_id: Any, model: type | None) -> tuple[type, Any]:
    """The stored row (never what some session cached: the object may come from another one)."""
    if not isinstance(obj_or_id, int):
        model, obj_or_id = type(obj_or_id), obj_or_id.id
    if model is None:
        raise TypeError("pass model= when updating by id")
    obj = session.get(model, obj_or_id, populate_existing=True)
    if obj is None:
        raise NotFound(f"{model.__tablename__} {obj_or_id} does not exist")
    return model, obj


def update(session: Session, viewer: Viewer, obj_or_id: Any, values: dict[str, Any],
           expected_version: int, *, model: type | None = None, action: str = "update",
           comment: str | None = None, reference: Reference | None = None,
           _allow_system: frozenset[str] = frozenset()) -> Any:
    """Save ``values`` over version ``expected_version``; ``StaleRecordError`` if it moved on."""
    model, obj = _load(session, obj_or_id, model)
    table = model.__tablename__
    before = row_dict(obj)
    check_row(viewer, before, model, reference)
    if obj.version != expected_version or (obj.deleted_at is not None and "deleted_at" not in _allow_system):
        raise StaleRecordError(table, obj.id, expected_version, _visible_part(viewer, obj, model, reference))
    clean, errors = coerce(model, values)
    system = set(clean) & (set(model.__system_fields__) - set(_allow_system))
    if system:
        raise ValueError(f"{table}: the store sets {sorted(system)} itself")
    after_values = {**before, **clean}
    check_values(model, after_values, errors)
    check_row(viewer, after_values, model, reference)  # no moving a row out of one's own scope
    now = now_local()
    result = session.execute(
        sa.update(model)
        .where(model.id == obj.id, model.version == expected_version)
        .values(**clean, version=expected_version + 1, updated_at=now, updated_by=viewer.user_id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.expire(obj)
        current = session.get(model, obj.id, populate_existing=True)
        raise StaleRecordError(table, obj.id, expected_version, _visible_part(viewer, current, model, reference))
    session.refresh(obj)
    audit(session, viewer, table, obj.id, action, before, row_dict(obj), comment, now)
    return obj


def soft_delete(session: Session, viewer: Viewer, obj_or_id: Any, expected_version: int, *,
                model: type | None = None, comment: str | None = None,
                reference: Reference | None = None) -> Any:
    """Mark the record deleted (extraction emits it as a delete); audited like any change."""
    return update(
        session, viewer, obj_or_id, {"deleted_at": now_local()}, expected_version,
        model=model, action="delete", comment=comment, reference=reference,
        _allow_system=frozenset({"deleted_at"}),
    )
