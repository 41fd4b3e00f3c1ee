"""Pieces the order, delivery, payment, partner and ticket screens share: names for ids, and
numbered line rows whose fields show their own messages (``lines[2].quantity``).

Line rows are plain widgets (not a data editor) so a message can sit below the very field it is
about and AppTest can drive every field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import polars as pl
import streamlit as st

from apps import display
from apps import entry_data as ed
from apps.components import forms
from operational import scope
from operational.reference import Reference
from operational.workflows import accounts as account_flows

NONE = "—"


def reference() -> Reference:
    return Reference.load()


def account_names(viewer: scope.Viewer) -> dict[int, str]:
    """Accounts the viewer may work on: extracted ones by the owner rule, then the store's own."""
    ref = reference()
    extracted = ref.frame("accounts")
    owners = scope.visible_owner_ids(viewer, ref)
    if extracted.height and owners is not None:
        extracted = extracted.filter(pl.col("owner_id").is_in(sorted(owners)))
    names = (
        dict(zip(extracted["account_id"].to_list(), extracted["account_name"].to_list(), strict=True))
        if extracted.height
        else {}
    )
    if scope.can_open(viewer, "accounts"):
        for row in ed.read(account_flows.list_accounts, viewer):
            names[row["id"]] = row["account_name"]
    return names


def all_account_names() -> dict[int, str]:
    """Every extracted account's name (labels only; rows are scoped by their own loaders)."""
    extracted = reference().frame("accounts")
    if not extracted.height:
        return {}
    return dict(zip(extracted["account_id"].to_list(), extracted["account_name"].to_list(), strict=True))


def product_names() -> dict[int, str]:
    products = reference().frame("products")
    if not products.height:
        return {}
    labels = (products["product_code"] + " " + products["product_name"]).to_list()
    return dict(zip(products["product_id"].to_list(), labels, strict=True))


def partner_names() -> dict[int, str]:
    partners = reference().frame("partners")
    if not partners.height:
        return {}
    labels = (partners["partner_code"] + " " + partners["partner_name"]).to_list()
    return dict(zip(partners["partner_id"].to_list(), labels, strict=True))


def user_names() -> dict[int, str]:
    users = reference().frame("users")
    if not users.height:
        return {}
    return dict(zip(users["user_id"].to_list(), users["user_name"].to_list(), strict=True))


def label(names: dict[int, str]) -> Callable[[Any], str]:
    """``format_func`` for a selectbox of ids: the name, or the id when unknown."""
    return lambda value: NONE if value is None else f"{names.get(value, value)}"


def line_field(n: int, field: str) -> str:
    """The workflow's error key of field ``field`` on line ``n`` (1-based)."""
    return f"lines[{n}].{field}"


def line_key(prefix: str, n: int, field: str) -> str:
    return f"{prefix}_{n}_{field}"


def line_values(prefix: str, count: int, fields: Iterable[str]) -> list[dict[str, Any]]:
    """The typed line rows (inside a submit callback), one dict per line."""
    fields = list(fields)
    return [{f: st.session_state.get(line_key(prefix, n, f)) for f in fields} for n in range(1, count + 1)]


def line_keys(prefix: str, count: int, fields: Iterable[str]) -> list[str]:
    fields = list(fields)
    return [line_key(prefix, n, f) for n in range(1, count + 1) for f in fields]


def line_count(key: str, label_text: str = "行数 Lines", maximum: int = 20) -> int:
    """How many line rows to draw (outside the form, so the form grows at once)."""
    return int(st.number_input(label_text, min_value=1, max_value=maximum, value=1, step=1, key=key))


def tolerance_inputs(form: str, prefix: str, n: int) -> None:
    """Over/short tolerance (溢短装) of one line: type and value, each with its message."""
    forms.select(form, line_field(n, "tolerance_type"), f"溢短装 Tolerance #{n}",
                 ["none", "absolute", "percent"], key=line_key(prefix, n, "tolerance_type"))
    forms.text(form, line_field(n, "tolerance_value"), f"容差 Tolerance value #{n}",
               key=line_key(prefix, n, "tolerance_value"), placeholder="e.g. 5 (percent) / 200 (kg)")


def blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def receipts(session, viewer: scope.Viewer, installment_ids: list[int]) -> list:
    """Receipts booked on these installments that the viewer may see (for the payments screen)."""
    import sqlalchemy as sa

    from operational.models.orders import Receipt

    stmt = scope.filter_query(sa.select(Receipt), viewer, Receipt, reference())
    stmt = stmt.where(Receipt.installment_id.in_([int(i) for i in installment_ids]))
    return list(session.scalars(stmt.order_by(Receipt.id)))


def recent_changes(session, viewer: scope.Viewer, table_name: str | None = None, limit: int = 200) -> list[dict]:
    """The newest audit entries of the whole store (admin only: they name rows of every owner)."""
    import sqlalchemy as sa

    from operational.errors import PermissionDenied
    from operational.models import AuditLog

    if viewer.role != "admin":
        raise PermissionDenied("the store-wide change list is for admins; open a record to see its history")
    stmt = sa.select(AuditLog.table_name, AuditLog.record_id, AuditLog.action, AuditLog.changed_by_name,
                     AuditLog.changed_at, AuditLog.comment)
    if table_name:
        stmt = stmt.where(AuditLog.table_name == table_name)
    return [dict(r._mapping) for r in session.execute(stmt.order_by(AuditLog.id.desc()).limit(limit))]


def audited_tables(session) -> list[str]:
    import sqlalchemy as sa

    from operational.models import AuditLog

    return list(session.scalars(sa.select(AuditLog.table_name).distinct().order_by(AuditLog.table_name)))


def table(rows: list[dict], columns: list[str], names: dict[str, dict[int, str]] | None = None) -> None:
    """Rows as a table, ids replaced by names where given (``{"account_id": names}``)."""
    frame = ed.frame(rows, columns)
    for column, mapping in (names or {}).items():
        if column in frame.columns:
            frame[column] = frame[column].map(lambda v, m=mapping: m.get(v, v))
    display.table(frame, show_ids=["id"])
