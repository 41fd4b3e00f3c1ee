"""Writes the call-center landing files.

Call records and transcripts are generated here month by month and written straight away, so
only one month of them is ever in memory; on the way, phone and chat tickets learn the call and
conversation they came in by, and rated chats add to the ticket ratings.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .._util import as_ts, codes
from ..world import Note, World
from .calls import CALLS_PER_SCALE, calls_for_month, month_weights, truncated_month
from .tickets import gbk_month
from .transcripts import conversations


def write(world: World, writer) -> None:
    tl = world.tl
    end = f"{world.end_date:%Y%m%d}"
    agents = world.tables["callcenter.agents"]
    writer.write_csv("callcenter.agents", f"callcenter/agents/agents_{end}.csv", agents)
    tickets = world.tables["callcenter.tickets"]
    accounts = world.tables["crm.accounts"]
    contacts = world.tables["crm.contacts"]
    buyer_rows = np.unique(world.tables["crm.orders"]["_account_row"].to_numpy())
    c_ok = (
        np.isin(contacts["_account_row"].to_numpy(), buyer_rows)
        & contacts["mobile"].is_not_null().to_numpy()
    )
    buyers = {
        "phone": contacts["mobile"].to_numpy()[c_ok].astype(str),
        "account": accounts["id"].to_numpy()[contacts["_account_row"].to_numpy()[c_ok]],
    }
    weights = month_weights(world)
    total = world.n(CALLS_PER_SCALE, 200)
    t_month = tickets["created_at"].dt.strftime("%Y-%m").to_numpy().astype(str)
    call_ids = np.full(tickets.height, "", dtype=object)
    conv_ids = np.full(tickets.height, "", dtype=object)
    conv_ratings = []
    rng_r = world.rng("callcenter.conversation_ratings")
    for mi, m in enumerate(tl.months):
        in_month = t_month == m.label
        phone_rows = np.flatnonzero(in_month & (tickets["channel"].to_numpy() == "phone"))
        chat_rows = np.flatnonzero(in_month & tickets["_needs_conv"].to_numpy())
        calls = calls_for_month(
            world, mi, int(round(total * weights[mi])), tickets[phone_rows], buyers
        )
        call_ids[phone_rows] = calls.filter(pl.col("_link"))["call_id"].to_numpy()
        calls = calls.sort("_start")
        trunc = m.label == truncated_month(world)
        writer.write_csv(
            "callcenter.call_records",
            f"callcenter/call_records/cdr_{m.label}.csv",
            calls,
            truncate=trunc,
        )
        msgs, heads = conversations(world, mi, calls, tickets[chat_rows])
        conv_ids[chat_rows] = heads.filter(pl.col("_is_ticket"))["conversation_id"].to_numpy()
        notes = []
        if mi == len(tl.months) - 4 and msgs.height:
            notes = [Note(int(msgs.height // 2), "seq", "bad_rows", "一")]
        msgs = msgs.sort("ts", maintain_order=True)
        writer.write_jsonl(
            "callcenter.transcripts",
            f"callcenter/transcripts/transcripts_{m.label}.jsonl",
            msgs,
            notes,
        )
        # conversations without a ticket are sometimes rated right after the chat
        free = heads.filter(~pl.col("_is_ticket") & (pl.col("channel") != "phone"))
        rate = rng_r.random(free.height) < 0.2
        if rate.any():
            f = free.filter(pl.Series(rate))
            score = np.clip(
                np.round(4.3 - 2.0 * f["_forbidden"].to_numpy() + rng_r.normal(0, 0.8, f.height)),
                1,
                5,
            ).astype(np.int64)
            conv_ratings.append(
                pl.DataFrame(
                    {
                        "ticket_no": pl.Series([None] * f.height, dtype=pl.Utf8),
                        "conversation_id": f["conversation_id"],
                        "score": score,
                        "comment": pl.Series([None] * f.height, dtype=pl.Utf8),
                        "rated_at": as_ts(np.minimum(f["_start"].to_numpy() + 1800, tl.end)),
                    }
                )
            )
    tickets = tickets.with_columns(
        pl.Series("call_id", call_ids.astype(str)).replace("", None),
        pl.Series("conversation_id", conv_ids.astype(str)).replace("", None),
    )
    writer.write_csv_monthly(
        "callcenter.tickets",
        tickets,
        "created_at",
        "callcenter/tickets/tickets_{month}.csv",
        world.notes.get("callcenter.tickets", ()),
        encodings={gbk_month(world): "gbk"},
    )
    writer.write_csv_monthly(
        "callcenter.ticket_events",
        world.tables["callcenter.ticket_events"],
        "event_time",
        "callcenter/ticket_events/ticket_events_{month}.csv",
    )
    writer.write_csv_monthly(
        "callcenter.requirements",
        world.tables["callcenter.requirements"],
        "created_at",
        "callcenter/requirements/requirements_{month}.csv",
    )
    writer.write_csv_monthly(
        "callcenter.ticket_requirement_links",
        world.tables["callcenter.ticket_requirement_links"],
        "linked_at",
        "callcenter/ticket_requirement_links/links_{month}.csv",
    )
    ratings = pl.concat([world.tables["callcenter.ratings"], *conv_ratings]).sort("rated_at")
    ratings = ratings.with_columns(
        pl.Series("rating_id", codes("RT", np.arange(1, ratings.height + 1), 7))
    )
    writer.write_csv_monthly(
        "callcenter.ratings", ratings, "rated_at", "callcenter/ratings/ratings_{month}.csv"
    )
    writer.write_csv_monthly(
        "callcenter.work_orders",
        world.tables["callcenter.work_orders"],
        "created_at",
        "callcenter/work_orders/work_orders_{month}.csv",
    )
