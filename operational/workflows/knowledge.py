"""Agents' accept/reject verdicts on knowledge-base suggestions (知识库反馈), and reading them back
for the answer matching (models_ml/knowledge_matching.py uses accepted pairs as extra wordings of
the article and rejected ones to lower it for similar questions)."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from operational.db import now_local
from operational.errors import ValidationError
from operational.models.knowledge import VERDICTS, KnowledgeFeedback
from operational.scope import Viewer, require_screen

SCREEN = "knowledge"
FEEDBACK_COLUMNS = ["question", "article_id", "verdict", "suggestion_rank", "ticket_no", "given_at"]


def record_feedback(session: Session, viewer: Viewer, *, question: str, article_id: str, verdict: str,
                    suggestion_rank: int | None = None, confidence: float | None = None,
                    ticket_no: str | None = None) -> int:
    """Store one verdict; the id of the new row."""
    require_screen(viewer, SCREEN)
    question, article_id = (question or "").strip(), (article_id or "").strip()
    errors = {}
    if not question:
        errors["question"] = "请输入客户的问题 Enter the customer's question"
    if not article_id:
        errors["article_id"] = "缺少文章 No article"
    if verdict not in VERDICTS:
        errors["verdict"] = f"须为 {'/'.join(VERDICTS)} Must be one of {', '.join(VERDICTS)}"
    if errors:
        raise ValidationError(errors)
    row = KnowledgeFeedback(question=question[:2000], article_id=article_id, verdict=verdict,
                            suggestion_rank=suggestion_rank, confidence=confidence, ticket_no=ticket_no,
                            given_by=viewer.user_id, given_at=now_local())
    session.add(row)
    session.flush()
    return row.id


def feedback_frame(session: Session) -> pd.DataFrame:
    """Every verdict, oldest first (what the matcher is fitted with)."""
    rows = session.execute(
        sa.select(*(getattr(KnowledgeFeedback, c) for c in FEEDBACK_COLUMNS)).order_by(KnowledgeFeedback.id)
    ).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=FEEDBACK_COLUMNS)
