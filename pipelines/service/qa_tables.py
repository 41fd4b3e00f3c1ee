"""The QA engine's warehouse tables, computed one slice of conversations at a time.

Every rule but the duration outlier looks inside one conversation, so conversations are split by
a hash of their id into slices of about ``SLICE_MESSAGES`` messages; a slice's messages are
fetched, checked and its hits written before the next slice is read. At S=100 (6.8 M messages)
the whole table in one frame, its folded text and the hits peaked at 5.5 GB in the QA step alone
(issue 16: the run must stay under 8 GiB). The duration outlier compares a conversation with its
group's median, so it runs once, over the one-row-per-conversation summaries of all slices; the
scores then come from those summaries and the hits' (conversation, rule) pairs. Up to
``SLICE_MESSAGES`` messages are one slice: the same computation as over the whole table.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import duckdb
import polars as pl

from pipelines.service import qa

STG = "staging"
SLICE_MESSAGES = 1_000_000
MESSAGE_COLUMNS = "conversation_id, seq, channel, speaker, sent_at, text, agent_id, call_id"


def calls_read(con: duckdb.DuckDBPyConnection) -> str:
    """The call records QA reads, as one aggregate: only their ``call_id, queue, talk_seconds``, and
    only those a transcript message refers to (QA joins calls to conversations and nothing else).

    Why: a day's delivery brings call records without transcripts; they change the call table but
    not one QA row, so with this in the reuse key (:mod:`pipelines.reuse`) the QA tables are kept.
    """
    rows, hashes = con.execute(f"""
        select count(*), coalesce(sum(hash(call_id, queue, talk_seconds)::hugeint), 0)
        from {STG}.stg_callcenter__call_records
        where call_id in (select call_id from {STG}.stg_callcenter__transcripts)
    """).fetchone()
    return f"calls read by QA|{rows}|{hashes}"


def _rule_meta(rules: list[qa.Rule]) -> pl.DataFrame:
    return pl.DataFrame({"rule_id": [r.id for r in rules], "rule_name": [r.name for r in rules],
                         "severity": [r.severity for r in rules], "weight": [r.weight for r in rules]})


def _append_hits(con: duckdb.DuckDBPyConnection, hits: pl.DataFrame, meta: pl.DataFrame, *, first: bool) -> None:
    frame = hits.join(meta, on="rule_id", how="left").to_arrow()  # noqa: F841 (read by DuckDB by name)
    verb = "create or replace table service.qa_rule_hits as" if first else "insert into service.qa_rule_hits"
    con.execute(f"{verb} select * from frame")


def write_scores(con: duckdb.DuckDBPyConnection, rules: list[qa.Rule], log: Callable[[str], None] = print,
                 slice_messages: int = SLICE_MESSAGES) -> None:
    """``service.qa_rule_hits`` and ``service.qa_conversation_scores`` from the staged transcripts
    and call records."""
    total = con.execute(f"select count(*) from {STG}.stg_callcenter__transcripts").fetchone()[0]
    slices = max(1, math.ceil(total / slice_messages))
    calls = con.execute(f"select call_id, queue, talk_seconds from {STG}.stg_callcenter__call_records"
                        " order by call_id").pl()
    log(f"QA: {len(rules)} rules over {total:,} messages in {slices} slice(s), {calls.height:,} calls")
    in_conversation = [r for r in rules if r.type != "duration_outlier"]
    meta = _rule_meta(rules)
    con.execute("create schema if not exists service")
    summaries = []
    for i in range(slices):
        where = "" if slices == 1 else f"where hash(conversation_id) % {slices} = {i}"
        messages = con.execute(f"select {MESSAGE_COLUMNS} from {STG}.stg_callcenter__transcripts {where}"
                               " order by conversation_id, seq").pl()
        _append_hits(con, qa.evaluate(messages, calls, in_conversation), meta, first=i == 0)
        summaries.append(qa.conversations(messages, calls))
        del messages
        if slices > 1:
            log(f"QA: slice {i + 1}/{slices} checked")
    conversations = pl.concat(summaries, how="vertical")
    del summaries
    for rule in rules:
        if rule.type == "duration_outlier":
            p = rule.params
            outliers = qa.duration_outliers_of(conversations, float(p.get("k", 2.5)),
                                               int(p.get("min_conversations", 20)))
            _append_hits(con, qa.hits_of(outliers, rule), meta, first=False)
    hit_pairs = con.execute("select conversation_id, rule_id from service.qa_rule_hits").pl()
    scores = qa.score_conversations(conversations, hit_pairs, rules).to_arrow()  # noqa: F841
    con.execute("create or replace table service.qa_conversation_scores as select * from scores")
