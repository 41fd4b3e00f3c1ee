"""The entry screens' way into the operational store: one transaction per action, errors as messages.

Pages never open the store or catch store errors themselves. ``act`` runs one workflow call
(``operational.workflows.<area>.<action>(session, viewer, ...)``) in one transaction and turns
what can go wrong into what the form shows: ``ValidationError`` → a message beside each field,
``StaleRecordError`` → the newer values, ``PermissionDenied`` / ``NotFound`` → a form message.
``read`` runs a read-only call. Both return plain values (rows as dicts), never live ORM objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st

from apps.components import forms, records
from operational import records as store_records
from operational.db import session_scope
from operational.errors import NotFound, PermissionDenied, StaleRecordError, ValidationError
from operational.scope import Viewer


@dataclass
class Outcome:
    """What one action did: its value, or the messages the form shows."""

    value: Any = None
    errors: dict[str, str] = field(default_factory=dict)
    stale: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and self.stale is None


def plain(value: Any) -> Any:
    """ORM rows → dicts (lists of rows → lists of dicts); anything else unchanged."""
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "__table__"):
        return store_records.row_dict(value)
    return value


def act(form: str, action: Callable[..., Any], *args: Any, **kwargs: Any) -> Outcome:
    """Run ``action(session, *args, **kwargs)`` in one transaction; failures go to ``form``'s messages."""
    outcome = Outcome()
    try:
        with session_scope() as session:
            outcome.value = plain(action(session, *args, **kwargs))
    except ValidationError as exc:
        outcome.errors = exc.errors or {forms.GENERAL: str(exc)}
    except StaleRecordError as exc:
        outcome.stale = exc.current
        outcome.errors = {forms.GENERAL: str(exc)}
        records.remember_stale(form, exc.current)
    except (PermissionDenied, NotFound) as exc:
        outcome.errors = {forms.GENERAL: str(exc)}
    forms.set_errors(form, outcome.errors)
    return outcome


def read(action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a read-only call (lists, lookups) and return plain values."""
    with session_scope(readonly=True) as session:
        return plain(action(session, *args, **kwargs))


def frame(rows: list[dict], columns: list[str] | None = None) -> pd.DataFrame:
    """Rows as a table, in the given column order (empty table with those columns if none)."""
    df = pd.DataFrame(rows)
    if columns:
        df = df.reindex(columns=[c for c in columns if c in df.columns or df.empty])
    return df


def history(viewer: Viewer, table: str, record_id: int) -> pd.DataFrame:
    """The audit trail of one record the viewer may see, newest first, one row per change."""
    entries = read(store_records.history, table, int(record_id), viewer)
    rows = [
        {
            "changed_at": e["changed_at"],
            "by": e["changed_by_name"],
            "action": e["action"],
            "changes": "; ".join(f"{c['field']}: {c['before']} → {c['after']}" for c in e["changes"]),
            "comment": e["comment"],
        }
        for e in reversed(entries)
    ]
    return pd.DataFrame(rows, columns=["changed_at", "by", "action", "changes", "comment"])


def show_history(viewer: Viewer, table: str, record_id: int | None) -> None:
    """The audit-history expander of the selected record (nothing when none is selected)."""
    if record_id is None:
        return
    try:
        records.audit_history(history(viewer, table, record_id))
    except (PermissionDenied, NotFound) as exc:
        st.info(str(exc))


def owner_choices(viewer: Viewer) -> dict[int, str]:
    """CRM users the viewer may give records to (a rep: themself; a manager: the team; admin: all)."""
    from operational.reference import Reference
    from operational.scope import visible_owner_ids

    users = Reference.load().frame("users")
    if not users.height:
        return {}
    allowed = visible_owner_ids(viewer)
    rows = users.filter(users["is_active"]).sort("user_name").to_dicts()
    return {
        int(r["user_id"]): f"{r['user_name']} ({r['position']})"
        for r in rows
        if allowed is None or r["user_id"] in allowed
    }


def label(rows: list[dict], id_: int | None, *fields: str) -> str:
    """``#id field field`` of the row with that id (selectbox labels)."""
    row = next((r for r in rows if r["id"] == id_), None)
    if row is None:
        return str(id_)
    return " · ".join([f"#{row['id']}", *(str(row[f]) for f in fields if row.get(f) not in (None, ""))])


def visible_rows(session, viewer: Viewer, model: type, limit: int = 500, **equal: Any) -> list:
    """Store rows of ``model`` the viewer sees (row rule in the SQL), newest first."""
    import sqlalchemy as sa

    from operational.scope import filter_query

    stmt = filter_query(sa.select(model), viewer, model)
    for column, value in equal.items():
        stmt = stmt.where(getattr(model, column) == value)
    return list(session.scalars(stmt.order_by(model.updated_at.desc(), model.id.desc()).limit(limit)))


def account_choices(viewer: Viewer) -> dict[int, str]:
    """Accounts the viewer may put records on: the store's and the extracted ones in their scope."""
    from operational.models import Account
    from operational.reference import Reference
    from operational.scope import visible_owner_ids

    choices = {r["id"]: r["account_name"] for r in read(visible_rows, viewer, Account, 1000)}
    accounts = Reference.load().frame("accounts")
    if accounts.height:
        allowed = visible_owner_ids(viewer)
        if allowed is not None:
            accounts = accounts.filter(accounts["owner_id"].is_in(sorted(allowed)))
        choices |= dict(zip(accounts["account_id"].to_list(), accounts["account_name"].to_list(), strict=True))
    return choices
