"""Loaders of the knowledge page: the published articles (data_access.query), agents' verdicts
(the store) and the answer matcher fitted on both, cached until either changes."""

from __future__ import annotations

import duckdb
import pandas as pd
import streamlit as st

from apps import entry_data as ed
from apps.data_access import query, snapshot_version
from kernel.config import current_business_settings
from models_ml.knowledge_matching import KnowledgeMatcher
from operational.workflows import knowledge

ARTICLE_COLUMNS = ["article_id", "title", "body", "similar_questions", "product", "category", "updated_at"]


def published_articles() -> pd.DataFrame:
    """Published articles; none (also from a snapshot older than the knowledge base) = empty."""
    try:
        return query(f"select {', '.join(ARTICLE_COLUMNS)} from service.knowledge_articles_published "
                     "order by article_id")
    except duckdb.CatalogException:
        return pd.DataFrame(columns=ARTICLE_COLUMNS)


def feedback() -> pd.DataFrame:
    return ed.read(knowledge.feedback_frame)


def min_confidence() -> float:
    return float(current_business_settings().service.knowledge_min_confidence)


@st.cache_resource(max_entries=2, show_spinner=False)
def _matcher(version: float, feedback_key: tuple, threshold: float) -> KnowledgeMatcher:
    return KnowledgeMatcher(min_confidence=threshold).fit(published_articles(), feedback())


def matcher() -> KnowledgeMatcher:
    """Fitted on this snapshot's articles and every verdict so far (a new verdict refits)."""
    verdicts = feedback()
    key = (len(verdicts), str(verdicts["given_at"].max()) if len(verdicts) else "")
    return _matcher(snapshot_version(), key, min_confidence())


def verdict_counts(articles: pd.DataFrame) -> pd.DataFrame:
    """Accepted and rejected verdicts per article, most used first (what the feedback taught)."""
    verdicts = feedback()
    if verdicts.empty:
        return pd.DataFrame(columns=["article_id", "title", "accepted", "rejected"])
    counts = (verdicts.pivot_table(index="article_id", columns="verdict", values="question", aggfunc="count",
                                   fill_value=0)
              .reindex(columns=["accepted", "rejected"], fill_value=0).reset_index())
    counts = counts.merge(articles[["article_id", "title"]], on="article_id", how="left")
    return counts[["article_id", "title", "accepted", "rejected"]].sort_values(
        ["accepted", "rejected", "article_id"], ascending=[False, False, True])
