"""Data access of the Partners pages, scoped to the logged-in viewer.

The viewer is the login's ``operational.scope.Viewer``: a partner user sees only their own
partner's rows, a channel manager the partners they manage, finance and admin every partner.
Every loader takes the viewer and adds the partner filter *in the SQL it runs*
(``row_rules.partners``); a partner asking for another partner's statement gets
``PermissionError`` (``PermissionDenied``), whatever the page shows.

Disputes and confirmations are written to the operational store (SQLite or PostgreSQL at
``CRMLAKE_OPERATIONAL_URL``), never to the read-only snapshot, and shown over the mart's status.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import row_rules
import sqlalchemy as sa
from data_access import query, settings
from row_rules import Viewer

from operational.db import engine_for
from operational.errors import PermissionDenied

MANAGERS = ("channel_manager", "admin")


def _partner_filter(viewer: Viewer, column: str = "partner_id") -> tuple[str, tuple]:
    where, params = row_rules.partners(viewer, column)
    return f" and {where}", tuple(params)


def _require_manager(viewer: Viewer, what: str) -> None:
    row_rules.require_role(viewer, MANAGERS, what)


def _require_own(viewer: Viewer, partner_id: int) -> None:
    visible = row_rules.partner_ids(viewer)
    if visible is not None and int(partner_id) not in visible:
        raise PermissionDenied(f"{viewer.username} ({viewer.role}) may not read partner {partner_id}'s data")


# ---------------------------------------------------------------- loaders
def statements(viewer: Viewer) -> pd.DataFrame:
    where, params = _partner_filter(viewer)
    df = query(
        "select statement_key, partner_id, partner_code, partner_name, period, vendor_total, partner_total, "
        "difference, lines, lines_matched, lines_matched_special_price, lines_quantity_differs, "
        "lines_price_differs, lines_missing_in_partner_report, lines_missing_in_vendor_records, status, "
        "upload_file, upload_load_id, upload_file_hash, uploaded_at "
        f"from partner.statements where 1 = 1{where} order by period desc, partner_code",
        params,
    )
    return _overlay_status(df)


def statement_lines(viewer: Viewer, partner_id: int, period: str) -> pd.DataFrame:
    _require_own(viewer, partner_id)
    where, params = _partner_filter(viewer)
    df = query(
        "select line_key, line_class, product_code, vendor_order_ref, report_line_no, report_order_ref, "
        "vendor_customer_name, report_customer_name, vendor_quantity, report_quantity, quantity_difference, "
        "vendor_unit_price, report_unit_price, approved_special_price, vendor_amount, report_amount, "
        "amount_difference, upload_file_hash "
        f"from partner.reconciliation_lines where partner_id = ? and period = ?{where} order by line_key",
        (int(partner_id), period, *params),
    )
    disputes = _disputes()
    df["disputed"] = df["line_key"].isin(disputes["line_key"]) if len(disputes) else False
    return df


def rebates(viewer: Viewer) -> pd.DataFrame:
    where, params = _partner_filter(viewer)
    return query(
        "select partner_code, partner_name, policy_code, policy_name, semantics, period_type, period_start, "
        "purchases, returns, net_purchases, tier_reached, rate_reached, retroactive_rebate, marginal_rebate, rebate "
        f"from partner.rebates where 1 = 1{where} order by period_start desc, partner_code, policy_code",
        params,
    )


def conflicts(viewer: Viewer) -> pd.DataFrame:
    _require_manager(viewer, "the conflicts list (撞单)")
    return query("select * from partner.conflicts order by company_name, claimed_a_on")


def review_list(viewer: Viewer) -> pd.DataFrame:
    _require_manager(viewer, "the resolution review list")
    return query("select * from partner.resolution_review order by score desc nulls last, typed_name")


def deal_registrations(viewer: Viewer) -> pd.DataFrame:
    where, params = _partner_filter(viewer)
    return query(f"select * from partner.deal_registrations where 1 = 1{where} order by submitted_at desc", params)


# ---------------------------------------------------------------- disputes and confirmations
EVENTS_DDL = (
    "create table if not exists partner_statement_events (statement_key text, line_key text, "
    "partner_id bigint, event text, reason text, by_role text, at text)"
)


def _store() -> sa.Engine:
    """The operational store (SQLite or PostgreSQL by ``CRMLAKE_OPERATIONAL_URL``) with the events table."""
    engine = engine_for(settings().operational_url)
    with engine.begin() as con:
        con.execute(sa.text(EVENTS_DDL))
    return engine


def _events(sql: str) -> pd.DataFrame:
    with _store().connect() as con:
        return pd.read_sql_query(sa.text(sql), con)


def _record(values: dict) -> None:
    with _store().begin() as con:
        con.execute(
            sa.text("insert into partner_statement_events values "
                    "(:statement_key, :line_key, :partner_id, :event, :reason, :by_role, :at)"),
            {"line_key": None, "reason": None, "at": datetime.now().isoformat(timespec="seconds"), **values},
        )


def _disputes() -> pd.DataFrame:
    return _events("select statement_key, line_key, reason, at from partner_statement_events where event = 'dispute'")


def _overlay_status(df: pd.DataFrame) -> pd.DataFrame:
    events = _events("select statement_key, event, by_role from partner_statement_events")
    if df.empty or events.empty:
        return df
    disputed = set(events.loc[events["event"] == "dispute", "statement_key"])
    confirmed_by = events[events["event"] == "confirm"].groupby("statement_key")["by_role"].nunique()
    confirmed = set(confirmed_by[confirmed_by >= 2].index)  # both sides
    df = df.copy()
    df.loc[df["statement_key"].isin(confirmed), "status"] = "confirmed"
    df.loc[df["statement_key"].isin(disputed), "status"] = "disputed"
    return df


def _side(viewer: Viewer) -> str:
    """Which side of the statement confirms: the partner, or the vendor (everyone else)."""
    return "partner" if viewer.role == "partner_user" else "vendor"


def dispute_line(viewer: Viewer, partner_id: int, period: str, line_key: str, reason: str) -> None:
    lines = statement_lines(viewer, partner_id, period)  # raises for another partner's statement
    if line_key not in set(lines["line_key"]):
        raise ValueError(f"line {line_key} is not on statement {partner_id}|{period}")
    _record({"statement_key": f"{partner_id}|{period}", "line_key": line_key, "partner_id": int(partner_id),
             "event": "dispute", "reason": reason, "by_role": _side(viewer)})


def confirm_statement(viewer: Viewer, partner_id: int, period: str) -> None:
    _require_own(viewer, partner_id)
    _record({"statement_key": f"{partner_id}|{period}", "partner_id": int(partner_id), "event": "confirm",
             "by_role": _side(viewer)})
