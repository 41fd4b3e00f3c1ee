"""Data access of the name-review page (客户名称复核): the review list from the published snapshot and
the channel manager's accept/reject decisions, written to the operational store.

Only channel managers and admins may read the list or decide (``PermissionDenied`` otherwise,
whatever the page shows). A decision changes the marts on the next pipeline run, when company
resolution reads it; until then the list shows it as recorded.
"""

from __future__ import annotations

import pandas as pd

from apps.data_access import query
from operational.db import session_scope
from operational.scope import Viewer, require_screen
from operational.workflows import resolution as workflow

SCREEN = workflow.SCREEN
DECISION_LABELS = {"accept": "合并 Accept (merge)", "reject": "不合并 Reject (keep separate)"}
DECISION_COLUMNS = ["normalized_name", "decision", "decided_company_key", "decided_at", "decided_by", "comment"]


def review_list(viewer: Viewer) -> pd.DataFrame:
    """Names waiting for review with the suggested company, and any decision recorded since the
    snapshot was built (``decision`` empty: still open)."""
    require_screen(viewer, SCREEN)
    review = query("select * from partner.resolution_review order by score desc nulls last, typed_name")
    recorded = decisions(viewer)
    latest = recorded.drop_duplicates("normalized_name", keep="first")  # newest first
    # a decision on another suggestion (made before the suggestion changed) does not count
    return review.merge(
        latest, left_on=["normalized_name", "suggested_company_key"],
        right_on=["normalized_name", "decided_company_key"], how="left",
    )


def decisions(viewer: Viewer) -> pd.DataFrame:
    """Every decision in the store, newest first."""
    require_screen(viewer, SCREEN)
    with session_scope(readonly=True) as session:
        rows = workflow.decisions(session, viewer)
    if not rows:
        return pd.DataFrame(columns=DECISION_COLUMNS)
    frame = pd.DataFrame(rows).rename(columns={"company_key": "decided_company_key"})
    return frame[DECISION_COLUMNS]


def decide(viewer: Viewer, typed_name: str, company_key: str, decision: str, comment: str | None = None) -> int:
    """Record accept/reject of ``typed_name`` → ``company_key``; the decision's id."""
    with session_scope() as session:
        row = workflow.record_decision(
            session, viewer, typed_name=typed_name, company_key=company_key, decision=decision, comment=comment
        )
        return row.id


def open_count(review: pd.DataFrame) -> int:
    """Names in the list without a recorded decision."""
    return int(review["decision"].isna().sum()) if len(review) else 0

