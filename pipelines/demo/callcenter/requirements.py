"""Product requirements collected through the service desk, and the tickets linked to them.

Feature-request tickets (and a few complaints) name a requirement already known when they
arrived; popular requirements collect many tickets, which is what product managers rank by.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .. import vocab
from .._util import DAY, as_ts, cat, codes, pick
from ..world import World


def requirements_and_links(world: World) -> None:
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
