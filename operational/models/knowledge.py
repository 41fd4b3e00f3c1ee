"""Agents' verdicts on knowledge-base suggestions: for this question, this article helped
(accepted) or did not (rejected).

The answer matching reads them back (models_ml/knowledge_matching.py): an accepted question is
added to its article's indexed text, a rejected one lowers that article for similar questions.
The table has no change columns on purpose, like the alert outbox: it is about how well the
suggestions work, not business data, so the lakehouse does not extract it.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base

VERDICTS = ("accepted", "rejected")

_AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class KnowledgeFeedback(Base):
    """One agent's verdict on one suggested article for one question."""

    __tablename__ = "knowledge_feedback"
    __table_args__ = (
        sa.Index("ix_knowledge_feedback_article", "article_id"),
        sa.CheckConstraint(f"verdict in ({', '.join(repr(v) for v in VERDICTS)})", name="verdict"),
    )

    id: Mapped[int] = mapped_column(_AutoId, primary_key=True, autoincrement=True)
    question: Mapped[str]
    article_id: Mapped[str] = mapped_column(sa.String(64))
    verdict: Mapped[str] = mapped_column(sa.String(16))
    suggestion_rank: Mapped[int | None] = mapped_column(sa.Integer())
    confidence: Mapped[float | None] = mapped_column(sa.Float())
    ticket_no: Mapped[str | None] = mapped_column(sa.String(32))
    given_by: Mapped[int | None]  # app user id
    given_at: Mapped[dt.datetime]
