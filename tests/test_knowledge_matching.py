"""Knowledge-base answer matching on three articles, worked by hand.

Articles (indexed text = title twice + body; jieba words after stop words):
  KB1 设备离线 / 检查网关电源   -> 设备 x2, 离线 x2, 检查, 网关, 电源   (7 words)
  KB2 重置密码 / 点击忘记密码   -> 重置 x2, 密码 x3, 点击, 忘记         (7 words)
  KB3 开具发票 / 财务中心申请   -> 开具 x2, 发票 x2, 财务, 中心, 申请   (7 words)
Every document has 7 words = the average, so BM25's length norm is 1 and (k1 = 1.5, b = 0.75)
  term part = tf / (tf + 1.5): tf 1 -> 0.4, tf 2 -> 0.571429, tf 3 -> 0.666667.
Each word is in 1 of N = 3 articles: idf = ln(1 + (3 - 1 + 0.5) / (1 + 0.5)) = ln(8/3) = 0.980829;
a word in no article weighs the mean idf in the confidence, here also 0.980829. (KB4 is a draft:
not indexed, so its words count nowhere.)

Q1 "忘记网关密码" (忘记, 网关, 密码):
  KB2 = 0.980829 * (0.4 + 0.666667) = 1.046218;  KB1 = 0.980829 * 0.4 = 0.392332;  KB3 = 0 (left out).
  Ranking KB2, KB1. Confidence of KB2 = 2 of 3 equally weighted words = 0.6667 >= 0.5: answered.
Q2 "发票丢了怎么补办" (发票, 丢, 补办; 丢 and 补办 are in no article):
  KB3 = 0.980829 * 0.571429 = 0.560474, the only suggestion;
  confidence = 0.980829 / (3 * 0.980829) = 0.3333 < 0.5: handed off to a person.
A rejected (Q1, KB2) halves KB2 for Q1 (the index is unchanged): 1.046218 / 2 = 0.523109 > 0.392332,
so KB2 stays first. An accepted (Q1, KB1) puts KB1 first for "网关密码忘记了" (the same three words:
overlap 1.0 both ways >= 0.8): 1.046218 + 1.0 = 2.046218, confidence max(1/3, 1.0) = 1.0; it does
not touch "重置密码" (重置, 密码: overlap 1/2 < 0.8), where KB2 stays first.
"""

from __future__ import annotations

import pandas as pd
import pytest

from models_ml.knowledge_matching import NO_ARTICLES, KeywordBaseline, KnowledgeMatcher, evaluate

ARTICLES = pd.DataFrame({
    "article_id": ["KB1", "KB2", "KB3", "KB4"],
    "title": ["设备离线", "重置密码", "开具发票", "草稿不索引"],
    "body": ["检查网关电源", "点击忘记密码", "财务中心申请", "网关 密码 发票"],
    "status": ["published", "published", "published", "draft"],
})


def test_ranking_and_scores_worked_by_hand():
    answer = KnowledgeMatcher(min_confidence=0.5).fit(ARTICLES).suggest("忘记网关密码")
    assert [s.article_id for s in answer.suggestions] == ["KB2", "KB1"]
    assert [s.score for s in answer.suggestions] == pytest.approx([1.046218, 0.392332], abs=1e-4)
    assert answer.suggestions[0].confidence == pytest.approx(0.6667, abs=1e-4)
    assert not answer.hand_off


def test_below_threshold_hands_off_but_still_shows_the_candidate():
    answer = KnowledgeMatcher(min_confidence=0.5).fit(ARTICLES).suggest("发票丢了怎么补办")
    assert [s.article_id for s in answer.suggestions] == ["KB3"]
    assert answer.suggestions[0].score == pytest.approx(0.560474, abs=1e-4)
    assert answer.suggestions[0].confidence == pytest.approx(0.3333, abs=1e-4)
    assert answer.hand_off and "0.33 < 0.50" in answer.reason


def test_feedback_rejected_halves_and_accepted_puts_first():
    rejected = pd.DataFrame({"question": ["忘记网关密码"], "article_id": ["KB2"], "verdict": ["rejected"]})
    halved = KnowledgeMatcher().fit(ARTICLES, rejected).suggest("忘记网关密码").suggestions
    assert [s.article_id for s in halved] == ["KB2", "KB1"]
    assert [s.score for s in halved] == pytest.approx([0.523109, 0.392332], abs=1e-4)
    accepted = pd.DataFrame({"question": ["忘记网关密码"], "article_id": ["KB1"], "verdict": ["accepted"]})
    taught = KnowledgeMatcher(min_confidence=0.5).fit(ARTICLES, accepted)
    first = taught.suggest("网关密码忘记了").suggestions[0]
    assert (first.article_id, first.confidence) == ("KB1", 1.0)
    assert first.score == pytest.approx(2.046218, abs=1e-4)
    assert taught.suggest("重置密码").top_article == "KB2"


def test_no_articles_always_hands_off():
    empty = ARTICLES.iloc[0:0]
    for matcher in (KnowledgeMatcher().fit(empty), KeywordBaseline().fit(empty)):
        answer = matcher.suggest("设备离线")
        assert answer.hand_off and answer.reason == NO_ARTICLES and answer.suggestions == ()


def test_evaluation_counts():
    """Q1 answerable and right at 1 (KB2), Q2 answerable (KB3) but handed off, 'hello' has no
    article and is handed off: precision@1 = 1/1, recall@3 = 2/2, hand-off rate = 2/3."""
    questions = pd.DataFrame({"question": ["忘记网关密码", "发票丢了怎么补办", "天气预报"],
                              "article_ids": ["KB2", "KB3", ""]})
    result = evaluate(KnowledgeMatcher(min_confidence=0.5).fit(ARTICLES), questions)
    assert result["precision_at_1"] == 1.0 and result["recall_at_3"] == 1.0
    assert result["hand_off_rate"] == pytest.approx(0.6667, abs=1e-4)
    assert result["answered_wrongly_when_unanswerable"] == 0.0
