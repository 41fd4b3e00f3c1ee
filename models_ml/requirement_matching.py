"""Suggested ticket -> requirement links: TF-IDF over character n-grams, cosine similarity.

Chinese has no spaces, and jieba is not available: character 1-3-grams of NFKC-folded text
(full-width -> half-width, lower case) capture words like 离线模式 or 单点登录 without a
segmenter. Each requirement is represented by its title and description plus the subjects and
descriptions of the tickets already linked to it; an unlinked ticket gets the requirements with
the highest cosine similarity, with the score, for a product manager to confirm in one click.

``evaluate`` measures precision@1 on a held-out share of the already-linked tickets (the
held-out tickets' text is not used to build the requirement profiles).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # imported where used: a run that matches nothing skips scikit-learn's import
    from sklearn.feature_extraction.text import TfidfVectorizer

CHUNK_TICKETS = 1_000  # x 12,000 requirements at S=100: ~0.1 GB of similarities per chunk


def fold(text: str | None) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def _ticket_text(tickets: pd.DataFrame) -> pd.Series:
    return (tickets["subject"].fillna("") + " " + tickets["description"].fillna("")).map(fold)


@dataclass
class RequirementMatcher:
    ngram_range: tuple[int, int] = (1, 3)
    vectorizer: TfidfVectorizer | None = None
    requirement_ids: np.ndarray | None = None
    matrix: object = None

    def fit(self, requirements: pd.DataFrame, links: pd.DataFrame, tickets: pd.DataFrame) -> RequirementMatcher:
        """requirements: requirement_id, title, description; links: ticket_no, requirement_id."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        requirements = requirements.sort_values("requirement_id", kind="stable")  # ties go to the lower id
        links = links.sort_values(["ticket_no", "requirement_id"], kind="stable")
        linked = links.merge(tickets[["ticket_no", "subject", "description"]], on="ticket_no", how="inner")
        linked_text = (
            linked.assign(text=_ticket_text(linked)).groupby("requirement_id")["text"].agg(" ".join)
        )
        reqs = requirements.set_index("requirement_id")
        profile = (reqs["title"].fillna("") + " " + reqs["title"].fillna("") + " " + reqs["description"].fillna("")).map(fold)
        profile = profile.add(" " + linked_text.reindex(profile.index).fillna(""), fill_value="")
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=self.ngram_range, sublinear_tf=True)
        self.matrix = self.vectorizer.fit_transform(profile.to_numpy())
        self.requirement_ids = profile.index.to_numpy()
        return self

    def suggest(self, tickets: pd.DataFrame, top_k: int = 3, min_score: float = 0.0,
                chunk_tickets: int = CHUNK_TICKETS) -> pd.DataFrame:
        """ticket_no, suggestion_rank, requirement_id, score (cosine, 0..1) for each ticket.

        Tickets are scored ``chunk_tickets`` at a time: the similarities are a dense tickets x
        requirements matrix (S=100: 36,640 x 12,000, 3.5 GB, and its sort as much again), and
        each ticket's row depends on that ticket alone, so the chunks give the whole matrix's rows.
        """
        if self.vectorizer is None or tickets.empty:
            return pd.DataFrame(columns=["ticket_no", "suggestion_rank", "requirement_id", "score"])
        from sklearn.metrics.pairwise import linear_kernel

        texts = _ticket_text(tickets).to_numpy()
        k = min(top_k, self.matrix.shape[0])
        ids, scores = [], []
        for start in range(0, len(texts), chunk_tickets):
            sims = linear_kernel(self.vectorizer.transform(texts[start:start + chunk_tickets]), self.matrix)
            top = np.argsort(-sims, axis=1, kind="stable")[:, :k]  # equal scores: lower requirement_id first
            ids.append(self.requirement_ids[top].ravel())
            scores.append(np.round(np.take_along_axis(sims, top, axis=1).ravel(), 4))
        rows = pd.DataFrame({
            "ticket_no": np.repeat(tickets["ticket_no"].to_numpy(), k),
            "suggestion_rank": np.tile(np.arange(1, k + 1), len(tickets)),
            "requirement_id": np.concatenate(ids),
            "score": np.concatenate(scores),
        })
        return rows[rows["score"] >= min_score].reset_index(drop=True)


def evaluate(requirements: pd.DataFrame, links: pd.DataFrame, tickets: pd.DataFrame,
             holdout_share: float = 0.25, seed: int = 7) -> dict:
    """Precision@1 (and @3) on held-out linked tickets; the model is fit on the rest."""
    # key order, not input order, decides the kept link and the held-out draw
    links = links.sort_values(["ticket_no", "requirement_id"], kind="stable").drop_duplicates("ticket_no")
    links = links.reset_index(drop=True)
    rng = np.random.default_rng(seed)
    held = rng.random(len(links)) < holdout_share
    train, test = links[~held], links[held]
    matcher = RequirementMatcher().fit(requirements, train, tickets)
    test_tickets = tickets[tickets["ticket_no"].isin(test["ticket_no"])].sort_values("ticket_no", kind="stable")
    top = matcher.suggest(test_tickets, top_k=3).merge(test, on="ticket_no", suffixes=("", "_true"))
    hit1 = top[(top["suggestion_rank"] == 1) & (top["requirement_id"] == top["requirement_id_true"])]
    hit3 = top[top["requirement_id"] == top["requirement_id_true"]]
    n = int(test["ticket_no"].nunique())
    return {
        "held_out_tickets": n,
        "train_links": int(len(train)),
        "precision_at_1": round(hit1["ticket_no"].nunique() / n, 4) if n else None,
        "recall_at_3": round(hit3["ticket_no"].nunique() / n, 4) if n else None,
    }
