"""Call-center QA engine: one fixture conversation per rule (hit and clean), Chinese folding,
scores and the YAML loader's errors; and the requirement-matching model on a text fixture."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import polars as pl
import pytest

from models_ml.requirement_matching import RequirementMatcher, evaluate
from pipelines.service import qa

T0 = dt.datetime(2026, 10, 12, 10, 0, 0)
GOOD = [  # (speaker, seconds after start, text): a clean phone call
    ("agent", 0, "您好，这里是衡信智造客服，请问有什么可以帮您？"),
    ("customer", 5, "我们的网关报警了。"),
    ("agent", 12, "明白了，我帮您查询一下，请稍等。"),
    ("customer", 20, "好的，谢谢。"),
    ("agent", 25, "感谢您的来电，再见。"),
]


def _conv(cid: str, lines, channel: str = "phone", call_id: str | None = None) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "conversation_id": [cid] * len(lines),
            "seq": list(range(1, len(lines) + 1)),
            "channel": [channel] * len(lines),
            "speaker": [s for s, _, _ in lines],
            "sent_at": [T0 + dt.timedelta(seconds=o) for _, o, _ in lines],
            "text": [t for _, _, t in lines],
            "agent_id": ["A1"] * len(lines),
            "call_id": pl.Series([call_id] * len(lines), dtype=pl.String),
        }
    )


NO_CALLS = pl.DataFrame(schema={"call_id": pl.String, "queue": pl.String, "talk_seconds": pl.Int64})
RULES = qa.load_rules()


def _rules_hit(messages: pl.DataFrame, calls: pl.DataFrame = NO_CALLS) -> dict[str, list[int | None]]:
    hits = qa.evaluate(messages, calls, RULES)
    return {r: sorted(g["seq"].to_list(), key=lambda x: -1 if x is None else x)
            for (r,), g in hits.group_by("rule_id")}


def test_clean_conversation_hits_nothing_and_scores_100():
    msgs = _conv("OK", GOOD)
    assert _rules_hit(msgs) == {}
    assert qa.score(msgs, NO_CALLS, qa.evaluate(msgs, NO_CALLS, RULES), RULES)["qa_score"].to_list() == [100.0]


def test_greeting_missing_or_late():
    late = [("customer", 0, "喂？"), ("customer", 10, "有人吗"), ("agent", 30, "您好，请讲。"), *GOOD[3:]]
    assert "greeting" in _rules_hit(_conv("G", late))


def test_forbidden_phrase_full_width_and_spaces_folded():
    lines = [*GOOD[:2], ("agent", 8, "这 不是我们的问题，您自己再检查一下吧！"), *GOOD[3:]]
    assert _rules_hit(_conv("F", lines))["forbidden_phrase"] == [3]
    # full-width Latin/digits fold to half-width: a keyword "12315" written ｜１２３１５｜ still hits
    lines = [*GOOD[:3], ("customer", 20, "再不处理我就打１２３１５"), GOOD[4]]
    assert _rules_hit(_conv("K", lines))["keyword_alert"] == [4]


def test_closing_phrase_missing():
    assert "closing" in _rules_hit(_conv("C", GOOD[:4] + [("agent", 25, "好的。")]))


def test_response_latency_above_the_channel_limit():
    slow = [*GOOD[:2], ("agent", 5 + 31, "明白了，我查一下。"), *[(s, o + 31, t) for s, o, t in GOOD[3:]]]
    assert _rules_hit(_conv("L", slow))["response_latency"] == [3]
    # 31 s is fine on chat (limit 120 s); no silence rule on chat either
    assert "response_latency" not in _rules_hit(_conv("L2", slow, channel="chat"))


def test_long_silence_on_phone():
    gap = [*GOOD[:3], ("customer", 12 + 36, "还在吗？"), ("agent", 50, "感谢您的来电，再见。")]
    assert _rules_hit(_conv("S", gap))["long_silence"] == [4]


def test_call_longer_than_k_times_queue_median():
    convs = [_conv(f"Q{i:02d}", GOOD, call_id=f"C{i:02d}") for i in range(21)]
    calls = pl.DataFrame({"call_id": [f"C{i:02d}" for i in range(21)], "queue": ["技术支持"] * 21,
                          "talk_seconds": [100] * 20 + [251]})  # median 100, k = 2.5 -> 250 s
    hits = _rules_hit(pl.concat(convs), calls)
    assert hits["long_conversation"] == [None]
    scores = qa.score(pl.concat(convs), calls, qa.evaluate(pl.concat(convs), calls, RULES), RULES)
    outlier = scores.filter(pl.col("conversation_id") == "Q20").row(0, named=True)
    assert (outlier["qa_score"], outlier["is_duration_outlier"], outlier["review_priority"]) == (95.0, True, 20.0)


def test_score_adds_weights_once_per_rule_and_critical_raises_priority():
    lines = [("agent", 0, "您好。"), ("customer", 3, "设备坏了"), ("agent", 6, "我也没办法"),
             ("customer", 8, "那怎么办"), ("agent", 10, "这个不归我管")]  # forbidden x2, no closing
    msgs = _conv("P", lines)
    row = qa.score(msgs, NO_CALLS, qa.evaluate(msgs, NO_CALLS, RULES), RULES).row(0, named=True)
    assert (row["qa_score"], row["critical_rules_hit"], row["review_priority"]) == (60.0, 1, 65.0)


def test_rule_file_errors_name_the_rule_and_field(tmp_path):
    bad = tmp_path / "rules.yml"
    bad.write_text("rules:\n  - id: x\n    type: telepathy\n    weight: 1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="QA rule x: type 'telepathy'"):
        qa.load_rules(bad)
    bad.write_text("rules:\n  - id: y\n    type: greeting\n", encoding="utf-8")
    with pytest.raises(ValueError, match="QA rule y: missing field 'weight'"):
        qa.load_rules(bad)


def test_requirement_matcher_char_ngrams_on_chinese_text():
    reqs = pd.DataFrame({"requirement_id": ["R1", "R2", "R3"],
                         "title": ["移动端离线模式", "支持单点登录", "数据导出为Excel"],
                         "description": ["", "", ""]})
    tickets = pd.DataFrame({
        "ticket_no": ["K1", "K2", "K3", "K4", "K5", "K6"],
        "subject": ["希望移动端支持离线模式", "能否支持单点登录SSO", "报表数据导出为ＥＸＣＥＬ",
                    "现场没网，需要离线模式", "单点登录对接AD", "导出Excel功能"],
        "description": [None] * 6,
    })
    links = pd.DataFrame({"ticket_no": ["K1", "K2", "K3"], "requirement_id": ["R1", "R2", "R3"]})
    got = RequirementMatcher().fit(reqs, links, tickets).suggest(tickets.iloc[3:], top_k=1)
    assert got["requirement_id"].tolist() == ["R1", "R2", "R3"]
    assert (got["score"] > 0).all()
    result = evaluate(reqs, pd.concat([links, pd.DataFrame({"ticket_no": ["K4", "K5", "K6"],
                                                            "requirement_id": ["R1", "R2", "R3"]})]),
                      tickets, holdout_share=0.5, seed=1)
    assert result["precision_at_1"] == 1.0
