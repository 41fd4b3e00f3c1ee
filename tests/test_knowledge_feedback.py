"""Agents' verdicts on knowledge suggestions: stored in the store, read back, and used.

Round trip on the three hand-worked articles of tests/test_knowledge_matching.py: an agent rejects
KB2 for "忘记网关密码" and accepts KB1 for it; the verdicts come back in the order given, and a
matcher fitted with them answers "网关密码忘记了" (the same words) with KB1: the rejection first
halves KB2 to 0.523109, then KB1 goes above the best score, 0.523109 + overlap 1.0 = 1.523109;
the matcher without feedback says KB2.
"""

from __future__ import annotations

import pytest
import store_fixtures
from store_fixtures import AGENT, viewer
from test_knowledge_matching import ARTICLES

from models_ml.knowledge_matching import KnowledgeMatcher
from operational.db import session_scope
from operational.errors import PermissionDenied, ValidationError
from operational.migrate import upgrade
from operational.workflows import knowledge

store_url = store_fixtures.store_url
AGENT_VIEWER = viewer("service_agent", AGENT)


def test_feedback_round_trip_and_use(store_url):
    upgrade(store_url)
    with session_scope(store_url) as s:
        knowledge.record_feedback(s, AGENT_VIEWER, question="忘记网关密码", article_id="KB2", verdict="rejected",
                                  suggestion_rank=1, confidence=0.6667, ticket_no="T-1")
        knowledge.record_feedback(s, AGENT_VIEWER, question=" 忘记网关密码 ", article_id="KB1", verdict="accepted")
    with session_scope(store_url, readonly=True) as s:
        feedback = knowledge.feedback_frame(s)
    assert feedback[["question", "article_id", "verdict"]].values.tolist() == [
        ["忘记网关密码", "KB2", "rejected"], ["忘记网关密码", "KB1", "accepted"]]
    assert feedback["ticket_no"].tolist()[0] == "T-1"
    first = KnowledgeMatcher().fit(ARTICLES, feedback).suggest("网关密码忘记了").suggestions[0]
    assert first.article_id == "KB1" and first.score == pytest.approx(1.523109, abs=1e-4)
    assert KnowledgeMatcher().fit(ARTICLES).suggest("网关密码忘记了").top_article == "KB2"


def test_feedback_is_checked_and_only_for_service_roles(store_url):
    upgrade(store_url)
    with session_scope(store_url) as s:
        with pytest.raises(ValidationError) as bad:
            knowledge.record_feedback(s, AGENT_VIEWER, question=" ", article_id="KB1", verdict="maybe")
        assert set(bad.value.errors) == {"question", "verdict"}
        with pytest.raises(PermissionDenied):
            knowledge.record_feedback(s, viewer("sales_rep", 11), question="x", article_id="KB1",
                                      verdict="accepted")
