"""Call center and service desk: agents, call records, transcripts, tickets with their events,
requirements, ratings and field work orders.

Service load follows the installed base (tickets only come from customers who bought). The
night team (夜间值班组) is understaffed, so first responses after 18:00 and at weekends are slow
and SLA breaches cluster there; ratings fall as resolution time grows. Call records and
transcripts are generated and written one month at a time to keep memory flat at large scales.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from . import vocab
from ._util import (
    DAY,
    ORPHAN_ID_BASE,
    UTC_OFFSET,
    as_ts,
    cat,
    codes,
    lookup,
    mobiles,
    pick,
    weekday_of,
    with_nulls,
)
from .world import Note, World

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
QUEUE_TEAM = {
    "售前咨询": "一线热线组",
    "售后服务": "一线热线组",
    "技术支持": "二线技术组",
    "投诉建议": "一线热线组",
    "VIP专线": "大客户服务组",
}
NIGHT_TEAM = "夜间值班组"
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
SYMPTOMS = ("一直报错", "用不了了", "数据不对", "连不上网", "速度很慢", "提示授权过期")


def build(world: World) -> None:
    _agents(world)
    _tickets(world)
    _requirements(world)
    _ratings(world)
    _work_orders(world)


# ---------------------------------------------------------------- agents
def _agents(world: World) -> None:
    rng = world.rng("callcenter.agents")
    tl = world.tl
    sizes = {"一线热线组": 8, "二线技术组": 5, "大客户服务组": 4, "夜间值班组": 2, "现场服务组": 6}
    team = np.concatenate([np.full(world.n(k, 1), t) for t, k in sizes.items()])
    n = len(team)
    first = np.r_[True, team[1:] != team[:-1]]
    role = np.where(
        team == "现场服务组",
        np.where(first, "team_lead", "field_engineer"),
        np.where(first, "team_lead", "agent"),
    )
    users = world.tables["crm.users"]
    crm_user = np.zeros(n, dtype=np.int64)
    for pos, sel in (
        ("service_agent", role == "team_lead"),
        ("field_engineer", role == "field_engineer"),
    ):
        ids = users.filter(pl.col("position") == pos)["id"].to_numpy()
        rows = np.flatnonzero(sel)[: len(ids)]
        crm_user[rows] = ids[: len(rows)]
    hired = tl.start - rng.integers(0, 1500, n) * DAY
    hired = np.where(rng.random(n) < 0.25, tl.start + rng.integers(0, 600, n) * DAY, hired)
    world.tables["callcenter.agents"] = pl.DataFrame(
        {
            "agent_id": codes("A", 1001 + np.arange(n), 4),
            "agent_name": _person(rng, n),
            "team": team,
            "role": role,
            "crm_user_id": with_nulls(pl.Series(crm_user), crm_user == 0),
            "hired_on": as_ts(hired).cast(pl.Date),
            "_hired": hired,
        }
    )


def _person(rng, n):
    from ._util import person_names

    return person_names(rng, n)


def _pick_agent(rng, world: World, teams: np.ndarray) -> np.ndarray:
    out = np.empty(len(teams), dtype=object)
    a = world.tables["callcenter.agents"]
    for t in np.unique(teams):
        ids = a.filter(pl.col("team") == t)["agent_id"].to_numpy().astype(str)
        sel = teams == t
        out[sel] = ids[rng.integers(0, len(ids), sel.sum())]
    return out.astype(str)


def _is_evening(secs: np.ndarray) -> np.ndarray:
    hour = (secs % DAY) // 3600
    return (hour >= 18) | (hour < 8) | (weekday_of(secs) >= 5)


# ---------------------------------------------------------------- tickets and their events
def _tickets(world: World) -> None:
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
        pick(rng, SYMPTOMS, n),
        "，希望尽快处理。",
    )
    level = accounts["level"].to_numpy().astype(str)[acc_row]
    evening = _is_evening(created)
    day_team = np.select(
        [np.isin(category, ["故障报修", "功能需求", "安装调试"])], ["二线技术组"], "一线热线组"
    )
    day_team = np.where(level == "A", "大客户服务组", day_team)
    team = np.where(evening & np.isin(channel, ["phone", "chat", "wechat"]), NIGHT_TEAM, day_team)
    agent = _pick_agent(rng, world, team)

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
    ok_rows = np.flatnonzero(months != _gbk_month(world))
    world.note(
        "callcenter.tickets",
        [int(ok_rows[rng.integers(0, len(ok_rows))])],
        "created_at",
        "bad_rows",
        ["2026-02-30 09:15:00"],
    )


def _gbk_month(world: World) -> str:
    return world.tl.months[-10].label if len(world.tl.months) >= 10 else world.tl.months[0].label


def _truncated_month(world: World) -> str:
    return world.tl.months[-8].label if len(world.tl.months) >= 8 else world.tl.months[-1].label


# ---------------------------------------------------------------- requirements and links
def _requirements(world: World) -> None:
    rng = world.rng("callcenter.requirements")
    tl = world.tl
    n = world.n(120, 5)
    created = np.sort(tl.growing_times(rng, n, 0.4))
    line = pick(rng, ("software", "hardware", "service"), n, p=(0.6, 0.3, 0.1))
    title = cat(
        pick(rng, ("MES", "设备管理平台", "数据分析平台", "工业网关", "移动端", "云平台"), n),
        pick(rng, vocab.REQUIREMENT_TITLES, n),
    )
    age = (tl.end - created) / DAY
    u = rng.random(n)
    status = np.where(
        age < 30,
        np.where(u < 0.8, "open", "planned"),
        np.where(
            u < 0.25,
            "open",
            np.where(
                u < 0.45,
                "planned",
                np.where(u < 0.6, "in_development", np.where(u < 0.85, "released", "rejected")),
            ),
        ),
    )
    pm = world.tables["crm.users"].filter(pl.col("position") == "product_manager")["id"].to_numpy()
    req = pl.DataFrame(
        {
            "requirement_id": codes("REQ-", np.arange(1, n + 1), 5),
            "title": title,
            "description": cat("多个客户提出：", title, "。"),
            "product_line": line,
            "status": status,
            "created_at": as_ts(created),
            "product_manager_id": pm[rng.integers(0, len(pm), n)],
            "_created": created,
        }
    )
    world.tables["callcenter.requirements"] = req
    tickets = world.tables["callcenter.tickets"]
    t_created = tickets["_created"].to_numpy()
    cand = np.flatnonzero(
        ((tickets["category"] == "功能需求").to_numpy() & (rng.random(tickets.height) < 0.75))
        | ((tickets["category"] == "投诉").to_numpy() & (rng.random(tickets.height) < 0.05))
    )
    # each ticket names a requirement already known when it arrived; popular ones get many tickets
    k = np.searchsorted(created, t_created[cand], side="right")
    cand, k = cand[k > 0], k[k > 0]
    pop = rng.power(0.4, len(cand))
    r_i = np.minimum((pop * k).astype(int), k - 1)
    linked = t_created[cand] + rng.integers(600, 5 * DAY, len(cand))
    keep = linked <= tl.end
    cand, r_i, linked = cand[keep], r_i[keep], linked[keep]
    agents = tickets["assignee_agent_id"].fill_null("A1001").to_numpy().astype(str)
    world.tables["callcenter.ticket_requirement_links"] = pl.DataFrame(
        {
            "ticket_no": tickets["ticket_no"].to_numpy()[cand],
            "requirement_id": req["requirement_id"].to_numpy()[r_i],
            "linked_at": as_ts(linked),
            "linked_by": agents[cand],
        }
    ).sort("linked_at")


# ---------------------------------------------------------------- ratings
def _ratings(world: World) -> None:
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


# ---------------------------------------------------------------- field work orders
def _work_orders(world: World) -> None:
    rng = world.rng("callcenter.work_orders")
    tl = world.tl
    tickets = world.tables["callcenter.tickets"]
    products = world.tables["crm.products"]
    accounts = world.tables["crm.accounts"]
    line = products["productLine"].to_numpy().astype(str)[tickets["_prod"].to_numpy()]
    cat_ = tickets["category"].to_numpy().astype(str)
    sel = np.flatnonzero(
        np.isin(cat_, ["安装调试", "故障报修"])
        & (line == "hardware")
        & (rng.random(tickets.height) < 0.6)
    )
    n_free = world.n(150, 5)
    free_acc = rng.integers(0, accounts.height, n_free)
    created = np.concatenate(
        [
            tickets["_created"].to_numpy()[sel] + rng.integers(1800, 8 * 3600, len(sel)),
            tl.growing_times(rng, n_free, 0.5, tl.start + 30 * DAY, tl.end),
        ]
    )
    n = len(created)
    service_type = np.concatenate(
        [np.where(cat_[sel] == "安装调试", "安装", "维修"), pick(rng, ("巡检", "培训"), n_free)]
    )
    mode = pick(rng, ("grab", "assign"), n, p=(0.45, 0.55))
    grab = mode == "grab"
    dispatched = created + np.where(
        grab, rng.integers(300, 3600, n), rng.integers(1800, 8 * 3600, n)
    )
    accepted = dispatched + np.where(grab, rng.integers(0, 120, n), rng.integers(600, 4 * 3600, n))
    arrived = accepted + (rng.lognormal(2.0, 0.7, n) * 3600).astype(np.int64)
    completed = arrived + rng.integers(3600, 6 * 3600, n)
    cancelled = rng.random(n) < 0.03
    end = tl.end
    status = np.where(
        cancelled,
        "cancelled",
        np.where(
            completed <= end,
            "completed",
            np.where(
                arrived <= end,
                "on_site",
                np.where(
                    accepted <= end, "accepted", np.where(dispatched <= end, "dispatched", "open")
                ),
            ),
        ),
    )
    engineers = (
        world.tables["callcenter.agents"]
        .filter(pl.col("team") == "现场服务组")["agent_id"]
        .to_numpy()
        .astype(str)
    )
    order = np.argsort(created, kind="stable")
    acc_id = np.concatenate(
        [tickets["account_id"].to_numpy()[sel], accounts["id"].to_numpy()[free_acc]]
    )
    month = as_ts(created).dt.strftime("%Y%m").to_numpy().astype(str)
    df = pl.DataFrame(
        {
            "work_order_no": cat("WO", month, np.char.zfill(np.arange(1, n + 1).astype(str), 6)),
            "ticket_no": pl.Series(
                np.concatenate([tickets["ticket_no"].to_numpy()[sel], np.full(n_free, "")])
            ).replace("", None),
            "account_id": acc_id,
            "service_type": service_type,
            "dispatch_mode": mode,
            "engineer_id": with_nulls(
                pl.Series(engineers[rng.integers(0, len(engineers), n)]), status == "open"
            ),
            "team": np.full(n, "现场服务组"),
            "created_at": as_ts(created),
            "dispatched_at": as_ts(dispatched, (dispatched > end) | cancelled),
            "accepted_at": as_ts(accepted, (accepted > end) | cancelled),
            "arrived_at": as_ts(arrived, (arrived > end) | cancelled),
            "completed_at": as_ts(completed, (completed > end) | cancelled),
            "first_time_fix": with_nulls(
                pl.Series(rng.random(n) < np.where(grab, 0.78, 0.85)), status != "completed"
            ),
            "status": status,
        }
    )
    world.tables["callcenter.work_orders"] = df[order]


# ---------------------------------------------------------------- calls and transcripts, per month
def _month_weights(world: World) -> np.ndarray:
    tl = world.tl
    mid = np.array([(m.start + m.end) / 2 for m in tl.months])
    days = np.array([(m.end - m.start) / DAY for m in tl.months])
    days[-1] = (tl.end + 1 - tl.months[-1].start) / DAY
    w = days * (1 + 0.8 * (mid - tl.start) / tl.span)
    return w / w.sum()


def _calls_for_month(
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
    evening = _is_evening(start)
    team = np.where(evening, NIGHT_TEAM, lookup(queue, QUEUE_TEAM))
    team[:n_link] = linked["team"].to_numpy().astype(str)
    closed = ((start % DAY) // 3600 >= 22) | ((start % DAY) // 3600 < 8)
    abandon = (rng.random(n) < np.where(team == NIGHT_TEAM, 0.22, 0.04)) | closed
    abandon[:n_link] = False
    agent = _pick_agent(rng, world, team)
    agent[:n_link] = linked["assignee_agent_id"].fill_null("").to_numpy().astype(str)
    agent = np.where(agent == "", _pick_agent(rng, world, team), agent)
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


def _conversations(
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
    extra_team = np.where(_is_evening(extra_start), NIGHT_TEAM, "一线热线组")
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
            _pick_agent(rng, world, extra_team),
        ]
    )
    agent = np.where(agent == "", _pick_agent(rng, world, team), agent)
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
                "s": pick(rng, SYMPTOMS, nm),
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
    weights = _month_weights(world)
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
        calls = _calls_for_month(
            world, mi, int(round(total * weights[mi])), tickets[phone_rows], buyers
        )
        call_ids[phone_rows] = calls.filter(pl.col("_link"))["call_id"].to_numpy()
        calls = calls.sort("_start")
        trunc = m.label == _truncated_month(world)
        writer.write_csv(
            "callcenter.call_records",
            f"callcenter/call_records/cdr_{m.label}.csv",
            calls,
            truncate=trunc,
        )
        msgs, heads = _conversations(world, mi, calls, tickets[chat_rows])
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
        encodings={_gbk_month(world): "gbk"},
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
