"""Knowledge-base suggestions beside a customer's question: the top 3 articles with their
confidence, the hand-off advice, and the agent's accept/reject buttons (one home for both the
知识库 Knowledge page and the ticket screen)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from apps import entry_data as ed
from apps import knowledge_data as kd
from apps.components import forms
from models_ml.knowledge_matching import NO_ARTICLES, Answer
from operational.scope import Viewer
from operational.workflows import knowledge

FORM = "knowledge_feedback"


def record_verdict(viewer: Viewer, question: str, article_id: str, verdict: str, rank: int, confidence: float,
                   ticket_no: str | None) -> None:
    """Button callback: store the verdict; the matcher refits on the next run."""
    done = ed.act(FORM, knowledge.record_feedback, viewer, question=question, article_id=article_id,
                  verdict=verdict, suggestion_rank=rank, confidence=confidence, ticket_no=ticket_no)
    if done.ok:
        word = "采纳 Accepted" if verdict == "accepted" else "不适用 Rejected"
        forms.flash(FORM, f"已记录 Recorded: {word} {article_id}")


def advice(answer: Answer) -> None:
    if answer.hand_off:
        st.warning(f"建议转人工 Hand off to a person ({answer.reason})")
    else:
        st.success(f"建议答复 Suggested answer: {answer.suggestions[0].title}")


def verdict_buttons(viewer: Viewer, question: str, answer: Answer, ticket_no: str | None, key: str) -> None:
    for s in answer.suggestions:
        left, mid, right = st.columns([4, 1, 1])
        left.write(f"{s.rank}. {s.title} — 置信度 confidence {s.confidence:.0%}")
        args = (viewer, question, s.article_id)
        mid.button("采纳 Accept", key=f"{key}_accept_{s.article_id}", on_click=record_verdict,
                   args=(*args, "accepted", s.rank, s.confidence, ticket_no))
        right.button("不适用 Reject", key=f"{key}_reject_{s.article_id}", on_click=record_verdict,
                     args=(*args, "rejected", s.rank, s.confidence, ticket_no))


def panel(viewer: Viewer, question: str, ticket_no: str | None, key: str) -> None:
    """The compact version for a ticket: advice, the three titles and the buttons."""
    articles: pd.DataFrame = kd.published_articles()
    if articles.empty:
        st.caption(f"{NO_ARTICLES} — 转人工 every question goes to a person")
        return
    if not question.strip():
        return
    forms.show_flash(FORM)
    forms.form_errors(FORM, [])
    answer = kd.matcher().suggest(question)
    advice(answer)
    verdict_buttons(viewer, question, answer, ticket_no, key)
