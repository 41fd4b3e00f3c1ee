"""Call-center QA (质检) rule engine: YAML rules over transcripts and call records, set-based.

Input frames (polars): messages (``stg_callcenter__transcripts``: conversation_id, seq, channel,
speaker, sent_at, text, agent_id, call_id) and calls (``stg_callcenter__call_records``: call_id,
queue, talk_seconds). Every rule is a vectorised polars expression over all conversations at
once; the output is one row per rule hit with its evidence (the message, or the time span)
and one score row per conversation. Chinese text is folded (NFKC: full-width -> half-width,
lower case, whitespace removed) before phrase matching; phrases match as folded substrings
(Aho-Corasick via ``str.contains_any``), which needs no word segmentation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import yaml

RULES_PATH = Path(__file__).with_name("qa_rules.yml")
RULE_TYPES = {"greeting", "forbidden_phrase", "closing", "response_latency", "duration_outlier", "silence", "keyword"}
SEVERITIES = {"minor", "major", "critical"}
HIT_COLUMNS = {
    "conversation_id": pl.String, "rule_id": pl.String, "seq": pl.Int64, "evidence": pl.String,
    "evidence_start": pl.Datetime("us"), "evidence_end": pl.Datetime("us"),
}


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    type: str
    weight: float
    severity: str
    params: dict[str, Any] = field(default_factory=dict)


def load_rules(path: Path = RULES_PATH) -> list[Rule]:
    """Rules from YAML; a malformed rule raises naming the rule and the field."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    rules = []
    for n, item in enumerate(raw.get("rules") or [], start=1):
        rid = item.get("id") or f"#{n}"
        for key in ("id", "type", "weight"):
            if key not in item:
                raise ValueError(f"{path}: QA rule {rid}: missing field {key!r}")
        if item["type"] not in RULE_TYPES:
            raise ValueError(f"{path}: QA rule {rid}: type {item['type']!r} is not one of {sorted(RULE_TYPES)}")
        severity = item.get("severity", "minor")
        if severity not in SEVERITIES:
            raise ValueError(f"{path}: QA rule {rid}: severity {severity!r} is not one of {sorted(SEVERITIES)}")
        rules.append(Rule(item["id"], item.get("name", item["id"]), item["type"], float(item["weight"]),
                          severity, item.get("params") or {}))
    if len({r.id for r in rules}) != len(rules):
        raise ValueError(f"{path}: QA rule ids must be unique")
    return rules


def fold(expr: pl.Expr) -> pl.Expr:
    """NFKC (full-/half-width), lower case, no whitespace: the form phrases are matched in."""
    return expr.str.normalize("NFKC").str.to_lowercase().str.replace_all(r"\s+", "")


def fold_phrases(phrases: list[str]) -> list[str]:
    folded = pl.Series([str(p) for p in phrases], dtype=pl.String).to_frame("p").select(fold(pl.col("p"))).to_series()
    return [p for p in folded.to_list() if p]


def _prepare(messages: pl.DataFrame) -> pl.DataFrame:
    return (
        messages.sort("conversation_id", "seq")
        .with_columns(
            folded=fold(pl.col("text").fill_null("")),
            started_at=pl.col("sent_at").min().over("conversation_id"),
            n=pl.int_range(pl.len()).over("conversation_id"),
            prev_speaker=pl.col("speaker").shift(1).over("conversation_id"),
            prev_sent_at=pl.col("sent_at").shift(1).over("conversation_id"),
        )
    )


def hits_of(frame: pl.DataFrame, rule: Rule) -> pl.DataFrame:
    """The hit rows (``HIT_COLUMNS``) of ``rule`` from a frame holding their columns."""
    return frame.select(
        pl.col("conversation_id"), pl.lit(rule.id).alias("rule_id"), pl.col("seq").cast(pl.Int64),
        pl.col("evidence").cast(pl.String), pl.col("evidence_start").cast(pl.Datetime("us")),
        pl.col("evidence_end").cast(pl.Datetime("us")),
    )


def _conversation_missing(msgs: pl.DataFrame, ok: pl.DataFrame, rule: Rule, evidence: str) -> pl.DataFrame:
    convs = msgs.group_by("conversation_id").agg(
        pl.col("started_at").first().alias("evidence_start"), pl.col("sent_at").max().alias("evidence_end")
    )
    missing = convs.join(ok.select("conversation_id").unique(), on="conversation_id", how="anti")
    return hits_of(missing.with_columns(seq=pl.lit(None, pl.Int64), evidence=pl.lit(evidence)), rule)


def evaluate(messages: pl.DataFrame, calls: pl.DataFrame, rules: list[Rule]) -> pl.DataFrame:
    """All rule hits: conversation_id, rule_id, seq, evidence, evidence_start, evidence_end."""
    msgs = _prepare(messages)
    out = [pl.DataFrame(schema=HIT_COLUMNS)]
    for rule in rules:
        p = rule.params
        if rule.type == "greeting":
            phrases = fold_phrases(p["phrases"])
            ok = msgs.filter(
                pl.col("speaker").is_in(["agent", "bot"])
                & (pl.col("n") < int(p.get("within_messages", 2)))
                & ((pl.col("sent_at") - pl.col("started_at")).dt.total_seconds() <= float(p.get("within_seconds", 15)))
                & pl.col("folded").str.contains_any(phrases)
            )
            out.append(_conversation_missing(msgs, ok, rule, "no greeting at the start"))
        elif rule.type in ("forbidden_phrase", "keyword"):
            phrases = fold_phrases(p["phrases"])
            hit = msgs.filter(
                (pl.col("speaker") == p.get("speaker", "agent")) & pl.col("folded").str.contains_any(phrases)
            )
            out.append(hits_of(hit.with_columns(evidence=pl.col("text"), evidence_start=pl.col("sent_at"),
                                              evidence_end=pl.col("sent_at")), rule))
        elif rule.type == "closing":
            phrases = fold_phrases(p["phrases"])
            agent = msgs.filter(pl.col("speaker") == "agent").with_columns(
                from_end=pl.int_range(pl.len()).reverse().over("conversation_id")
            )
            ok = agent.filter(
                (pl.col("from_end") < int(p.get("last_messages", 2))) & pl.col("folded").str.contains_any(phrases)
            )
            # only conversations an agent took part in can miss a closing
            missing = _conversation_missing(agent, ok, rule, "no closing phrase at the end")
            out.append(missing)
        elif rule.type == "response_latency":
            limits = p["max_seconds"]
            limit = pl.col("channel").replace_strict(limits, default=None, return_dtype=pl.Float64)
            latency = (pl.col("sent_at") - pl.col("prev_sent_at")).dt.total_seconds()
            hit = msgs.filter((pl.col("speaker") == "agent") & (pl.col("prev_speaker") == "customer")
                              & (latency > limit))
            out.append(hits_of(hit.with_columns(
                evidence=pl.format("agent replied after {} s: {}", latency.cast(pl.Int64), pl.col("text")),
                evidence_start=pl.col("prev_sent_at"), evidence_end=pl.col("sent_at")), rule))
        elif rule.type == "silence":
            gap = (pl.col("sent_at") - pl.col("prev_sent_at")).dt.total_seconds()
            hit = msgs.filter(pl.col("channel").is_in(p.get("channels", ["phone"]))
                              & (gap > float(p["max_gap_seconds"])))
            out.append(hits_of(hit.with_columns(
                evidence=pl.format("{} s of silence before message {}", gap.cast(pl.Int64), pl.col("seq")),
                evidence_start=pl.col("prev_sent_at"), evidence_end=pl.col("sent_at")), rule))
        elif rule.type == "duration_outlier":
            out.append(hits_of(duration_outliers(msgs, calls, float(p.get("k", 2.5)),
                                               int(p.get("min_conversations", 20))), rule))
    return pl.concat(out, how="vertical")


def conversations(messages: pl.DataFrame, calls: pl.DataFrame) -> pl.DataFrame:
    """One row per conversation: channel, agent, times, duration (talk time for calls), group."""
    conv = messages.group_by("conversation_id").agg(
        pl.col("channel").first(),
        pl.col("agent_id").drop_nulls().first(),
        pl.col("call_id").drop_nulls().first(),
        pl.col("sent_at").min().alias("started_at"),
        pl.col("sent_at").max().alias("ended_at"),
        pl.len().alias("messages"),
    )
    conv = conv.join(calls.select("call_id", "queue", "talk_seconds"), on="call_id", how="left")
    return conv.with_columns(
        duration_seconds=pl.coalesce(
            pl.col("talk_seconds").cast(pl.Float64),
            (pl.col("ended_at") - pl.col("started_at")).dt.total_seconds().cast(pl.Float64),
        ),
        duration_group=pl.coalesce(pl.col("queue"), pl.col("channel")),
    )


def duration_outliers(msgs: pl.DataFrame, calls: pl.DataFrame, k: float, min_conversations: int) -> pl.DataFrame:
    return duration_outliers_of(conversations(msgs, calls), k, min_conversations)


def duration_outliers_of(conv: pl.DataFrame, k: float, min_conversations: int) -> pl.DataFrame:
    """Conversations longer than ``k`` x their group's median (``conversations``' rows): the one
    rule that compares conversations with each other, so it needs all of them at once."""
    conv = conv.with_columns(
        group_median=pl.col("duration_seconds").median().over("duration_group"),
        group_size=pl.len().over("duration_group"),
    )
    hit = conv.filter((pl.col("group_size") >= min_conversations)
                      & (pl.col("duration_seconds") > k * pl.col("group_median")))
    return hit.with_columns(
        seq=pl.lit(None, pl.Int64),
        evidence=pl.format("{} s vs median {} s of {}", pl.col("duration_seconds").cast(pl.Int64),
                           pl.col("group_median").cast(pl.Int64), pl.col("duration_group")),
        evidence_start=pl.col("started_at"), evidence_end=pl.col("ended_at"),
    )


def score(messages: pl.DataFrame, calls: pl.DataFrame, hits: pl.DataFrame, rules: list[Rule]) -> pl.DataFrame:
    """One row per conversation: score = 100 - weights of the rules hit (each once), floor 0."""
    return score_conversations(conversations(messages, calls), hits, rules)


def score_conversations(conv: pl.DataFrame, hits: pl.DataFrame, rules: list[Rule]) -> pl.DataFrame:
    """``score`` over ``conversations``' rows; ``hits`` needs only conversation_id and rule_id."""
    meta = pl.DataFrame({"rule_id": [r.id for r in rules], "weight": [r.weight for r in rules],
                         "severity": [r.severity for r in rules]})
    per_rule = hits.group_by("conversation_id", "rule_id").agg(pl.len().alias("hit_count")).join(meta, on="rule_id")
    per_conv = per_rule.group_by("conversation_id").agg(
        pl.col("weight").sum().alias("points_off"),
        pl.len().alias("rules_hit"),
        (pl.col("severity") == "critical").sum().alias("critical_rules_hit"),
        pl.col("rule_id").sort().str.join(",").alias("rule_ids"),
        (pl.col("rule_id") == "long_conversation").any().alias("is_duration_outlier"),
    )
    conv = conv.join(per_conv, on="conversation_id", how="left")
    return conv.with_columns(
        pl.col("points_off").fill_null(0.0),
        pl.col("rules_hit").fill_null(0).cast(pl.Int64),
        pl.col("critical_rules_hit").fill_null(0).cast(pl.Int64),
        pl.col("rule_ids").fill_null(""),
        pl.col("is_duration_outlier").fill_null(False),
    ).with_columns(
        qa_score=(100.0 - pl.col("points_off")).clip(lower_bound=0.0),
    ).with_columns(
        # review first: low score, critical hits, outlier duration
        review_priority=(100.0 - pl.col("qa_score")) + 25.0 * pl.col("critical_rules_hit")
        + 15.0 * pl.col("is_duration_outlier").cast(pl.Float64),
    ).drop("talk_seconds").sort("conversation_id")
