"""The knowledge-matching backtest's claims (docs/knowledge_backtest.md) on the demo's sets:
jieba + BM25 beats the keyword baseline at precision@1 and recall@3 without answering any
unanswerable question, and agents' feedback does not make it worse."""

from __future__ import annotations

from models_ml.knowledge_matching import KeywordBaseline, KnowledgeMatcher, evaluate
from tools.knowledge_backtest import demo_sets, feedback_halves, render


def test_chosen_method_beats_the_keyword_baseline():
    articles, questions = demo_sets(42)
    assert len(questions) >= 50 and (questions["article_ids"] == "").sum() >= 5
    chosen = evaluate(KnowledgeMatcher(min_confidence=0.4).fit(articles), questions)
    baseline = evaluate(KeywordBaseline(min_share=0.3).fit(articles), questions)
    assert chosen["precision_at_1"] > baseline["precision_at_1"]
    assert chosen["recall_at_3"] > baseline["recall_at_3"]
    assert chosen["answered_wrongly_when_unanswerable"] == 0.0


def test_feedback_does_not_make_it_worse_and_the_report_renders():
    articles, questions = demo_sets(42)
    without, with_, verdicts = feedback_halves(articles, questions, 0.4)
    assert verdicts > 0
    assert with_["precision_at_1"] >= without["precision_at_1"]
    assert with_["hand_off_rate"] <= without["hand_off_rate"]
    assert with_["top1_overall"] >= without["top1_overall"]
    text = render(42)
    assert "BM25, jieba search mode (chosen)" in text and "What agents' feedback adds" in text
