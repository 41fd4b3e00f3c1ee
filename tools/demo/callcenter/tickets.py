"""Tickets with their event log, and the ratings customers give resolved tickets.

Each ticket is about one order line of a customer who bought. Its events are the SLA clocks
(assignment, first response, waiting on the customer, resolution, closing); how fast they run
depends on the priority, the category and the team, and the night team is slow. Ratings fall as
resolution and first-response times grow. Also which month's tickets file arrives in GBK
(``gbk_month``), since the deliberate bad row must land in another month.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .. import vocab
from .._util import (
    DAY,
    ORPHAN_ID_BASE,
    as_ts,
    cat,
    codes,
    lookup,
    pick,
    weekday_of,
    with_nulls,
)
from ..world import World
from .calls import CALL_HOURS
from .teams import NIGHT_TEAM, is_evening, pick_agent

CATEGORY_WEIGHTS = (0.3, 0.25, 0.1, 0.08, 0.07, 0.1, 0.1)
RESOLVE_HOURS = {
    "故障报修": 30,
    "使用咨询": 6,
    "安装调试": 72,
    "功能需求": 120,
    "投诉": 48,
    "发票问题": 24,
    "物流查询": 12,
}
FIRST_RESPONSE_MIN = {"P1": 15, "P2": 30, "P3": 120, "P4": 240}
PRIORITY_SPEED = {"P1": 0.3, "P2": 0.6, "P3": 1.0, "P4": 1.5}
TEAM_SLOWNESS = {
    "一线热线组": 1.0,
    "二线技术组": 1.4,
    "大客户服务组": 0.6,
    "夜间值班组": 4.0,
    "现场服务组": 1.2,
}


def tickets_and_events(world: World) -> None:
    rng = world.rng("callcenter.tickets")
    tl = world.tl
    orders = world.tables["crm.orders"]
    lines = world.tables["crm.order_lines"]
    accounts = world.tables["crm.accounts"]
    contacts = world.tables["crm.contacts"]
    products = world.tables["crm.products"]
    n = world.n(4000, 40)
    live = (orders["status"] != "cancelled").to_numpy()[lines["_order"].to_numpy()]
    cand = np.flatnonzero(live)
    li = cand[rng.integers(0, len(cand), n)]
    o = lines["_order"].to_numpy()[li]
    prod = lines["_prod"].to_numpy()[li]
    o_t = orders["_t"].to_numpy()[o]
    u = rng.random(n) ** 0.8
    created = o_t + 3 * DAY + (u * np.maximum(tl.end - o_t - 3 * DAY, DAY)).astype(np.int64)
    hour = rng.choice(24, size=n, p=CALL_HOURS / CALL_HOURS.sum())
    created = (created // DAY) * DAY + hour * 3600 + rng.integers(0, 3600, n)
    wd = weekday_of(created)
    created = np.where((wd >= 5) & (rng.random(n) < 0.7), created - (wd - 4) * DAY, created)
    created = np.minimum(created, tl.end - 600)
    order = np.argsort(created, kind="stable")
    created, o, prod = created[order], o[order], prod[order]
    acc_row = orders["_account_row"].to_numpy()[o]
    account_id = accounts["id"].to_numpy()[acc_row]
    c_acc = contacts["_account_row"].to_numpy()
    first_c = np.searchsorted(c_acc, acc_row)
    contact_phone = contacts["mobile"].fill_null("").to_numpy().astype(str)[first_c]
    channel = pick(
        rng, ("phone", "chat", "wechat", "web", "email"), n, p=(0.45, 0.15, 0.2, 0.12, 0.08)
    )
    cat_i = rng.choice(len(vocab.TICKET_CATEGORIES), size=n, p=CATEGORY_WEIGHTS)
    category = np.array([c[0] for c in vocab.TICKET_CATEGORIES])[cat_i]
    priority = np.where(
        category == "投诉",
        pick(rng, ("P1", "P2"), n, p=(0.3, 0.7)),
        pick(rng, ("P1", "P2", "P3", "P4"), n, p=(0.05, 0.2, 0.5, 0.25)),
    )
    # subject: a template of the category with the product's name
    tmpl = np.array(["|".join(c[2]) for c in vocab.TICKET_CATEGORIES])[cat_i]
    n_t = np.array([len(c[2]) for c in vocab.TICKET_CATEGORIES])[cat_i]
    t_pick = (rng.random(n) * n_t).astype(int)
    subject_tmpl = pl.Series(tmpl).str.split("|").list.get(pl.Series(t_pick), null_on_oob=True)
    p_name = products["_base_name"].to_numpy().astype(str)[prod]
    subject = (
        pl.DataFrame({"t": subject_tmpl, "p": p_name})
        .select(pl.col("t").str.replace("{p}", pl.col("p"), literal=True))
        .to_series()
    )
    description = cat(
        subject.to_numpy().astype(str),
        "。",
        pick(rng, ("客户来电反映", "客户在微信留言", "客户邮件反馈", "客户在官网提交"), n),
        "，",
        pick(rng, vocab.SYMPTOMS, n),
        "，希望尽快处理。",
    )
    level = accounts["level"].to_numpy().astype(str)[acc_row]
    evening = is_evening(created)
    day_team = np.select(
        [np.isin(category, ["故障报修", "功能需求", "安装调试"])], ["二线技术组"], "一线热线组"
    )
    day_team = np.where(level == "A", "大客户服务组", day_team)
    team = np.where(evening & np.isin(channel, ["phone", "chat", "wechat"]), NIGHT_TEAM, day_team)
    agent = pick_agent(rng, world, team)

    # SLA clocks: the first response and the resolution, plus waiting-on-customer pauses
    slowness = lookup(team, TEAM_SLOWNESS) * np.where(evening, 1.8, 1.0)
    first_resp = (
        lookup(priority, FIRST_RESPONSE_MIN) * slowness * rng.lognormal(-0.2, 0.7, n) * 60
    ).astype(np.int64)
    assign_delay = (first_resp * rng.uniform(0.1, 0.5, n)).astype(np.int64)
    work = (
        lookup(category, RESOLVE_HOURS)
        * lookup(priority, PRIORITY_SPEED)
        * np.sqrt(slowness)
        * rng.lognormal(0, 0.6, n)
        * 3600
    ).astype(np.int64)
    n_pause = rng.choice([0, 1, 2], size=n, p=(0.65, 0.25, 0.1))
    pause_len = (rng.lognormal(2.5, 1.0, (n, 2)) * 3600).astype(np.int64)
    t_assigned = created + assign_delay
    t_reply = created + first_resp
    # slots: 0 new, 1 assigned, 2 agent reply, 3 in_progress, 4-6 pause 1, 7-9 pause 2, 10 reply, 11 resolved, 12 closed
    S = 13
    ev_time = np.zeros((n, S), dtype=np.int64)
    ev_ok = np.zeros((n, S), dtype=bool)
    # per slot: event type, from and to status (constant per slot) and actor ("" = the agent)
    slot_type, slot_from, slot_to, slot_actor = [""] * S, [""] * S, [""] * S, [""] * S

    def put(slot, t, ok, etype, frm, to, actor):
        ev_time[:, slot], ev_ok[:, slot] = t, ok
        slot_type[slot], slot_from[slot], slot_to[slot] = etype, frm or "", to or ""
        slot_actor[slot] = "" if actor is agent else actor

    allok = np.ones(n, dtype=bool)
    put(0, created, allok, "status_change", None, "new", "system")
    put(1, t_assigned, allok, "status_change", "new", "assigned", "system")
    put(2, t_reply, allok, "agent_reply", None, None, agent)
    put(3, t_reply + 60, allok, "status_change", "assigned", "in_progress", agent)
    t = t_reply + 60 + (work * rng.uniform(0.2, 0.5, n)).astype(np.int64)
    for k in range(2):
        ok = n_pause > k
        base = 4 + 3 * k
        put(base, t, ok, "status_change", "in_progress", "waiting_on_customer", agent)
        put(base + 1, t + pause_len[:, k] - 300, ok, "customer_reply", None, None, "customer")
        put(
            base + 2,
            t + pause_len[:, k],
            ok,
            "status_change",
            "waiting_on_customer",
            "in_progress",
            "system",
        )
        t = t + np.where(ok, pause_len[:, k] + (work * 0.2).astype(np.int64), 0)
    resolved_t = np.maximum(t, t_reply + 60 + work)
    put(10, resolved_t - 120, allok, "agent_reply", None, None, agent)
    put(11, resolved_t, allok, "status_change", "in_progress", "resolved", agent)
    put(12, resolved_t + 3 * DAY, allok, "status_change", "resolved", "closed", "system")
    ev_ok &= ev_time <= tl.end
    ticket_no = cat(
        "TK",
        as_ts(created).dt.strftime("%Y%m%d").to_numpy().astype(str),
        np.char.zfill(np.arange(1, n + 1).astype(str), 6),
    )
    flat_ok = ev_ok.ravel()
    tick = np.repeat(np.arange(n), S)[flat_ok]
    slot = np.tile(np.arange(S), n)[flat_ok]
    events = pl.DataFrame(
        {
            "_tick": tick,
            "_slot": slot,
            "ticket_no": ticket_no[tick],
            "event_type": np.array(slot_type)[slot],
            "from_status": pl.Series(np.array(slot_from)[slot]).replace("", None),
            "to_status": pl.Series(np.array(slot_to)[slot]).replace("", None),
            "actor": np.where(
                np.array(slot_actor)[slot] == "", agent[tick], np.array(slot_actor)[slot]
            ),
            "_t": ev_time.ravel()[flat_ok],
        }
    ).sort(["_t", "_tick", "_slot"])
    events = events.with_columns(
        pl.Series("event_id", codes("EV", np.arange(1, events.height + 1), 8)),
        pl.from_epoch(pl.col("_t"), time_unit="s").alias("event_time"),
    )
    last = (
        events.filter(pl.col("event_type") == "status_change")
        .group_by("_tick")
        .agg(
            pl.col("to_status").sort_by("_t").last().alias("status"),
            pl.col("_t").max().alias("_st"),
        )
    )
    upd = events.group_by("_tick").agg(pl.col("_t").max().alias("_upd"))
    state = (
        pl.DataFrame({"_tick": np.arange(n)})
        .join(last, on="_tick", how="left")
        .join(upd, on="_tick", how="left")
        .sort("_tick")
    )
    status = state["status"].to_numpy().astype(str)
    # orphans: tickets of customers the CRM does not know (deleted or never synced)
    orphan = rng.choice(n, size=3, replace=False)
    account_id = account_id.copy()
    account_id[orphan] = ORPHAN_ID_BASE + 300 + np.arange(3) * 7
    conv_needed = np.isin(channel, ["chat", "wechat", "web"])
    tickets = pl.DataFrame(
        {
            "ticket_no": ticket_no,
            "account_id": account_id,
            "contact_phone": with_nulls(
                pl.Series(contact_phone), (contact_phone == "") | (rng.random(n) < 0.05)
            ),
            "channel": channel,
            "priority": priority,
            "category": category,
            "product_code": products["productCode"].to_numpy()[prod],
            "subject": subject,
            "description": description,
            "status": status,
            "team": team,
            "assignee_agent_id": with_nulls(pl.Series(agent), status == "new"),
            "call_id": pl.Series([None] * n, dtype=pl.Utf8),
            "conversation_id": pl.Series([None] * n, dtype=pl.Utf8),
            "created_at": as_ts(created),
            "updated_at": as_ts(state["_upd"].to_numpy()),
            "_created": created,
            "_account_row": acc_row,
            "_prod": prod,
            "_resolved": np.where(np.isin(status, ["resolved", "closed"]), resolved_t, 0),
            "_resolution_h": (resolved_t - created) / 3600,
            "_first_resp_min": first_resp / 60,
            "_needs_conv": conv_needed,
        }
    )
    world.tables["callcenter.tickets"] = tickets
    world.tables["callcenter.ticket_events"] = events
    world.note("callcenter.tickets", orphan, "account_id", "orphan_references")
    # a bad timestamp typed into one ticket (not in the month that arrives in the wrong encoding)
    months = tickets["created_at"].dt.strftime("%Y-%m").to_numpy().astype(str)
    ok_rows = np.flatnonzero(months != gbk_month(world))
    world.note(
        "callcenter.tickets",
        [int(ok_rows[rng.integers(0, len(ok_rows))])],
        "created_at",
        "bad_rows",
        ["2026-02-30 09:15:00"],
    )


def gbk_month(world: World) -> str:
    """The month whose tickets file arrives GBK-encoded instead of UTF-8."""
    return world.tl.months[-10].label if len(world.tl.months) >= 10 else world.tl.months[0].label


def ticket_ratings(world: World) -> None:
    rng = world.rng("callcenter.ratings")
    tl = world.tl
    tickets = world.tables["callcenter.tickets"]
    resolved = tickets["_resolved"].to_numpy()
    sel = np.flatnonzero((resolved > 0) & (rng.random(tickets.height) < 0.45))
    rated = resolved[sel] + rng.integers(300, 2 * DAY, len(sel))
    keep = rated <= tl.end
    sel, rated = sel[keep], rated[keep]
    res_h = tickets["_resolution_h"].to_numpy()[sel]
    fr = tickets["_first_resp_min"].to_numpy()[sel]
    latent = (
        4.7
        - 0.45 * np.log2(np.maximum(res_h, 0.5) / 6)
        - 0.2 * np.log2(np.maximum(fr, 1) / 30)
        + rng.normal(0, 0.6, len(sel))
    )
    score = np.clip(np.round(latent), 1, 5).astype(np.int64)
    n = len(sel)
    comment = np.empty(n, dtype=object)
    for s in range(1, 6):
        m = score == s
        comment[m] = np.array(vocab.RATING_COMMENTS[s])[rng.integers(0, 3, m.sum())]
    world.tables["callcenter.ratings"] = pl.DataFrame(
        {
            "ticket_no": tickets["ticket_no"].to_numpy()[sel],
            "conversation_id": pl.Series([None] * n, dtype=pl.Utf8),
            "score": score,
            "comment": with_nulls(pl.Series(comment.astype(str)), rng.random(n) < 0.5),
            "rated_at": as_ts(rated),
        }
    )
