"""Company-name resolution review 客户名称复核: accept (merge) or reject (keep separate) a suggested match.

Decisions go to the operational store and take effect on the next pipeline run.
"""

import streamlit as st

from apps import auth, display
from apps import resolution_data as data
from operational.errors import ValidationError

viewer = auth.require_screen("name_review")
st.title("Name resolution review 客户名称复核")
if "review_saved" in st.session_state:
    st.success(st.session_state.pop("review_saved"))
review = data.review_list(viewer)
c1, c2 = st.columns(2)
c1.metric("Names to review 待复核名称", display.count(len(review)))
c2.metric("Undecided 未处理", display.count(data.open_count(review)))
display.table(review)

st.subheader("Decide 复核决定")
undecided = review[review["decision"].isna()] if len(review) else review
if not len(undecided):
    st.info("没有待处理的名称 Nothing left to decide.")
else:
    options = list(range(len(undecided)))
    rows = undecided.to_dict("records")
    with st.form("decide"):
        pick = st.selectbox(
            "Typed name → suggested company 名称 → 建议公司",
            options,
            format_func=lambda i: f"{rows[i]['typed_name']} → {rows[i]['suggested_company_name'] or '?'} ({rows[i]['score']})",
            key="review_pick",
        )
        # no decision is chosen for the reviewer: a score-92 pair can still be two companies
        decision = st.radio(
            "Decision 决定", list(data.DECISION_LABELS), format_func=data.DECISION_LABELS.get, key="review_decision",
            index=None,
        )
        comment = st.text_input("Comment 备注", key="review_comment")
        submitted = st.form_submit_button("Save 保存")
    if submitted and decision is None:
        st.error("请选择合并或不合并 Choose accept or reject first.")
    elif submitted:
        row = rows[pick]
        try:
            data.decide(viewer, row["typed_name"], row["suggested_company_key"] or "", decision, comment)
        except ValidationError as exc:
            for field, message in exc.errors.items():
                st.error(f"{field}: {message}")
        else:
            st.session_state["review_saved"] = (
                f"已保存 Saved: {row['typed_name']} — {data.DECISION_LABELS[decision]}. "
                "Applies on the next pipeline run 下次运行后生效."
            )
            st.rerun()

st.subheader("Decisions 已记录的决定")
display.table(data.decisions(viewer))
