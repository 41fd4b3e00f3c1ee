"""QA tables computed in slices of conversations equal the one-slice computation (issue 16: S=100's
6.8 M messages are checked a slice at a time to stay under 8 GiB; at S=100 the QA step's peak
went from 5.5 GB to 2.4 GB with identical tables).

The fixture has a hit of every in-conversation rule and a duration outlier that only shows against
the median of conversations in *other* slices, so a slice that computed the outlier on its own
conversations would miss it."""

from __future__ import annotations

import duckdb
import polars as pl
from test_service_qa import GOOD, RULES, _conv

from pipelines.service import qa_tables


def _warehouse(messages: pl.DataFrame, calls: pl.DataFrame) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema staging")
    m, c = messages.to_arrow(), calls.to_arrow()  # noqa: F841 (read by DuckDB by name)
    con.execute("create table staging.stg_callcenter__transcripts as select * from m")
    con.execute("create table staging.stg_callcenter__call_records as select * from c")
    return con


def _tables(slice_messages: int) -> tuple[list, list]:
    clean = [_conv(f"Q{i:02d}", GOOD, call_id=f"C{i:02d}") for i in range(21)]
    rude = _conv("F", [*GOOD[:2], ("agent", 8, "这不是我们的问题"), *GOOD[3:]], call_id="C99")
    slow = _conv("L", [*GOOD[:2], ("agent", 36, "明白了。"), *[(s, o + 31, t) for s, o, t in GOOD[3:]]])
    calls = pl.DataFrame({"call_id": [f"C{i:02d}" for i in range(21)] + ["C99"], "queue": ["技术支持"] * 22,
                          "talk_seconds": [100] * 20 + [251, 90]})  # median 100, k = 2.5: C20 is an outlier
    con = _warehouse(pl.concat([*clean, rude, slow]), calls)
    messages = []
    qa_tables.write_scores(con, RULES, messages.append, slice_messages=slice_messages)
    hits = con.execute("select * from service.qa_rule_hits order by all").fetchall()
    scores = con.execute("select * from service.qa_conversation_scores order by all").fetchall()
    return hits, scores, messages


def test_slices_give_the_tables_of_one_slice():
    one_hits, one_scores, one_log = _tables(slice_messages=1_000_000)
    hits, scores, log = _tables(slice_messages=20)  # 120 messages -> 6 slices
    assert "in 1 slice(s)" in one_log[0] and "in 6 slice(s)" in log[0]
    assert hits == one_hits and scores == one_scores
    rules_hit = {(h[0], h[1]) for h in hits}
    assert {("Q20", "long_conversation"), ("F", "forbidden_phrase"), ("L", "response_latency")} <= rules_hit
    by_conversation = {s[0]: s for s in scores}
    assert len(by_conversation) == 23
