"""知识库 Knowledge: an agent types (or pastes) the customer's question and gets the top 3
published articles with their confidence; below the confidence threshold (service.yml
knowledge_min_confidence) the page says to hand the customer to a person, still showing the
candidates. Each suggestion can be accepted or rejected; the verdict is stored and teaches the
matching (docs/service.md#knowledge-base-answer-matching)."""

import streamlit as st

from apps import knowledge_data as kd
from apps.auth import require_screen
from apps.components import forms
from apps.components import knowledge_suggestions as ks
from models_ml.knowledge_matching import NO_ARTICLES

FORM = ks.FORM

viewer = require_screen("knowledge")
st.title("知识库 Knowledge")
articles = kd.published_articles()
if articles.empty:
    st.info(f"{NO_ARTICLES} — 尚未交付知识库文章（callcenter.knowledge_articles），所有问题转人工处理。 "
            "No knowledge articles delivered yet: every question goes to a person.")
    st.stop()

forms.show_flash(FORM)
forms.form_errors(FORM, ["question", "article_id", "verdict"])
question = st.text_area("客户问题 Customer's question", key="kb_question",
                        placeholder="例如：网关设备老是掉线怎么办")
ticket_no = st.text_input("工单号（可选） Ticket no. (optional)", key="kb_ticket").strip() or None


if question.strip():
    answer = kd.matcher().suggest(question)
    ks.advice(answer)
    by_id = articles.set_index("article_id")
    for s in answer.suggestions:
        with st.expander(f"{s.rank}. {s.title} — 置信度 confidence {s.confidence:.0%}", expanded=s.rank == 1):
            st.write(by_id.loc[s.article_id, "body"])
            st.caption(f"{s.article_id} · {by_id.loc[s.article_id, 'product'] or ''} · "
                       f"{by_id.loc[s.article_id, 'category'] or ''} · BM25 {s.score:.2f}")
            left, right = st.columns(2)
            verdict = (viewer, question, s.article_id)
            left.button("采纳 Accept", key=f"kb_accept_{s.article_id}", on_click=ks.record_verdict,
                        args=(*verdict, "accepted", s.rank, s.confidence, ticket_no))
            right.button("不适用 Reject", key=f"kb_reject_{s.article_id}", on_click=ks.record_verdict,
                         args=(*verdict, "rejected", s.rank, s.confidence, ticket_no))

with st.expander(f"已发布文章 Published articles ({len(articles):,})"):
    st.dataframe(articles[["article_id", "title", "product", "category", "updated_at"]], hide_index=True)
with st.expander("坐席反馈 Agents' feedback"):
    st.dataframe(kd.verdict_counts(articles), hide_index=True)
    st.caption("采纳的问题加入该文章的检索文本；被拒绝的文章在相似问题中得分减半。 Accepted questions join the "
               "article's indexed text; a rejected article's score is halved for similar questions.")
