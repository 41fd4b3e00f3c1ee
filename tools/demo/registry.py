"""The demo's local business registry (工商登记 extract) for company-name resolution.

Lists the legal name, unified social credit code, city and short names of most demo companies,
but deliberately not all of them: a real registry extract is never complete, and names.md needs
typed names whose company the registry does not know (those resolve by fuzzy matching or go to
review).
"""

from __future__ import annotations

import polars as pl

from .world import World

ENTITY = "partners.business_registry"
COVERAGE = 0.85  # share of companies the extract lists


def build(world: World) -> None:
    rng = world.rng("partners.business_registry")
    companies = world.tables["_companies"]
    listed = rng.random(companies.height) < COVERAGE
    world.tables[ENTITY] = (
        companies.filter(pl.Series(listed))
        .select(
            pl.col("uscc").alias("unified_social_credit_code"),
            "legal_name",
            "province",
            "city",
            # the short names people type: 字号 + first two characters of the trade, 字号 + trade
            pl.concat_str(
                [
                    pl.col("zihao") + pl.col("word").str.slice(0, 2),
                    pl.col("zihao") + pl.col("word"),
                ],
                separator=";",
            ).alias("short_names"),
        )
        .unique("unified_social_credit_code", keep="first", maintain_order=True)
    )


def write(world: World, writer) -> None:
    writer.write_csv(
        ENTITY,
        f"partners/business_registry/business_registry_{world.end_date:%Y%m%d}.csv",
        world.tables[ENTITY],
    )
