"""The entry screens' way into the operational store: one transaction per action, errors as messages.

Pages never open the store or catch store errors themselves. ``act`` runs one workflow call
(``operational.workflows.<area>.<action>(session, viewer, ...)``) in one transaction and turns
what can go wrong into what the form shows: ``ValidationError`` → a message beside each field,
``StaleRecordError`` → the newer values, ``PermissionDenied`` / ``NotFound`` → a form message.
``read`` runs a read-only call. Both return plain values (rows as dicts), never live ORM objects.
"""

from __future__ import annotations

import threading
import time
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


@dataclass
class _Submission:
    """One submit key's store call: running until ``done`` is set, then its outcome."""

    done: threading.Event = field(default_factory=threading.Event)
    outcome: Outcome | None = None
    at: float = field(default_factory=time.monotonic)


_SUBMISSIONS: dict[tuple, _Submission] = {}
_SUBMISSIONS_LOCK = threading.Lock()
SUBMISSION_MEMORY = 3600.0  # seconds a saved submit's key is remembered (a repeated click comes within ms)


def _first_of(key: tuple | None) -> tuple[_Submission | None, bool]:
    """The submission of ``key`` and whether this call is its first (the one that saves)."""
    if key is None:
        return None, True
    with _SUBMISSIONS_LOCK:
        now = time.monotonic()
        for old in [k for k, v in _SUBMISSIONS.items() if v.done.is_set() and now - v.at > SUBMISSION_MEMORY]:
            del _SUBMISSIONS[old]
        if key in _SUBMISSIONS:
            return _SUBMISSIONS[key], False
        _SUBMISSIONS[key] = _Submission()
        return _SUBMISSIONS[key], True


def act(form: str, action: Callable[..., Any], *args: Any, **kwargs: Any) -> Outcome:
    """Run ``action(session, *args, **kwargs)`` in one transaction; failures go to ``form``'s messages.

    Once per submit key (``forms.submission_key``): a repeated click handled while the first is
    still saving waits for it and gets its outcome instead of saving again."""
    key = forms.submission_key()
    submission, first = _first_of(key)
    if not first:
        submission.done.wait(60)
        if submission.outcome is not None and submission.outcome.ok:
            forms.set_errors(form, {})
            return submission.outcome
        submission, first = None, True  # the first one failed: this one tries (and shows) itself
    outcome = Outcome()
    try:
        try:
            with session_scope() as session:
                outcome.value = plain(action(session, *args, **kwargs))
        except ValidationError as exc:
            outcome.errors = exc.errors or {forms.GENERAL: str(exc)}
        except StaleRecordError as exc:
            outcome.stale = exc.current
            outcome.errors = {forms.GENERAL: str(exc)}
        except (PermissionDenied, NotFound) as exc:
            outcome.errors = {forms.GENERAL: str(exc)}
    except BaseException:  # nothing was saved: a waiting repeat must not take it for a success
        outcome.errors = outcome.errors or {forms.GENERAL: "保存失败 The save failed"}
        raise
    finally:  # recorded before any Streamlit call, which fails in a run that is being stopped
        if submission is not None:
            submission.outcome = outcome
            if not outcome.ok:
                with _SUBMISSIONS_LOCK:
                    _SUBMISSIONS.pop(key, None)
            submission.done.set()
    if outcome.stale is not None:
        records.remember_stale(form, outcome.stale)
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


def owner_name(user_id: int | None) -> str:
    """A CRM user's name (the id when the snapshot does not know it)."""
    from operational.reference import Reference

    user = Reference.load().user(int(user_id)) if user_id is not None else None
    return user["user_name"] if user else str(user_id or "—")


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


# -- the extracted records beside the store's ---------------------------------------------------

STORE_SOURCE = "ops"
SOURCE_LABELS = {"ops": "本系统录入 Entered here", "xsy": "销售易 CRM 抽取", "callcenter": "呼叫中心 Call center",
                 "partners": "伙伴报表 Partner report"}
SOURCE_COLUMN = "record_source"
READ_ONLY_NOTE = "源系统抽取的记录只读（来自已发布快照，修改请在源系统中进行）。 Extracted records are read-only here. "
SOURCE_HEADER = {SOURCE_COLUMN: "来源 Source"}
EXTRACTED_LIMIT = 500  # newest extracted rows an entry list shows (the dashboards hold the rest)
# entity -> (unioned model of the published snapshot, its key, the row rule of apps/row_rules.py)
EXTRACTED = {
    "accounts": ("int_accounts_unioned", "account_id", "owners"),
    "contacts": ("int_contacts_unioned", "contact_id", "owners"),
    "leads": ("int_leads_unioned", "lead_id", "owners"),
    "opportunities": ("int_opportunities_unioned", "opportunity_id", "owners"),
    "quotes": ("int_quotes_unioned", "quote_id", "owners"),
    "orders": ("int_orders_unioned", "order_id", "owners"),
    "payment_plans": ("int_payment_plans_unioned", "payment_plan_id", "owners"),
    "tickets": ("int_tickets_unioned", "ticket_no", "agents"),
    "deal_registrations": ("int_deal_registrations_unioned", "registration_id", "partners"),
}


@dataclass
class Extracted:
    """Extracted rows of one entity the viewer may see, or why there are none."""

    frame: pd.DataFrame
    reason: str | None = None


def extracted(viewer: Viewer, entity: str, columns: list[str], *, where: str = "", params: tuple = (),
              names: dict[str, tuple[str, str, str]] | None = None, limit: int | None = None) -> Extracted:
    """Rows the source systems delivered for ``entity`` (published snapshot, the store's own rows
    left out: the screen shows those live), newest first, with the viewer's row rule in the SQL.
    ``id`` is the record's key; ``record_source`` says where it came from. ``names`` adds a name
    column from another entity: ``{"account_name": ("accounts", "account_id", "account_name")}``."""
    from apps import data_access, row_rules

    model, key, rule = EXTRACTED[entity]
    condition, args = getattr(row_rules, rule)(viewer)
    names = names or {}
    limit = EXTRACTED_LIMIT if limit is None else limit
    wanted = [c for c in columns if c not in ("id", SOURCE_COLUMN, *names)]
    empty = pd.DataFrame(columns=["id", SOURCE_COLUMN, *[c for c in columns if c not in ("id", SOURCE_COLUMN)]])
    if data_access.snapshot_version() == 0.0:
        return Extracted(empty, "尚无发布的数据 nothing published yet")
    try:
        known = set(data_access.query(
            "select column_name from information_schema.columns where table_schema = 'intermediate' "
            "and table_name = ?", (model,))["column_name"])
    except Exception:
        known = set()
    inner = (f"select {key} as id, source_system as {SOURCE_COLUMN}, * from intermediate.{model} "
             f"where source_system <> '{STORE_SOURCE}' and ({condition}){' and (' + where + ')' if where else ''} "
             f"order by {'updated_at desc nulls last, ' if 'updated_at' in known else ''}{key} desc limit {int(limit)}")
    # a column this source does not deliver stays empty (the CRM's leads have no follow-up time)
    picked = ", ".join(["t.id", f"t.{SOURCE_COLUMN}", *(f"t.{c}" if c in known else f"null as {c}" for c in wanted)])
    joins = ""
    for n, (column, (other, via, name)) in enumerate(names.items()):
        other_model, other_key, _ = EXTRACTED[other]
        picked += f", n{n}.v as {column}"
        joins += (f" left join (select {other_key} as k, any_value({name}) as v from intermediate.{other_model} "
                  f"group by 1) n{n} on n{n}.k = t.{via}")
    sql = f"select {picked} from ({inner}) t{joins} order by t.updated_at desc nulls last, t.id desc" \
        if "updated_at" in wanted and "updated_at" in known else f"select {picked} from ({inner}) t{joins}"
    try:
        return Extracted(data_access.query(sql, (*args, *params)))
    except Exception as exc:  # a snapshot without the model (partial data): say so, never crash
        return Extracted(empty, f"未能读取 {model} not read: {type(exc).__name__}")


def with_extracted(store_rows: list[dict], found: Extracted, columns: list[str]) -> pd.DataFrame:
    """One table of the store's rows and the extracted ones, the source named in Chinese."""
    own = frame(store_rows, [c for c in columns if c != SOURCE_COLUMN])
    own.insert(0, SOURCE_COLUMN, STORE_SOURCE)
    theirs = found.frame.reindex(columns=[SOURCE_COLUMN, *[c for c in columns if c != SOURCE_COLUMN]])
    both = pd.concat([df for df in (own, theirs) if not df.empty], ignore_index=True) if len(own) + len(theirs) \
        else own.reindex(columns=[SOURCE_COLUMN, *[c for c in columns if c != SOURCE_COLUMN]])
    both[SOURCE_COLUMN] = both[SOURCE_COLUMN].map(lambda s: SOURCE_LABELS.get(s, s))
    return both


def show_with_extracted(store_rows: list[dict], found: Extracted, columns: list[str], *,
                        labels: dict[str, str] | None = None, show_ids: list[str] | None = None,
                        key: str | None = None) -> pd.DataFrame:
    """The combined table, with a caption counting each side (and why the extracts are missing)."""
    from apps import display

    both = with_extracted(store_rows, found, columns)
    display.table(both, labels={**SOURCE_HEADER, **(labels or {})}, show_ids=show_ids or ["id"], key=key)
    shown = f"最新 {len(found.frame)} 条" if len(found.frame) >= EXTRACTED_LIMIT else f"{len(found.frame)} 条"
    note = f"本系统录入 {len(store_rows)} 条 · 源系统抽取 {shown}（已发布快照，只读）"
    st.caption(note + (f" · {found.reason}" if found.reason else ""))
    return both


def lookup(entity: str, ids: list, columns: list[str], store_model: type | None = None) -> dict[int, dict]:
    """Rows by id (labels for records the screen already shows, no row rule): the store's rows
    first, then the published snapshot (any source). Store columns carry the extract's names."""
    ids = sorted({int(i) for i in ids if i is not None and not pd.isna(i)})
    if not ids:
        return {}
    found: dict[int, dict] = {}
    if store_model is not None:
        import sqlalchemy as sa

        with session_scope(readonly=True) as session:
            cols = [getattr(store_model, c) for c in columns]
            for row in session.execute(sa.select(store_model.id, *cols).where(store_model.id.in_(ids))):
                found[int(row[0])] = dict(zip(columns, row[1:], strict=True))
    rest = [i for i in ids if i not in found]
    if rest:
        from apps import data_access

        model, key, _ = EXTRACTED[entity]
        try:
            rows = data_access.query(
                f"select {key} as id, {', '.join(columns)} from intermediate.{model} "
                f"where {key} in ({', '.join('?' * len(rest))})", tuple(rest))
            found |= {int(r["id"]): {c: r[c] for c in columns} for r in rows.to_dict("records")}
        except Exception:  # no snapshot: ids stay ids
            pass
    return found


def names_of(viewer: Viewer, entity: str, ids: list, name_column: str, store_model: type | None = None) -> dict[int, str]:
    """Names of records by id (``lookup``)."""
    return {i: r[name_column] for i, r in lookup(entity, ids, [name_column], store_model).items()}


def converted_names(viewer: Viewer, lead: dict) -> dict[str, dict[int, str]]:
    """Names of the account and opportunity a lead was converted to (for its links)."""
    from operational.models import Account, Opportunity

    return {
        "accounts": names_of(viewer, "accounts", [lead.get("converted_account_id")], "account_name", Account),
        "opportunities": names_of(viewer, "opportunities", [lead.get("converted_opportunity_id")],
                                  "opportunity_name", Opportunity),
    }
