"""QA inspector queue (质检): conversations to review first, with the evidence of each hit."""

import streamlit as st

from apps import auth, display
from apps import service_data as data

viewer = auth.require_screen("qa_queue")
st.title("质检队列 QA inspection queue")
queue = data.qa_queue(viewer)
st.caption("Ranked by review priority: low score, critical hits (禁用语, 敏感词), outlier duration.")
st.metric("待复核 Conversations with hits (top shown)", display.count(len(queue)))
display.table(queue, show_ids=["conversation_id"])

if not queue.empty:
    conversation = st.selectbox("会话 Conversation", queue["conversation_id"].tolist())
    st.subheader("命中证据 Evidence")
    display.table(data.qa_evidence(viewer, conversation))
    with st.expander("会话记录 Transcript"):
        display.table(data.qa_transcript(viewer, conversation))
