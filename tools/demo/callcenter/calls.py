"""Call records, one month at a time: the calls behind that month's phone tickets, then the rest
of the month's traffic from buyers and strangers.

Made while writing (see ``landing``) so only one month is in memory. Evening and weekend calls
go to the night team, which keeps callers waiting longer and loses more of them. Also which
month's call-record file arrives cut short (``truncated_month``).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .. import vocab
from .._util import DAY, as_ts, cat, lookup, mobiles, pick, weekday_of, with_nulls
from ..world import World
from .teams import NIGHT_TEAM, is_evening, pick_agent

QUEUE_TEAM = {
    "售前咨询": "一线热线组",
    "售后服务": "一线热线组",
    "技术支持": "二线技术组",
    "投诉建议": "一线热线组",
    "VIP专线": "大客户服务组",
}
# hour-of-day weights of incoming calls (local time); the hotline is staffed 08:00-22:00
CALL_HOURS = np.array(
    [
        0.05,
        0.02,
        0.02,
        0.02,
        0.02,
        0.05,
        0.2,
        0.8,
        3,
        6,
        8,
        7,
        4,
        6,
        8,
        7,
        6,
        5,
        3,
        2.5,
        2,
        1.2,
        0.4,
        0.1,
    ]
)
CALLS_PER_SCALE = 40_000


def month_weights(world: World) -> np.ndarray:
    tl = world.tl
    mid = np.array([(m.start + m.end) / 2 for m in tl.months])
    days = np.array([(m.end - m.start) / DAY for m in tl.months])
    days[-1] = (tl.end + 1 - tl.months[-1].start) / DAY
    w = days * (1 + 0.8 * (mid - tl.start) / tl.span)
    return w / w.sum()


def calls_for_month(
    world: World, mi: int, n_calls: int, linked: pl.DataFrame, buyers: dict
) -> pl.DataFrame:
    """Call records of one month; the first rows answer the phone tickets of that month."""
    m = world.tl.months[mi]
    rng = world.rng(f"callcenter.calls.{m.label}")
    end = min(m.end, world.tl.end + 1)
    n_link = linked.height
    n_free = max(n_calls - n_link, 0)
    day = m.start + rng.integers(0, max((end - m.start) // DAY, 1), n_free) * DAY
    wd = weekday_of(day)
    day = np.where((wd >= 5) & (rng.random(n_free) < 0.6), day - (wd - 4) * DAY, day)
    day = np.maximum(day, m.start)
    hour = rng.choice(24, size=n_free, p=CALL_HOURS / CALL_HOURS.sum())
    start = day + hour * 3600 + rng.integers(0, 3600, n_free)
    queue = pick(rng, vocab.QUEUES, n_free, p=(0.2, 0.35, 0.25, 0.08, 0.12))
    direction = np.where(rng.random(n_free) < 0.85, "inbound", "outbound")
    from_buyer = rng.random(n_free) < 0.65
    b = rng.integers(0, len(buyers["phone"]), n_free)
    number = np.where(from_buyer, buyers["phone"][b], mobiles(rng, n_free))
    account = np.where(from_buyer, buyers["account"][b], 0)
    lstart = linked["_created"].to_numpy() - rng.integers(200, 900, n_link)
    start = np.concatenate([lstart, start])
    queue = np.concatenate(
        [
            np.where(
                linked["team"].to_numpy() == "大客户服务组",
                "VIP专线",
                np.where(linked["team"].to_numpy() == "二线技术组", "技术支持", "售后服务"),
            ),
            queue,
        ]
    )
    direction = np.concatenate([np.full(n_link, "inbound"), direction])
    number = np.concatenate([linked["contact_phone"].fill_null("").to_numpy().astype(str), number])
    number = np.where(number == "", mobiles(rng, len(number)), number)
    account = np.concatenate([linked["account_id"].to_numpy(), account])
    n = len(start)
    evening = is_evening(start)
    team = np.where(evening, NIGHT_TEAM, lookup(queue, QUEUE_TEAM))
    team[:n_link] = linked["team"].to_numpy().astype(str)
    closed = ((start % DAY) // 3600 >= 22) | ((start % DAY) // 3600 < 8)
    abandon = (rng.random(n) < np.where(team == NIGHT_TEAM, 0.22, 0.04)) | closed
    abandon[:n_link] = False
    agent = pick_agent(rng, world, team)
    agent[:n_link] = linked["assignee_agent_id"].fill_null("").to_numpy().astype(str)
    agent = np.where(agent == "", pick_agent(rng, world, team), agent)
    wait = (rng.exponential(np.where(team == NIGHT_TEAM, 120, 25)) + 5).astype(np.int64)
    talk = np.where(abandon, 0, (rng.lognormal(5.2, 0.6, n)).astype(np.int64))
    hold = np.where(abandon | (rng.random(n) < 0.7), 0, rng.exponential(40, n).astype(np.int64))
    endt = start + wait + talk + hold
    hangup = np.where(
        abandon,
        np.where(closed, "system", "customer"),
        pick(rng, ("agent", "customer", "system"), n, p=(0.45, 0.52, 0.03)),
    )
    order = np.argsort(start, kind="stable")
    call_id = cat("C", m.label.replace("-", ""), np.char.zfill(np.arange(1, n + 1).astype(str), 7))
    ids_in_order = np.empty(n, dtype=call_id.dtype)
    ids_in_order[order] = call_id
    df = pl.DataFrame(
        {
            "call_id": ids_in_order,
            "queue": queue,
            "agent_id": with_nulls(pl.Series(agent), abandon),
            "customer_number": number,
            "direction": direction,
            "start_time": as_ts(start),
            "end_time": as_ts(endt),
            "talk_seconds": talk.astype(np.int64),
            "hold_seconds": hold.astype(np.int64),
            "recording_id": with_nulls(pl.Series(np.char.add("REC", ids_in_order)), abandon),
            "hangup_by": hangup,
            "_account": account,
            "_team": team,
            "_answered": ~abandon,
            "_start": start,
            "_end": endt,
            "_link": np.arange(n) < n_link,
        }
    )
    return df


def truncated_month(world: World) -> str:
    """The month whose call-record file arrives cut off in the middle of a row."""
    return world.tl.months[-8].label if len(world.tl.months) >= 8 else world.tl.months[-1].label
