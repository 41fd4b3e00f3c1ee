"""Data access of the Partners pages, scoped to the logged-in viewer.

The viewer is the login's ``operational.scope.Viewer``: a partner user sees only their own
partner's rows, a channel manager the partners they manage, finance and admin every partner.
Every loader takes the viewer and adds the partner filter *in the SQL it runs*
(``row_rules.partners``); a partner asking for another partner's statement gets
``PermissionError`` (``PermissionDenied``), whatever the page shows.

Disputes and confirmations are written to the operational store (SQLite or PostgreSQL at
``CRMLAKE_OPERATIONAL_URL``) by ``operational.statements`` (with the user, audited, one
confirmation per side), never to the read-only snapshot, and shown over the mart's status.
"""

from __future__ import annotations

import pandas as pd

from apps import display, row_rules
from apps.data_access import query, settings
from apps.row_rules import Viewer
from operational import statements as statement_store
from operational.db import session_scope
from operational.errors import PermissionDenied
from operational.statement_settlement import settle
from operational.workflows import partner_settlement as settlement_store

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
    with _store(readonly=True) as session:  # disputed: the line's latest dispute waits for an answer
        answers = settlement_store.line_answers(session, int(partner_id), period)
    df["disputed"] = df["line_key"].isin({k for k, a in answers.items() if a.decision is None})
    return df


def open_difference(viewer: Viewer, partner_id: int, period: str, lines: pd.DataFrame | None = None):
    """The statement's difference still open: lines whose differences no answered dispute settled
    (``operational.statement_settlement``); what confirming needs at zero."""
    lines = statement_lines(viewer, partner_id, period) if lines is None else lines
    with _store(readonly=True) as session:
        answers = settlement_store.line_answers(session, int(partner_id), period)
    return settle(lines[["line_key", "vendor_amount", "report_amount"]].to_dict("records"), answers).open_difference


def rebates(viewer: Viewer, partner_id: int | None = None) -> pd.DataFrame:
    """Rebates of the viewer's partners; ``partner_id``: only that partner's (the statement in view)."""
    where, params = _partner_filter(viewer)
    if partner_id is not None:
        where, params = f"{where} and partner_id = ?", (*params, int(partner_id))
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


# ---------------------------------------------------------------- names people read
def statement_label(row) -> str:
    """A statement as people name it: the partner's code and name and the period (never its key)."""
    return f"{row['partner_code']} {row['partner_name']} · {row['period']}"


def line_label(row) -> str:
    """A reconciliation line as people find it on paper: the partner report's line number (or the
    vendor's order when the partner did not report it), customer, product, result and difference,
    instead of its key ("1000000006876|2026-09|-|1")."""
    where = (f"伙伴报表第 {int(row['report_line_no'])} 行" if pd.notna(row.get("report_line_no"))
             else f"厂商订单 {row.get('vendor_order_ref') or '—'}")
    customer = row.get("report_customer_name") or row.get("vendor_customer_name") or "—"
    parts = [where, str(customer), str(row.get("product_code") or "—"), display.code(row.get("line_class"))]
    difference = row.get("amount_difference")
    if pd.notna(difference) and abs(float(difference)) >= CENT:
        parts.append(f"差额 {display.money(difference)}")
    return " · ".join(parts)


# ---------------------------------------------------------------- disputes and confirmations
CENT = 0.005  # a difference below half a cent is none (amounts carry two decimals)


def confirm_blockers(difference, disputed_lines: int) -> list[str]:
    """Why a statement may not be confirmed yet (empty: it may): an open dispute, or totals that
    differ. Confirming says both sides agree on the amount, which neither is true of."""
    reasons = []
    if disputed_lines:
        reasons.append(f"有 {disputed_lines} 行异议未解决，解决后才能确认 "
                       f"({disputed_lines} disputed line(s) still open).")
    if difference is not None and pd.notna(difference) and abs(float(difference)) >= CENT:
        reasons.append(f"厂商与伙伴金额相差 {display.money(difference)}，差额为零才能确认 "
                       "(the totals differ; a statement is confirmed at a zero difference).")
    return reasons
def _store(readonly: bool = False):
    """A session on the operational store (SQLite or PostgreSQL by ``CRMLAKE_OPERATIONAL_URL``)."""
    return session_scope(settings().operational_url, readonly=readonly)


def _overlay_status(df: pd.DataFrame) -> pd.DataFrame:
    """The mart's status, overridden by the store: ``disputed`` (a dispute waits) over ``payable``
    (released by finance) over ``confirmed`` (both sides) over the mart."""
    with _store(readonly=True) as session:
        states = statement_store.statement_states(session)
        payable = {r["statement_key"] for r in settlement_store.releases(session)}
    if df.empty or not states:
        return df
    df = df.copy()
    confirmed = {k for k, s in states.items() if s["confirmed_by"] >= {"partner", "vendor"}}
    disputed = {k for k, s in states.items() if s["disputed"]}
    df.loc[df["statement_key"].isin(confirmed), "status"] = "confirmed"
    df.loc[df["statement_key"].isin(payable), "status"] = "payable"
    df.loc[df["statement_key"].isin(disputed), "status"] = "disputed"
    return df


def dispute_line(viewer: Viewer, partner_id: int, period: str, line_key: str, reason: str) -> None:
    """Dispute a line of a statement the viewer may read (stored and audited with the user)."""
    lines = statement_lines(viewer, partner_id, period)  # raises for another partner's statement
    if line_key not in set(lines["line_key"]):
        raise ValueError(f"line {line_key} is not on statement {partner_id}|{period}")
    with _store() as session:
        statement_store.dispute_line(session, viewer, int(partner_id), period, line_key, reason)


def confirm_statement(viewer: Viewer, partner_id: int, period: str) -> None:
    """Confirm for the viewer's side; ``ValueError`` (Chinese reason) with an open dispute or a
    difference (``confirm_blockers``), ``ValidationError`` when that side already confirmed."""
    _require_own(viewer, partner_id)
    shown = statements(viewer)
    statement = shown[(shown["partner_id"] == int(partner_id)) & (shown["period"] == period)]
    if statement.empty:
        raise ValueError(f"没有这张对账单 No statement {partner_id}|{period}.")
    lines = statement_lines(viewer, partner_id, period)
    reasons = confirm_blockers(open_difference(viewer, partner_id, period, lines),
                               int(lines["disputed"].sum()) if len(lines) else 0)
    if reasons:
        raise ValueError(" ".join(reasons))
    with _store() as session:
        statement_store.confirm_statement(session, viewer, int(partner_id), period)
