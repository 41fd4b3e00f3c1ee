"""Answer matching for the knowledge base: the top 3 published articles for a customer's question,
or "hand off to a person" when the best one is not convincing enough.

Chinese has no spaces, so text is segmented with jieba (search mode, which also emits the
shorter words inside long ones: 验证码 -> 验证, 验证码) and ranked with BM25 (bm25s, Lucene
variant). DuckDB's full-text search was the other candidate; its tokenizer splits on spaces and
punctuation only (a whole Chinese sentence would be one term) and its extension is not bundled
with the wheel (it downloads at first use), so it cannot serve here (docs/knowledge_backtest.md).

An article is indexed as its title (twice: titles are short and say what the article answers),
its body and its similar questions (相似问法, the wordings the knowledge team already knows). BM25 scores are not comparable between questions, so the
hand-off decision uses a **confidence** in 0..1: the IDF-weighted share of the question's words
that the best article contains. A word no article has weighs the vocabulary's mean IDF: weighing it
as the rarest word made every chatty question a hand-off, weighing it as the commonest made
off-topic questions sharing one word look answered (the three are compared in
docs/knowledge_backtest.md). A question made of words no article uses gets 0 and goes to a person.

Agents' feedback is used in two ways (docs/service.md): an accepted (question, article) pair puts
that article first for a later question that is nearly the same (IDF-weighted word overlap of at
least 0.8 both ways) unless the new question names another product, and its confidence becomes at
least that overlap; a rejected pair halves that article's score for later questions sharing at
least half of the rejected question's words. Adding accepted questions to the article's indexed
text was tried first and made the backtest worse: a wording accepted for the MES article pulled
the same wording about 云平台 to MES (docs/knowledge_backtest.md).
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import bm25s
import jieba
import numpy as np
import pandas as pd

jieba.setLogLevel(logging.WARNING)

NO_ARTICLES = "not computed: no knowledge articles"
TOP_K = 3
REJECTED_PENALTY = 0.5  # a rejected article's score is multiplied by this for similar questions
REJECTED_OVERLAP = 0.5  # "similar": share of the rejected question's words the new one contains
ACCEPTED_OVERLAP = 0.8  # "nearly the same": IDF-weighted overlap, both ways, with an accepted question

# particles, pronouns and politeness that say nothing about what is asked
STOPWORDS = frozenset(
    "的 了 吗 呢 吧 啊 呀 么 是 在 有 和 与 或 及 就 也 都 还 又 把 被 让 给 对 从 向 到 请 请问 "
    "你好 您好 谢谢 麻烦 一下 我 我们 你 你们 您 他 她 它 这 那 这个 那个 哪 什么 怎么 怎么办 "
    "怎样 如何 为什么 能 能否 可以 可否 会 要 想 需要 一直 老是 总是 现在 今天 然后 但是 "
    "如果 因为 所以 后 时 个 下 上 中 吗？ 嘛 哦".split()
)
_WORD = re.compile(r"\w", re.UNICODE)


def fold(text: str | None) -> str:
    """Full-width -> half-width, lower case: 'ＭＥＳ' and 'mes' are one word."""
    return unicodedata.normalize("NFKC", text or "").lower()


def tokens(text: str | None) -> list[str]:
    """jieba search-mode words of ``text`` without punctuation, spaces and stop words."""
    return [w for w in jieba.lcut_for_search(fold(text)) if _WORD.search(w) and w not in STOPWORDS]


def precise_tokens(text: str | None) -> list[str]:
    """jieba's precise mode only (the backtest's comparison; search mode is the default)."""
    return [w for w in jieba.lcut(fold(text)) if _WORD.search(w) and w not in STOPWORDS]


def bigram_tokens(text: str | None) -> list[str]:
    """No segmenter: Latin words and every Chinese character bigram (the backtest's comparison)."""
    words: list[str] = []
    for run in re.findall(r"[a-z0-9]+|[\u4e00-\u9fff]+", fold(text)):
        words += [run] if run.isascii() else [run[i:i + 2] for i in range(max(1, len(run) - 1))]
    return words


def keyword_tokens(text: str | None) -> set[str]:
    """The baseline's words: runs of letters/digits, and Chinese split into character bigrams."""
    words: set[str] = set()
    for run in re.findall(r"[a-z0-9]+|[\u4e00-\u9fff]+", fold(text)):
        if run.isascii():
            words.add(run)
        else:
            words.update(run[i:i + 2] for i in range(max(1, len(run) - 1)))
    return words


@dataclass(frozen=True)
class Suggestion:
    rank: int
    article_id: str
    title: str
    score: float  # BM25, after feedback
    confidence: float  # IDF-weighted share of the question's words the article contains


@dataclass(frozen=True)
class Answer:
    question: str
    suggestions: tuple[Suggestion, ...]
    hand_off: bool
    reason: str

    @property
    def top_article(self) -> str | None:
        return self.suggestions[0].article_id if self.suggestions else None


def _text_column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame.columns:
        return pd.Series("", index=frame.index)
    column = frame[name]
    return column.astype(object).where(column.notna(), "").astype(str)


@dataclass
class KnowledgeMatcher:
    """BM25 over the published articles; ``suggest`` answers one question."""

    min_confidence: float = 0.5
    tokenizer: Callable[[str | None], list[str]] = tokens
    unknown_word_weight: str = "mean"  # idf of a word no article has: mean, max (rarest) or min
    article_ids: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    _doc_words: list[set[str]] = field(default_factory=list)
    _idf: dict[str, float] = field(default_factory=dict)
    _unknown_idf: float = 0.0
    _bm25: bm25s.BM25 | None = None
    _rejected: list[tuple[set[str], int]] = field(default_factory=list)
    _accepted: list[tuple[set[str], int]] = field(default_factory=list)
    _products: list[str] = field(default_factory=list)

    def fit(self, articles: pd.DataFrame, feedback: pd.DataFrame | None = None) -> KnowledgeMatcher:
        """articles: article_id, title, body[, similar_questions, status]; only published ones (or
        all, without a status column) are indexed. feedback: question, article_id, verdict
        (accepted/rejected)."""
        if "status" in articles.columns:
            articles = articles[articles["status"] == "published"]
        articles = articles.sort_values("article_id", kind="stable").reset_index(drop=True)
        self.article_ids = articles["article_id"].astype(str).tolist()
        self.titles = _text_column(articles, "title").tolist()
        if not self.article_ids:
            return self
        feedback = feedback if feedback is not None else pd.DataFrame(columns=["question", "article_id", "verdict"])
        self._products = _text_column(articles, "product").map(fold).tolist()
        title = _text_column(articles, "title")
        text = (title + " " + title + " " + _text_column(articles, "body") + " "
                + _text_column(articles, "similar_questions").str.replace(";", " ", regex=False))
        corpus = [self.tokenizer(t) for t in text]
        self._doc_words = [set(words) for words in corpus]
        n = len(corpus)
        df: dict[str, int] = {}
        for words in self._doc_words:
            for w in words:
                df[w] = df.get(w, 0) + 1
        self._idf = {w: math.log(1 + (n - d + 0.5) / (d + 0.5)) for w, d in df.items()}
        idfs = list(self._idf.values())  # a word in no article weighs:
        pick = {"mean": np.mean, "max": np.max, "min": np.min}[self.unknown_word_weight]
        self._unknown_idf = float(pick(idfs)) if idfs else 1.0
        self._bm25 = bm25s.BM25(method="lucene")
        self._bm25.index(corpus, show_progress=False)
        position = {a: i for i, a in enumerate(self.article_ids)}
        verdicts = [(set(self.tokenizer(q)), position[a], v) for q, a, v in
                    feedback[["question", "article_id", "verdict"]].itertuples(index=False) if a in position]
        self._rejected = [(w, i) for w, i, v in verdicts if v == "rejected" and w]
        self._accepted = [(w, i) for w, i, v in verdicts if v == "accepted" and w]
        return self

    def _weighted_share(self, words: set[str], within: set[str]) -> float:
        weight = {w: self._idf.get(w, self._unknown_idf) for w in words}
        total = sum(weight.values())
        return sum(weight[w] for w in words & within) / total if total else 0.0

    def _accepted_for(self, question: str) -> dict[int, float]:
        """article -> overlap with the nearest accepted question that is nearly this one."""
        asked = set(self.tokenizer(question))
        named = {p for p in self._products if p and p in fold(question)}
        near: dict[int, float] = {}
        for words, i in self._accepted:
            if named and self._products[i] not in named:
                continue  # the question is about another product
            overlap = min(self._weighted_share(asked, words), self._weighted_share(words, asked))
            if overlap >= ACCEPTED_OVERLAP:
                near[i] = max(near.get(i, 0.0), overlap)
        return near

    def scores(self, question: str) -> np.ndarray:
        """BM25 of every article for ``question``: rejected articles of similar questions halved,
        then articles accepted for nearly this question put first (above the best score)."""
        words = self.tokenizer(question)
        known = [w for w in words if w in self._bm25.vocab_dict]
        scores = (self._bm25.get_scores(known).astype(float) if known
                  else np.zeros(len(self.article_ids)))
        asked = set(words)
        for rejected_words, i in self._rejected:
            if rejected_words and len(asked & rejected_words) >= REJECTED_OVERLAP * len(rejected_words):
                scores[i] *= REJECTED_PENALTY
        near = self._accepted_for(question)
        if near:
            top = float(scores.max())
            for i, overlap in near.items():
                scores[i] = top + overlap
        return scores

    def confidence(self, question: str, article: int) -> float:
        words = set(self.tokenizer(question))
        if not words:
            return 0.0
        covered = self._weighted_share(words, self._doc_words[article])
        return round(max(covered, self._accepted_for(question).get(article, 0.0)), 4)

    def suggest(self, question: str, top_k: int = TOP_K) -> Answer:
        """Up to ``top_k`` articles with a positive score; hand-off when none, or when the best
        one's confidence is below ``min_confidence``."""
        if not self.article_ids:
            return Answer(question, (), True, NO_ARTICLES)
        scores = self.scores(question)
        order = np.argsort(-scores, kind="stable")[:top_k]  # equal scores: lower article_id first
        found = tuple(
            Suggestion(rank + 1, self.article_ids[i], self.titles[i], round(float(scores[i]), 4),
                       self.confidence(question, int(i)))
            for rank, i in enumerate(order) if scores[i] > 0
        )
        if not found:
            return Answer(question, (), True, "no article shares a word with the question")
        if found[0].confidence < self.min_confidence:
            return Answer(question, found, True,
                          f"best confidence {found[0].confidence:.2f} < {self.min_confidence:.2f}")
        return Answer(question, found, False, "")


@dataclass
class KeywordBaseline:
    """What a plain keyword search does over the same text (title, body, similar questions): rank
    by the number of shared words (Chinese character bigrams, no segmenter), hand off when none is
    shared or fewer than ``min_share`` of the question's."""

    min_share: float = 0.5
    article_ids: list[str] = field(default_factory=list)
    _words: list[set[str]] = field(default_factory=list)

    def fit(self, articles: pd.DataFrame) -> KeywordBaseline:
        if "status" in articles.columns:
            articles = articles[articles["status"] == "published"]
        articles = articles.sort_values("article_id", kind="stable")
        self.article_ids = articles["article_id"].astype(str).tolist()
        text = (_text_column(articles, "title") + " " + _text_column(articles, "body") + " "
                + _text_column(articles, "similar_questions"))
        self._words = [keyword_tokens(t) for t in text]
        return self

    def suggest(self, question: str, top_k: int = TOP_K) -> Answer:
        if not self.article_ids:
            return Answer(question, (), True, NO_ARTICLES)
        asked = keyword_tokens(question)
        overlap = np.array([len(asked & words) for words in self._words], dtype=float)
        order = np.argsort(-overlap, kind="stable")[:top_k]
        found = tuple(Suggestion(r + 1, self.article_ids[i], "", float(overlap[i]),
                                 round(overlap[i] / max(1, len(asked)), 4))
                      for r, i in enumerate(order) if overlap[i] > 0)
        hand_off = not found or found[0].confidence < self.min_share
        return Answer(question, found, hand_off, "")


def evaluate(matcher, questions: pd.DataFrame) -> dict:
    """precision@1, recall@3 and hand-off rate over ``questions`` (question, article_ids: the
    articles that answer it, ';'-separated; empty = none does, and the right answer is a hand-off).

    precision@1: among answerable questions the matcher did not hand off, the share whose first
    suggestion answers it; recall@3: among all answerable questions, the share with an answering
    article among the suggestions (handed off or not: an agent sees them); hand-off rate: share of
    all questions handed off; answered_wrongly_when_unanswerable: unanswerable ones not handed off."""
    rows = []
    for question, expected in questions[["question", "article_ids"]].itertuples(index=False):
        right = {a for a in str(expected or "").split(";") if a}
        answer = matcher.suggest(question)
        ids = [s.article_id for s in answer.suggestions]
        rows.append({"answerable": bool(right), "hand_off": answer.hand_off,
                     "top1": bool(ids) and ids[0] in right, "in3": bool(right & set(ids))})
    r = pd.DataFrame(rows, columns=["answerable", "hand_off", "top1", "in3"]).astype(bool)
    answerable = r[r["answerable"]]
    answered = answerable[~answerable["hand_off"]]
    unanswerable = r[~r["answerable"]]

    def share(s: pd.Series) -> float | None:
        return round(float(s.mean()), 4) if len(s) else None

    return {
        "questions": len(r), "answerable": len(answerable),
        "precision_at_1": share(answered["top1"]),
        "recall_at_3": share(answerable["in3"]),
        "hand_off_rate": share(r["hand_off"]),
        "answered_wrongly_when_unanswerable": share(~unanswerable["hand_off"]),
        "top1_overall": share(answerable["top1"]),
    }


def threshold_curve(articles: pd.DataFrame, questions: pd.DataFrame,
                    thresholds: Iterable[float]) -> pd.DataFrame:
    """The same evaluation at each confidence threshold (what the business setting trades)."""
    matcher = KnowledgeMatcher().fit(articles)
    rows = []
    for t in thresholds:
        matcher.min_confidence = float(t)
        rows.append({"threshold": float(t), **evaluate(matcher, questions)})
    return pd.DataFrame(rows)
