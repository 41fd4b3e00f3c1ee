"""Field work orders: installation and repair visits behind hardware tickets, plus inspections
and trainings booked without a ticket, dispatched by grab or by assignment.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .._util import DAY, as_ts, cat, pick, with_nulls
from ..world import World


def work_orders(world: World) -> None:
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
