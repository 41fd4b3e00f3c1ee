"""The service teams: agents, when the night team is on, and which agent takes a contact.

Tickets, calls and transcripts all route evening and weekend contacts to the understaffed night
team (夜间值班组) and pick an agent of the team a contact was routed to, so those rules live here
with the agents.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .._util import DAY, as_ts, codes, person_names, weekday_of, with_nulls
from ..world import World

NIGHT_TEAM = "夜间值班组"


def agents(world: World) -> None:
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
            "agent_name": person_names(rng, n),
            "team": team,
            "role": role,
            "crm_user_id": with_nulls(pl.Series(crm_user), crm_user == 0),
            "hired_on": as_ts(hired).cast(pl.Date),
            "_hired": hired,
        }
    )


def pick_agent(rng, world: World, teams: np.ndarray) -> np.ndarray:
    """A random agent of each contact's team."""
    out = np.empty(len(teams), dtype=object)
    a = world.tables["callcenter.agents"]
    for t in np.unique(teams):
        ids = a.filter(pl.col("team") == t)["agent_id"].to_numpy().astype(str)
        sel = teams == t
        out[sel] = ids[rng.integers(0, len(ids), sel.sum())]
    return out.astype(str)


def is_evening(secs: np.ndarray) -> np.ndarray:
    """Outside 08:00-18:00 or at the weekend: when contacts go to the night team."""
    hour = (secs % DAY) // 3600
    return (hour >= 18) | (hour < 8) | (weekday_of(secs) >= 5)
