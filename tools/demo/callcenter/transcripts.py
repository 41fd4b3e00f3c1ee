"""Transcripts of one month: some answered phone calls, the chat, WeChat and web conversations
behind tickets, and chats that never became a ticket.

A few agents use forbidden phrases (more often at night), which the conversation ratings and
the quality checks downstream are meant to catch.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .. import vocab
from .._util import UTC_OFFSET, cat, pick, with_nulls
from ..world import World
from .teams import NIGHT_TEAM, is_evening, pick_agent


def conversations(
    world: World, mi: int, calls: pl.DataFrame, chat_tickets: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Transcript messages of one month and the conversation header rows (for tickets/ratings)."""
    m = world.tl.months[mi]
    rng = world.rng(f"callcenter.transcripts.{m.label}")
    answered = calls.filter(pl.col("_answered") & (pl.col("direction") == "inbound"))
    phone = answered.filter(
        pl.col("_link") & (pl.Series(rng.random(answered.height)) < 0.4)
        | (pl.Series(rng.random(answered.height)) < 0.1)
    )
    n_p = phone.height
    n_extra = int(round(calls.height * 0.12))
    n_t = chat_tickets.height
    end = min(m.end, world.tl.end + 1)
    extra_start = m.start + (rng.random(n_extra) * (end - m.start - 3600)).astype(np.int64)
    extra_channel = pick(rng, ("chat", "wechat", "web"), n_extra, p=(0.35, 0.45, 0.2))
    extra_team = np.where(is_evening(extra_start), NIGHT_TEAM, "一线热线组")
    start = np.concatenate(
        [
            phone["_end"].to_numpy() - phone["talk_seconds"].to_numpy(),
            chat_tickets["_created"].to_numpy() - rng.integers(300, 1800, n_t),
            extra_start,
        ]
    )
    start = np.maximum(start, m.start)
    channel = np.concatenate(
        [np.full(n_p, "phone"), chat_tickets["channel"].to_numpy().astype(str), extra_channel]
    )
    team = np.concatenate(
        [
            phone["_team"].to_numpy().astype(str),
            chat_tickets["team"].to_numpy().astype(str),
            extra_team,
        ]
    )
    agent = np.concatenate(
        [
            phone["agent_id"].to_numpy().astype(str),
            chat_tickets["assignee_agent_id"].fill_null("").to_numpy().astype(str),
            pick_agent(rng, world, extra_team),
        ]
    )
    agent = np.where(agent == "", pick_agent(rng, world, team), agent)
    call_id = np.concatenate([phone["call_id"].to_numpy().astype(str), np.full(n_t + n_extra, "")])
    account = np.concatenate(
        [
            phone["_account"].to_numpy(),
            chat_tickets["account_id"].to_numpy(),
            np.zeros(n_extra, dtype=np.int64),
        ]
    )
    nc = len(start)
    conv_id = cat(
        "CV", m.label.replace("-", ""), np.char.zfill(np.arange(1, nc + 1).astype(str), 6)
    )
    forbidden = rng.random(nc) < np.where(team == NIGHT_TEAM, 0.08, 0.02)
    k = rng.choice([1, 2, 3], size=nc, p=(0.4, 0.4, 0.2))
    has_close = rng.random(nc) < 0.9
    length = 2 + 2 * k + has_close
    ci = np.repeat(np.arange(nc), length)
    pos = np.arange(len(ci)) - np.repeat(np.cumsum(length) - length, length)
    L = length[ci]
    is_close = has_close[ci] & (pos == L - 1)
    middle = (pos >= 2) & ~is_close
    agent_turn = middle & (pos % 2 == 0)
    ch = channel[ci]
    bot_first = np.isin(ch, ["wechat", "web"])
    speaker = np.select(
        [pos == 0, pos == 1, agent_turn, middle, is_close],
        [np.where(bot_first, "bot", "agent"), "customer", "agent", "customer", "agent"],
        "agent",
    )
    nm = len(ci)
    opener = (
        pl.DataFrame(
            {
                "t": pick(rng, vocab.CUSTOMER_OPENERS, nm),
                "p": pick(rng, ("设备", "系统", "网关", "MES", "传感器", "发票"), nm),
                "s": pick(rng, vocab.SYMPTOMS, nm),
            }
        )
        .select(
            pl.col("t")
            .str.replace("{p}", pl.col("p"), literal=True)
            .str.replace("{s}", pl.col("s"), literal=True)
        )
        .to_series()
        .to_numpy()
        .astype(str)
    )
    last_agent_mid = agent_turn & (pos == 2 * k[ci])
    reply = np.where(
        forbidden[ci] & last_agent_mid,
        cat(pick(rng, vocab.FORBIDDEN_PHRASES, nm), "，您自己再检查一下吧。"),
        pick(rng, vocab.AGENT_REPLIES, nm),
    )
    text = np.select(
        [pos == 0, pos == 1, agent_turn, middle, is_close],
        [
            np.where(bot_first, vocab.BOT_GREETING, vocab.GREETING),
            opener,
            reply,
            pick(rng, vocab.CUSTOMER_REPLIES, nm),
            np.where(ch == "phone", vocab.CLOSING_PHONE, vocab.CLOSING_CHAT),
        ],
        "",
    )
    gap = np.where(ch == "phone", rng.integers(3, 40, nm), rng.integers(5, 150, nm))
    gap[pos == 0] = 0
    cs = np.cumsum(gap)
    ts = start[ci] + cs - cs[np.cumsum(length) - length][ci]
    msgs = pl.DataFrame(
        {
            "conversation_id": conv_id[ci],
            "channel": ch,
            "seq": (pos + 1).astype(np.int64),
            "speaker": speaker,
            "ts": pl.from_epoch(pl.Series(ts - UTC_OFFSET), time_unit="s"),
            "text": text,
            "agent_id": with_nulls(pl.Series(agent[ci]), speaker == "bot"),
            "call_id": pl.Series(call_id[ci]).replace("", None),
            "account_id": with_nulls(pl.Series(account[ci]), account[ci] == 0),
        }
    )
    heads = pl.DataFrame(
        {
            "conversation_id": conv_id,
            "_start": start,
            "_forbidden": forbidden,
            "_is_ticket": np.r_[np.zeros(n_p, bool), np.ones(n_t, bool), np.zeros(n_extra, bool)],
            "_ticket_no": np.concatenate(
                [
                    np.full(n_p, ""),
                    chat_tickets["ticket_no"].to_numpy().astype(str),
                    np.full(n_extra, ""),
                ]
            ),
            "channel": channel,
        }
    )
    return msgs, heads
