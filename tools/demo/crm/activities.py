"""Rep effort around the funnel: expense claims and activity records (visits, calls, chats).

Both fall within the lifetime of the opportunity, lead or account they are about, so the
activity history of a deal ends when the deal closes.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .. import vocab
from .._util import DAY, as_date, as_epoch_ms, codes, lookup, money, office_time, pick, with_nulls
from ..world import World
from .records import nullable_int, record_fields

EXPENSE_MEAN = {"差旅": 2200, "招待": 1500, "交通": 300, "市场活动": 6000, "礼品": 800, "其他": 400}


def expenses(world: World) -> None:
    rng = world.rng("crm.expenses")
    tl = world.tl
    opps = world.tables["crm.opportunities"]
    n = world.n(3000, 20)
    o = rng.integers(0, opps.height, n)
    created_o = opps["createdAt"].to_numpy()[o] // 1000 + 8 * 3600
    close_o = np.minimum(opps["_close_t"].to_numpy()[o], tl.end)
    t = created_o + (rng.random(n) * np.maximum(close_o - created_o, DAY)).astype(np.int64)
    t = np.minimum(office_time(rng, t), tl.end - 3600)
    etype = pick(rng, tuple(EXPENSE_MEAN), n, p=(0.35, 0.25, 0.2, 0.05, 0.05, 0.1))
    amount = money(lookup(etype, EXPENSE_MEAN) * rng.lognormal(0, 0.5, n))
    age = (tl.end - t) / DAY
    u = rng.random(n)
    status = np.where(
        age < 7, "submitted", np.where(u < 0.05, "rejected", np.where(age < 30, "approved", "paid"))
    )
    with_opp = rng.random(n) < 0.7
    world.tables["crm.expenses"] = pl.DataFrame(
        {
            **record_fields(
                world.ids.take(n),
                "expense",
                opps["ownerId"].to_numpy()[o],
                t,
                np.minimum(t + (age.clip(0, 40) * DAY * 0.8).astype(np.int64), tl.end),
            ),
            "expenseNo": codes("FY", np.arange(1, n + 1), 7),
            "expenseType": etype,
            "amount": amount,
            "expenseDate": as_date(t),
            "accountId": with_nulls(
                world.tables["crm.accounts"]["id"].to_numpy()[opps["_account_row"].to_numpy()[o]],
                rng.random(n) < 0.1,
            ),
            "opportunityId": nullable_int(opps["id"].to_numpy()[o], with_opp),
            "status": status,
        }
    )


def activity_records(world: World) -> None:
    rng = world.rng("crm.activities")
    tl = world.tl
    opps = world.tables["crm.opportunities"]
    leads = world.tables["crm.leads"]
    accounts = world.tables["crm.accounts"]
    contacts = world.tables["crm.contacts"]
    # per opportunity (lifecycle), per open lead (calls), per customer (after-sales visits)
    k_opp = rng.poisson(2.0 + 1.2 * opps["_reach"].to_numpy())
    k_lead = rng.poisson(1.3, leads.height)
    k_acc = rng.poisson(1.8, accounts.height)
    src = np.concatenate(
        [np.zeros(k_opp.sum(), int), np.ones(k_lead.sum(), int), np.full(k_acc.sum(), 2)]
    )
    row = np.concatenate(
        [
            np.repeat(np.arange(opps.height), k_opp),
            np.repeat(np.arange(leads.height), k_lead),
            np.repeat(np.arange(accounts.height), k_acc),
        ]
    )
    n = len(row)
    o_start = opps["createdAt"].to_numpy() // 1000 + 8 * 3600
    o_end = np.minimum(opps["_close_t"].to_numpy(), tl.end)
    # some open deals go quiet: their follow-ups stop part-way through their life so far, so the
    # activities page has stalled deals (no stage change or activity for N days) to show; a stream
    # of its own leaves every other draw of the demo unchanged
    quiet_rng = world.rng("crm.activities.quiet")
    quiet = (opps["status"].to_numpy().astype(str) == "open") & (quiet_rng.random(opps.height) < 0.4)
    share = quiet_rng.uniform(0.2, 0.6, opps.height)
    o_end = np.where(quiet, o_start + ((o_end - o_start) * share).astype(np.int64), o_end)
    l_start = leads["createdAt"].to_numpy() // 1000 + 8 * 3600
    l_end = np.minimum(leads["updatedAt"].to_numpy() // 1000 + 8 * 3600 + 10 * DAY, tl.end)
    a_start = accounts["_created"].to_numpy()
    lo = np.select(
        [src == 0, src == 1],
        [o_start[np.minimum(row, opps.height - 1)], l_start[np.minimum(row, leads.height - 1)]],
        a_start[np.minimum(row, accounts.height - 1)],
    )
    hi = np.select(
        [src == 0, src == 1],
        [o_end[np.minimum(row, opps.height - 1)], l_end[np.minimum(row, leads.height - 1)]],
        np.full(n, tl.end),
    )
    t = lo + (rng.random(n) * np.maximum(hi - lo, 3600)).astype(np.int64)
    t = np.minimum(office_time(rng, t), tl.end - 60)
    acc_ids = accounts["id"].to_numpy()
    acc_row = np.select(
        [src == 0, src == 2],
        [opps["_account_row"].to_numpy()[np.minimum(row, opps.height - 1)], row],
        -1,
    )
    account_id = np.where(acc_row >= 0, acc_ids[np.maximum(acc_row, 0)], 0)
    # first contact of the account
    c_acc = contacts["_account_row"].to_numpy()
    first_c = np.searchsorted(c_acc, np.maximum(acc_row, 0))
    n_c = np.bincount(c_acc, minlength=accounts.height)
    c_pick = first_c + (rng.random(n) * n_c[np.maximum(acc_row, 0)]).astype(np.int64)
    contact_id = contacts["id"].to_numpy()[np.minimum(c_pick, contacts.height - 1)]
    c_name = contacts["contactName"].to_numpy().astype(str)[np.minimum(c_pick, contacts.height - 1)]
    lead_name = leads["name"].to_numpy().astype(str)[np.minimum(row, leads.height - 1)]
    who = np.where(src == 1, lead_name, c_name)
    atype = np.where(
        src == 1,
        pick(rng, ("call", "wechat", "email"), n, p=(0.6, 0.3, 0.1)),
        pick(
            rng, ("visit", "call", "wechat", "email", "meeting"), n, p=(0.3, 0.3, 0.2, 0.08, 0.12)
        ),
    )
    tmpl_i = np.select(
        [atype == "visit", atype == "call", atype == "wechat", atype == "meeting"], [0, 1, 2, 3], 4
    )
    tmpl = np.array(vocab.ACTIVITY_TEMPLATES)[tmpl_i]
    topic = pick(rng, vocab.ACTIVITY_TOPICS, n)
    concern = pick(rng, vocab.ACTIVITY_CONCERNS, n)
    nxt = pick(rng, vocab.ACTIVITY_NEXT, n)
    content = (
        pl.DataFrame({"t": tmpl, "c": who, "p": topic, "k": concern, "x": nxt})
        .select(
            pl.col("t")
            .str.replace("{c}", pl.col("c"), literal=True)
            .str.replace("{t}", pl.col("p"), literal=True)
            .str.replace("{k}", pl.col("k"), literal=True)
            .str.replace("{n}", pl.col("x"), literal=True)
        )
        .to_series()
    )
    duration = np.select(
        [atype == "visit", atype == "meeting", atype == "call"],
        [rng.integers(30, 180, n), rng.integers(30, 120, n), rng.integers(2, 40, n)],
        rng.integers(1, 15, n),
    )
    owner = np.select(
        [src == 0, src == 1],
        [
            opps["ownerId"].to_numpy()[np.minimum(row, opps.height - 1)],
            leads["ownerId"].fill_null(0).to_numpy()[np.minimum(row, leads.height - 1)],
        ],
        accounts["ownerId"].fill_null(0).to_numpy()[np.minimum(row, accounts.height - 1)],
    )
    order = np.argsort(t, kind="stable")
    cols = {
        **record_fields(
            world.ids.take(n),
            "activityrecord",
            np.where(owner > 0, owner, np.nan)[order],
            t[order],
            np.minimum(t[order] + (rng.exponential(1, n) * DAY).astype(np.int64), tl.end),
        ),
        "activityType": atype[order],
        "accountId": nullable_int(account_id[order], (acc_row >= 0)[order]),
        "contactId": nullable_int(
            contact_id[order], ((acc_row >= 0) & (rng.random(n) < 0.8))[order]
        ),
        "leadId": nullable_int(
            leads["id"].to_numpy()[np.minimum(row, leads.height - 1)][order], (src == 1)[order]
        ),
        "opportunityId": nullable_int(
            opps["id"].to_numpy()[np.minimum(row, opps.height - 1)][order], (src == 0)[order]
        ),
        "activityTime": as_epoch_ms(t[order]),
        "durationMinutes": duration[order].astype(np.int64),
        "content": content.gather(order),
    }
    world.tables["crm.activities"] = pl.DataFrame(cols)
