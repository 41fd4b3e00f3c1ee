"""Requirement suggestions scored a chunk of tickets at a time equal the whole-matrix scoring
(issue 16: at S=100 the dense tickets x requirements similarities of 36,640 unlinked tickets and
12,000 requirements, with their sort, took ~10 GB in the bench process).

The fixture has two requirements with the same text (R4, R6: every ticket ties on them, the tie
goes to the lower id), chunk sizes that do not divide the ticket count, a top_k above the number
of requirements, and a min_score that drops some rows."""

from __future__ import annotations

import pandas as pd

from models_ml.requirement_matching import RequirementMatcher

REQS = pd.DataFrame({
    "requirement_id": ["R1", "R2", "R3", "R4", "R5", "R6"],
    "title": ["移动端离线模式", "支持单点登录", "数据导出为Excel", "支持单点登录", "工单自动分派", "支持单点登录"],
    "description": ["现场没有网络", "", "报表", "", "按技能组", ""],
})
SUBJECTS = ["希望移动端支持离线模式", "能否支持单点登录SSO", "报表数据导出为ＥＸＣＥＬ", "现场没网，需要离线模式",
            "单点登录对接AD", "导出Excel功能", "工单能不能自动分给对应技能组", "！！！", "发票抬头错误",
            "离线也能导出报表吗", "登录", "技能组分派规则"]
TICKETS = pd.DataFrame({"ticket_no": [f"K{i:02d}" for i in range(len(SUBJECTS))], "subject": SUBJECTS,
                        "description": [None, "急", None, None, "", None, "谢谢", None, None, None, None, "分派"]})
LINKS = pd.DataFrame({"ticket_no": ["K00", "K01", "K02"], "requirement_id": ["R1", "R2", "R3"]})


def _suggest(chunk_tickets: int, top_k: int = 3, min_score: float = 0.0) -> pd.DataFrame:
    matcher = RequirementMatcher().fit(REQS, LINKS, TICKETS)
    return matcher.suggest(TICKETS.iloc[3:], top_k=top_k, min_score=min_score, chunk_tickets=chunk_tickets)


def test_chunks_give_the_suggestions_of_one_chunk():
    for top_k, min_score in ((3, 0.0), (2, 0.05), (9, 0.0)):
        whole = _suggest(chunk_tickets=1_000, top_k=top_k, min_score=min_score)
        for chunk in (1, 2, 4):  # 9 tickets: 9, 5 and 3 chunks, the last one short
            pd.testing.assert_frame_equal(_suggest(chunk, top_k, min_score), whole)
    whole = _suggest(chunk_tickets=1_000, top_k=9)
    assert len(whole) == 9 * 6  # min_score 0, top_k above the 6 requirements: every pair
    first = whole[whole["suggestion_rank"] == 1].set_index("ticket_no")["requirement_id"]
    assert (first["K03"], first["K05"], first["K06"], first["K04"]) == ("R1", "R3", "R5", "R4")
    for _, ranked in whole.groupby("ticket_no"):  # R4 and R6 tie everywhere: R4 right before R6
        order = ranked["requirement_id"].tolist()
        assert order.index("R6") == order.index("R4") + 1
        assert ranked.loc[ranked["requirement_id"] == "R4", "score"].item() == \
            ranked.loc[ranked["requirement_id"] == "R6", "score"].item()
    assert _suggest(1_000, min_score=0.05)["score"].min() >= 0.05
    assert len(_suggest(1_000, min_score=0.05)) < 9 * 3
