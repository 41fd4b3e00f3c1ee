"""What the company sells: products, price books and their entries, and what a deal buys.

``draw_basket`` and ``book_prices`` serve both opportunities (the deal being quoted) and orders
(repeat orders without an opportunity), so they live with the catalogue they draw from.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .. import vocab
from .._util import DAY, as_date, money, pick
from ..world import World
from .org import admin_id
from .records import last_modified, record_fields

LINES = ("hardware", "software", "service", "material")


def products_and_price_books(world: World) -> None:
    rng = world.rng("crm.catalogue")
    tl = world.tl
    admin = admin_id(world)
    p = vocab.PRODUCTS
    n = len(p)
    ids = world.ids.take(n)
    created = np.full(n, tl.start - 60 * DAY)
    updated = last_modified(rng, created, tl.end, 0.1, 120)
    active = np.array([code not in vocab.DISCONTINUED for code, *_ in p])
    world.tables["crm.products"] = pl.DataFrame(
        {
            **record_fields(ids, "product", np.full(n, admin), created, updated),
            "productCode": [x[0] for x in p],
            "productName": [f"{x[1]} {x[2]}" for x in p],
            "productLine": [x[3] for x in p],
            "unit": [x[4] for x in p],
            "listPrice": money([x[5] for x in p]),
            "isBulk": [x[6] for x in p],
            "isActive": active,
            "_cost_ratio": [x[7] for x in p],
            "_base_name": [x[1] for x in p],
            "_spec": [x[2] for x in p],
        }
    )
    depts = world.tables["crm.departments"]
    regions = depts.filter(
        pl.col("departCode").str.len_chars() == 3, pl.col("departType") == "sales"
    )
    nb = 1 + regions.height
    book_ids = world.ids.take(nb)
    b_created = np.full(nb, tl.start - 45 * DAY)
    world.tables["crm.price_books"] = pl.DataFrame(
        {
            **record_fields(
                book_ids,
                "priceBook",
                np.full(nb, admin),
                b_created,
                last_modified(rng, b_created, tl.end, 0.05, 90),
            ),
            "priceBookName": ["标准价格表", *[f"{r}价格表" for r in regions["_region"].to_list()]],
            "dimDepart": pl.Series([None, *regions["id"].to_list()], dtype=pl.Int64),
            "isStandard": [True] + [False] * regions.height,
            "effectiveFrom": as_date(np.full(nb, tl.start)),
            "effectiveTo": pl.Series([None] * nb, dtype=pl.Date),
            "_region": pl.Series([None, *regions["_region"].to_list()], dtype=pl.Utf8),
        }
    )
    # every book prices every product; regional books a little below list
    book_i = np.repeat(np.arange(nb), n)
    prod_i = np.tile(np.arange(n), nb)
    factor = np.where(book_i == 0, 1.0, np.round(rng.uniform(0.9, 1.0, nb * n), 2))
    list_price = np.array([x[5] for x in p])[prod_i]
    e_ids = world.ids.take(nb * n)
    e_created = np.full(nb * n, tl.start - 45 * DAY)
    world.tables["crm.price_book_entries"] = pl.DataFrame(
        {
            **record_fields(
                e_ids,
                "priceBookEntry",
                np.full(nb * n, admin),
                e_created,
                last_modified(rng, e_created, tl.end, 0.05, 200),
            ),
            "priceBookId": book_ids[book_i],
            "productId": ids[prod_i],
            "unitPrice": money(list_price * factor),
        }
    )


def draw_basket(world: World, rng, pref_line: np.ndarray, created: np.ndarray) -> pl.DataFrame:
    """Products, quantities of the deal each opportunity is about (one row per product line)."""
    products = world.tables["crm.products"]
    p_line = products["productLine"].to_numpy().astype(str)
    p_unit = products["unit"].to_numpy().astype(str)
    p_active = products["isActive"].to_numpy()
    n = len(pref_line)
    k = rng.choice([1, 2, 3, 4], size=n, p=(0.35, 0.3, 0.2, 0.15))
    opp_i = np.repeat(np.arange(n), k)
    m = len(opp_i)
    first = np.r_[True, opp_i[1:] != opp_i[:-1]]
    pref = pref_line[opp_i]
    other = pick(rng, LINES, m, p=(0.3, 0.25, 0.35, 0.1))
    line = np.where(first | (rng.random(m) < 0.45), pref, other)
    # material deals stay material; software deals usually come with implementation
    line = np.where(pref == "material", np.where(rng.random(m) < 0.9, "material", "service"), line)
    prod = np.zeros(m, dtype=np.int64)
    for ln in LINES:
        sel = line == ln
        cand = np.flatnonzero((p_line == ln) & p_active)
        prod[sel] = cand[rng.integers(0, len(cand), sel.sum())]
    unit = p_unit[prod]
    qty = np.select(
        [
            unit == "台",
            unit == "个",
            unit == "套",
            np.isin(unit, ["用户", "用户·年"]),
            unit == "人天",
            unit == "人月",
            np.isin(unit, ["年", "次"]),
            unit == "t",
            unit == "kg",
        ],
        [
            np.ceil(rng.lognormal(1.6, 0.8, m)),
            np.ceil(rng.lognormal(3.5, 0.8, m)),
            np.ones(m),
            np.ceil(rng.lognormal(4.0, 0.7, m)),
            np.ceil(rng.lognormal(3.0, 0.6, m)),
            np.ceil(rng.uniform(2, 12, m)),
            np.ceil(rng.uniform(1, 3, m)),
            np.round(rng.lognormal(4.2, 0.8, m), 0),
            np.round(rng.lognormal(7.5, 0.8, m), -1),
        ],
        default=1.0,
    )
    df = pl.DataFrame({"_opp": opp_i, "_prod": prod, "quantity": np.maximum(qty, 1.0)})
    # dedupe the same product twice in one deal
    return df.unique(["_opp", "_prod"], keep="first", maintain_order=True)


def book_prices(world: World, book_row: np.ndarray, prod: np.ndarray) -> np.ndarray:
    entries = world.tables["crm.price_book_entries"]
    n_prod = world.tables["crm.products"].height
    return entries["unitPrice"].to_numpy()[book_row * n_prod + prod]
