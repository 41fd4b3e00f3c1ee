"""Business-registry lookups (工商登记) for company-name resolution.

``BusinessRegistry`` is the interface: given normalized typed names, return candidate registered
companies. ``LocalRegistry`` serves the extract that ships with the demo (staging table
``stg_partners__business_registry``) set-based with polars; ``HttpRegistry`` is a client for an
online registry service (one GET per name: ``{base_url}/search?q=<name>`` returning
``{"results": [{"unified_social_credit_code", "legal_name", "city", "match"}]}``); it is
exercised only against a local test double, never against the internet, in this project.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import polars as pl

from kernel.company_names.normalize import normalize, strip_city, suffix_core

CANDIDATE_SCHEMA = {
    "normalized_name": pl.String,
    "unified_social_credit_code": pl.String,
    "legal_name": pl.String,
    "registry_city": pl.String,
    "match": pl.String,  # legal_name | suffix_variant | no_city | keyword | contains
}


@runtime_checkable
class BusinessRegistry(Protocol):
    """Anything that can suggest registered companies for normalized company names."""

    def candidates(self, normalized_names: Sequence[str]) -> pl.DataFrame:
        """One row per (name, candidate) with the columns of ``CANDIDATE_SCHEMA``."""
        ...

    def entries(self) -> pl.DataFrame:
        """Registered companies known up front (may be empty for an online service)."""
        ...


class LocalRegistry:
    """The registry extract as a table: unified_social_credit_code, legal_name, city, short_names."""

    def __init__(self, table: pl.DataFrame) -> None:
        missing = {"unified_social_credit_code", "legal_name"} - set(table.columns)
        if missing:
            raise ValueError(f"registry table lacks column(s) {sorted(missing)}")
        for col in ("city", "short_names"):
            if col not in table.columns:
                table = table.with_columns(pl.lit(None, pl.String).alias(col))
        self._table = (
            table.select("unified_social_credit_code", "legal_name", "city", "short_names")
            .filter(pl.col("legal_name").is_not_null())
            # in code order, not the order the table arrived in: the fuzzy match keeps the first
            # of equally good registered names, and Spark hands the extract over in another
            # order than DuckDB (3 suggestions differed at S=1)
            .sort("unified_social_credit_code", "legal_name")
            .with_columns(
                pl.col("legal_name").map_elements(normalize, return_dtype=pl.String).alias("_norm")
            )
            .with_columns(
                pl.col("_norm").map_elements(suffix_core, return_dtype=pl.String).alias("_core"),
                pl.col("_norm").map_elements(strip_city, return_dtype=pl.String).alias("_nocity"),
            )
        )

    def entries(self) -> pl.DataFrame:
        return self._table.select(
            "unified_social_credit_code", "legal_name", pl.col("city").alias("registry_city"), "_norm"
        )

    def candidates(self, normalized_names: Sequence[str]) -> pl.DataFrame:
        names = pl.DataFrame({"normalized_name": list(dict.fromkeys(normalized_names))}, schema={"normalized_name": pl.String})
        names = names.with_columns(
            pl.col("normalized_name").map_elements(suffix_core, return_dtype=pl.String).alias("_core"),
            pl.col("normalized_name").map_elements(strip_city, return_dtype=pl.String).alias("_nocity"),
        )
        reg = self._table
        keywords = (
            reg.select(
                "unified_social_credit_code",
                "legal_name",
                "city",
                pl.col("short_names").str.split(";").alias("kw"),
            )
            .explode("kw", empty_as_null=True)
            .with_columns(pl.col("kw").str.strip_chars())
            .filter(pl.col("kw").is_not_null() & (pl.col("kw") != ""))
            .with_columns(pl.col("kw").map_elements(normalize, return_dtype=pl.String))
        )
        base = ["unified_social_credit_code", "legal_name", "city"]
        parts = [
            names.join(reg, left_on="normalized_name", right_on="_norm").select(
                "normalized_name", *base, pl.lit("legal_name").alias("match")
            ),
            names.join(reg, on="_core").select("normalized_name", *base, pl.lit("suffix_variant").alias("match")),
            # the typed name lacks the city the registered name has (云腾金属制品有限公司)
            names.filter(pl.col("_nocity") == pl.col("normalized_name"))
            .join(reg.filter(pl.col("_nocity") != pl.col("_norm")), left_on="normalized_name", right_on="_nocity")
            .select("normalized_name", *base, pl.lit("no_city").alias("match")),
            names.join(keywords, left_on="normalized_name", right_on="kw").select(
                "normalized_name", *base, pl.lit("keyword").alias("match")
            ),
        ]
        out = pl.concat(parts, how="vertical_relaxed")
        # a short typed name (2-6 characters) that starts a registered name without its city
        # (世仓 → 世仓智能仓储设备(上海)股份有限公司): a suggestion. Set-based as an equi-join on the
        # registered names' prefixes (a cross join would not fit in memory at scale).
        prefixes = pl.concat(
            [
                reg.select(*base, pl.col("_nocity").str.slice(0, n).alias("prefix")).filter(
                    pl.col("prefix").str.len_chars() == n
                )
                for n in range(2, 7)
            ]
        ).unique()
        short = names.filter(pl.col("normalized_name").str.len_chars().is_between(2, 6))
        contains = short.join(prefixes, left_on="normalized_name", right_on="prefix")
        out = pl.concat(
            [out, contains.select("normalized_name", *base, pl.lit("contains").alias("match"))],
            how="vertical_relaxed",
        )
        return out.rename({"city": "registry_city"}).select(list(CANDIDATE_SCHEMA)).cast(CANDIDATE_SCHEMA)


class HttpRegistry:
    """Client of an online business-registry service (see the module docstring for the API)."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def entries(self) -> pl.DataFrame:
        return pl.DataFrame(schema={"unified_social_credit_code": pl.String, "legal_name": pl.String, "registry_city": pl.String, "_norm": pl.String})

    def candidates(self, normalized_names: Sequence[str]) -> pl.DataFrame:
        rows = []
        for name in dict.fromkeys(normalized_names):  # one request per distinct name
            url = f"{self.base_url}/search?q={urllib.parse.quote(name)}"
            with urllib.request.urlopen(url, timeout=self.timeout) as resp:  # noqa: S310
                payload = json.loads(resp.read().decode("utf-8"))
            for hit in payload.get("results", []):
                rows.append(
                    {
                        "normalized_name": name,
                        "unified_social_credit_code": hit["unified_social_credit_code"],
                        "legal_name": hit["legal_name"],
                        "registry_city": hit.get("city"),
                        "match": hit.get("match", "legal_name"),
                    }
                )
        return pl.DataFrame(rows, schema=CANDIDATE_SCHEMA)
