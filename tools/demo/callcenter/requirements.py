"""Product requirements collected through the service desk, and the tickets linked to them.

Feature-request tickets (and a few complaints) ask, in the customer's words, for a requirement
already known when they arrived; popular requirements collect many tickets, which is what
product managers rank by. Agents link about three in four; the rest are for the matching model.
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
    product = pick(rng, ("MES", "设备管理平台", "数据分析平台", "工业网关", "移动端", "云平台"), n)
    feature = pick(rng, vocab.REQUIREMENT_TITLES, n)
    title = cat(product, feature)
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
            "_product": product,
            "_feature": feature,
        }
    )
    world.tables["callcenter.requirements"] = req
    tickets = world.tables["callcenter.tickets"]
    t_created = tickets["_created"].to_numpy()
    asks = np.flatnonzero(
        (tickets["category"] == "功能需求").to_numpy()
        | ((tickets["category"] == "投诉").to_numpy() & (rng.random(tickets.height) < 0.05))
    )
    # each ticket asks for a requirement already known when it arrived; popular ones get many
    k = np.searchsorted(created, t_created[asks], side="right")
    asks, k = asks[k > 0], k[k > 0]
    pop = rng.power(0.4, len(asks))
    r_i = np.minimum((pop * k).astype(int), k - 1)
    _describe_requested_features(world, rng, asks, req, r_i)
    # agents link about three in four of them; the rest wait for the matching model's suggestion
    linked = t_created[asks] + rng.integers(600, 5 * DAY, len(asks))
    keep = (linked <= tl.end) & (rng.random(len(asks)) < 0.75)
    cand, r_i, linked = asks[keep], r_i[keep], linked[keep]
    agents = tickets["assignee_agent_id"].fill_null("A1001").to_numpy().astype(str)
    world.tables["callcenter.ticket_requirement_links"] = pl.DataFrame(
        {
            "ticket_no": tickets["ticket_no"].to_numpy()[cand],
            "requirement_id": req["requirement_id"].to_numpy()[r_i],
            "linked_at": as_ts(linked),
            "linked_by": agents[cand],
        }
    ).sort("linked_at")


# How customers phrase a feature request: the requirement in their own words, sometimes without
# the product name, so text matching has real (but imperfect) signal to find.
_ASK_TEMPLATES = (
    "希望{t}",
    "能否支持{f}？",
    "建议{p}增加{f}功能",
    "客户反馈：{t}",
    "{p}什么时候能{f}",
    "需求：{f}",
)


def _describe_requested_features(
    world: World, rng: np.random.Generator, rows: np.ndarray, req: pl.DataFrame, r_i: np.ndarray
) -> None:
    """Rewrite the subject and description of feature-request tickets to name what they ask."""
    tickets = world.tables["callcenter.tickets"]
    title = req["title"].to_numpy().astype(str)[r_i]
    product = req["_product"].to_numpy().astype(str)[r_i]
    feature = req["_feature"].to_numpy().astype(str)[r_i]
    tmpl = pick(rng, _ASK_TEMPLATES, len(rows))
    subject = (
        pl.DataFrame({"t": tmpl, "title": title, "p": product, "f": feature})
        .select(
            pl.col("t")
            .str.replace("{t}", pl.col("title"), literal=True)
            .str.replace("{p}", pl.col("p"), literal=True)
            .str.replace("{f}", pl.col("f"), literal=True)
        )
        .to_series()
        .to_numpy()
        .astype(str)
    )
    description = cat(
        subject,
        "。",
        pick(rng, ("客户来电提出", "客户在微信留言", "客户邮件反馈", "客户在官网提交"), len(rows)),
        "，",
        pick(rng, ("目前只能手工处理", "影响日常使用效率", "其他厂商已经支持", "领导要求下季度上线"), len(rows)),
        "。",
    )
    new_subject = tickets["subject"].to_numpy().astype(object)
    new_description = tickets["description"].to_numpy().astype(object)
    new_subject[rows] = subject
    new_description[rows] = description
    world.tables["callcenter.tickets"] = tickets.with_columns(
        pl.Series("subject", new_subject, dtype=pl.Utf8),
        pl.Series("description", new_description, dtype=pl.Utf8),
    )
