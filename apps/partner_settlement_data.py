"""Data of the settlement page (渠道结算): a statement's agreed figures after its disputes were
answered, its payout lines, the disputes with their answers, releases as payable, the exports.

The published snapshot holds the lines and payout lines (``partner.reconciliation_lines``,
``partner.statement_payout_lines``); the store holds what people decided (disputes, answers,
confirmations, releases). The figures are ``operational.statement_settlement.settle`` over both.
Every loader is scoped to the viewer's partners (``row_rules.partners`` in the SQL, the store's
partner rule on every write); another partner's statement raises ``PermissionError``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from apps import partner_data as statements_data
from apps import row_rules
from apps.data_access import query
from apps.row_rules import Viewer
from operational.statement_settlement import Settlement, settle
from operational.workflows import partner_settlement as store

LABELS = {  # Chinese labels of this page's own columns and codes
    "payout_type": "付款类型", "source_code": "来源编号", "description": "说明", "basis_amount": "计算基数",
    "basis_quantity": "计算数量", "unit_amount": "单价/比例", "amount": "金额", "agreed_amount": "确认金额",
    "dispute_id": "异议编号", "reason": "异议原因", "disputed_by": "提出人", "disputed_at": "提出时间",
    "decision": "答复", "adjusted_amount": "调整后金额", "note": "答复说明", "answered_by": "答复人",
    "answered_at": "答复时间", "latest": "当前有效", "line": "行", "goods_total": "货款（确认）",
    "payout_total": "应付伙伴", "net_amount": "净额", "open_difference": "未结差额", "open_disputes": "待答复异议",
    "username": "放行人", "at": "放行时间", "partner_code": "伙伴编码", "partner_name": "伙伴名称", "period": "期间",
}
CODES = {"rebate": "返点", "market_fund": "市场基金", "promotion_subsidy": "促销补贴", "accept": "接受", "reject": "驳回"}


def _store(readonly: bool = False):
    return statements_data._store(readonly)


def payout_lines(viewer: Viewer, partner_id: int, period: str) -> pd.DataFrame:
    statements_data._require_own(viewer, partner_id)
    where, params = statements_data._partner_filter(viewer)
    return query(
        "select payout_type, source_code, description, product_code, basis_amount, basis_quantity, unit_amount, amount "
        f"from partner.statement_payout_lines where partner_id = ? and period = ?{where} "
        "order by payout_type, source_code", (int(partner_id), period, *params))


def disputes(viewer: Viewer, partner_id: int, period: str) -> pd.DataFrame:
    statements_data._require_own(viewer, partner_id)
    with _store(readonly=True) as session:
        rows = store.disputes(session, int(partner_id), period)
    columns = ["dispute_id", "line_key", "reason", "disputed_by", "disputed_at", "decision", "adjusted_amount", "note",
               "answered_by", "answered_at", "latest"]
    return pd.DataFrame(rows, columns=columns)


def figures(viewer: Viewer, partner_id: int, period: str) -> tuple[Settlement, pd.DataFrame, pd.DataFrame]:
    """The statement settled: figures, its lines with their agreed amounts, its payout lines."""
    lines = statements_data.statement_lines(viewer, partner_id, period)  # raises for another partner's
    payouts = payout_lines(viewer, partner_id, period)
    with _store(readonly=True) as session:
        answers = store.line_answers(session, int(partner_id), period)
    records = lines[["line_key", "vendor_amount", "report_amount"]].to_dict("records")
    settled = settle(records, answers, payouts[["payout_type", "amount"]].to_dict("records"))
    lines = lines.copy()
    lines["agreed_amount"] = [settle([r], answers).goods_total for r in records]
    return settled, lines, payouts


def answer_dispute(viewer: Viewer, partner_id: int, dispute_id: int, decision: str, *,
                   adjusted_amount: Any = None, note: str | None = None) -> None:
    """Accept (with the agreed amount) or reject (with a note) a dispute of a statement the viewer reads."""
    statements_data._require_own(viewer, partner_id)
    with _store() as session:
        store.resolve_dispute(session, viewer, int(dispute_id), decision, adjusted_amount=adjusted_amount, note=note)


def release(viewer: Viewer, partner_id: int, period: str) -> Settlement:
    """Release as payable at the figures shown now (both sides confirmed, nothing open)."""
    settled, _lines, _payouts = figures(viewer, partner_id, period)
    with _store() as session:
        store.release_statement(session, viewer, int(partner_id), period, settled)
    return settled


def payables(viewer: Viewer) -> pd.DataFrame:
    """Statements released as payable, of the viewer's partners, newest first."""
    with _store(readonly=True) as session:
        rows = store.releases(session)
    frame = pd.DataFrame(rows, columns=["statement_key", "partner_id", "period", "goods_total", "payout_total",
                                        "net_amount", "username", "at"])
    visible = row_rules.partner_ids(viewer)
    if visible is not None:
        frame = frame[frame["partner_id"].isin(visible)]
    return frame.sort_values("at", ascending=False).reset_index(drop=True)


def summary(statement: pd.Series, settled: Settlement) -> pd.DataFrame:
    """One row: the statement's identity and its settled figures (the export's first sheet)."""
    return pd.DataFrame([{
        "partner_code": statement["partner_code"], "partner_name": statement["partner_name"],
        "period": statement["period"], "status": statement["status"],
        "vendor_total": statement["vendor_total"], "partner_total": statement["partner_total"],
        "goods_total": settled.goods_total, "open_difference": settled.open_difference,
        "open_disputes": settled.open_disputes, **{t: v for t, v in settled.payout_by_type.items()},
        "payout_total": settled.payout_total, "net_amount": settled.net_amount}])
