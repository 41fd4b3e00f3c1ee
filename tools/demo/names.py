"""The universe of customer companies and the ways people type their names (names.md).

Each company has one legal (registered) name; reps, partners and payers type variants of it:
half-width brackets, stray spaces, 有限公司 vs 有限责任公司, the short name, no city. A few
companies share a 字号 with a company in another city and are different companies.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ._util import cat, lookup
from .vocab import CITIES, INDUSTRY_WORDS, MUNICIPALITIES, SUFFIXES, ZIHAO_CHARS

VARIANT_KINDS = ("exact", "bracket_width", "spaces", "suffix_swap", "short_name", "no_city")
_USCC_CHARS = np.array(list("0123456789ABCDEFGHJKLMNPQRTUWXY"))
_PROVINCE_CODE = {
    "北京": "11",
    "天津": "12",
    "河北": "13",
    "山西": "14",
    "内蒙古": "15",
    "上海": "31",
    "江苏": "32",
    "浙江": "33",
    "安徽": "34",
    "福建": "35",
    "山东": "37",
    "河南": "41",
    "湖北": "42",
    "湖南": "43",
    "广东": "44",
    "广西": "45",
    "重庆": "50",
    "四川": "51",
    "云南": "53",
    "陕西": "61",
}


def build_companies(rng: np.random.Generator, n: int, sibling_share: float = 0.02) -> pl.DataFrame:
    """n distinct companies plus siblings: same 字号 and trade in another city (a different company)."""
    chars = np.array(list(ZIHAO_CHARS))
    n_pairs = len(chars) * (len(chars) - 1)
    space = n_pairs * len(CITIES) * len(INDUSTRY_WORDS)
    code = rng.choice(space, size=n, replace=False)
    pair, rest = code % n_pairs, code // n_pairs
    city_i, ind_i = rest % len(CITIES), rest // len(CITIES)
    a, b = pair // (len(chars) - 1), pair % (len(chars) - 1)
    b = np.where(b >= a, b + 1, b)
    zihao = np.char.add(chars[a], chars[b])

    n_sib = max(2, int(round(n * sibling_share)))
    src = rng.choice(n, size=n_sib, replace=False)
    shift = rng.integers(1, len(CITIES), n_sib)
    zihao = np.concatenate([zihao, zihao[src]])
    ind_i = np.concatenate([ind_i, ind_i[src]])
    city_i = np.concatenate([city_i, (city_i[src] + shift) % len(CITIES)])
    total = n + n_sib
    suffix_i = rng.choice(len(SUFFIXES), size=total, p=[w for _, w in SUFFIXES])
    suffix_i[n:] = suffix_i[src]
    style = rng.random(total)  # < .08: 字号行业（城市）; < .12: 城市字号行业（中国）

    city = np.array([c[0] for c in CITIES])[city_i]
    province = np.array([c[1] for c in CITIES])[city_i]
    region = np.array([c[2] for c in CITIES])[city_i]
    word = np.array([w[0] for w in INDUSTRY_WORDS])[ind_i]
    industry = np.array([w[1] for w in INDUSTRY_WORDS])[ind_i]
    line = np.array([w[2] for w in INDUSTRY_WORDS])[ind_i]
    suffix = np.array([s for s, _ in SUFFIXES])[suffix_i]
    with_shi = ~np.isin(city, list(MUNICIPALITIES)) & (rng.random(total) < 0.5)
    city_prefix = np.where(with_shi, np.char.add(city, "市"), city)
    core = np.char.add(zihao, word)
    legal = np.where(
        style < 0.08,
        cat(core, "（", city, "）", suffix),
        np.where(
            style < 0.12, cat(city_prefix, core, "（中国）", suffix), cat(city_prefix, core, suffix)
        ),
    )
    no_city = np.where(
        style < 0.08,
        legal,
        np.where(style < 0.12, cat(core, "（中国）", suffix), cat(core, suffix)),
    )
    # a sibling may rarely collide with another draw: keep the first of equal legal names
    idx = np.sort(np.unique(legal, return_index=True)[1])
    prov_code = lookup(province[idx], _PROVINCE_CODE)
    uscc_body = _USCC_CHARS[rng.integers(0, len(_USCC_CHARS), (len(idx), 14))].view("<U14").ravel()
    src_all = np.concatenate([np.full(n, -1), src])[idx]
    pos = np.clip(np.searchsorted(idx, src_all), 0, len(idx) - 1)
    sibling_of = np.where((src_all >= 0) & (idx[pos] == src_all), pos, -1)
    df = pl.DataFrame(
        {
            "legal_name": legal[idx],
            "zihao": zihao[idx],
            "word": word[idx],
            "industry": industry[idx],
            "pref_line": line[idx],
            "city": city[idx],
            "province": province[idx],
            "region": region[idx],
            "suffix": suffix[idx],
            "no_city": no_city[idx],
            "uscc": cat("91", prov_code, uscc_body),
            "sibling_of": sibling_of.astype(np.int64),
        }
    ).with_row_index("company")
    return df.with_columns(pl.col("company").cast(pl.Int64))


def variant_table(companies: pl.DataFrame) -> pl.DataFrame:
    """Every variant kind of every company's name as columns (kind falls back to 'spaces')."""
    legal = pl.col("legal_name")
    spaces = pl.concat_str([pl.lit(" "), legal.str.replace("有限", "  有限", literal=True)])
    return companies.select(
        "company",
        legal.alias("exact"),
        pl.when(legal.str.contains("（", literal=True))
        .then(
            legal.str.replace_all("（", "(", literal=True).str.replace_all("）", ")", literal=True)
        )
        .otherwise(spaces)
        .alias("bracket_width"),
        spaces.alias("spaces"),
        pl.when(legal.str.ends_with("有限责任公司"))
        .then(legal.str.replace("有限责任公司", "有限公司", literal=True))
        .when(legal.str.ends_with("股份有限公司") | legal.str.ends_with("集团有限公司"))
        .then(spaces)
        .otherwise(legal.str.replace("有限公司", "有限责任公司", literal=True))
        .alias("suffix_swap"),
        pl.concat_str([pl.col("zihao"), pl.col("word").str.slice(0, 2)]).alias("short_name"),
        pl.when(pl.col("no_city") != legal)
        .then(pl.col("no_city"))
        .otherwise(spaces)
        .alias("no_city"),
    )


class NameTyper:
    """Types company names the way a given population (reps, partners, payers) does, and
    remembers every variant it produced so the truth can be written out."""

    def __init__(self, companies: pl.DataFrame) -> None:
        self.companies = companies
        table = variant_table(companies)
        self._matrix = np.stack([table[k].to_numpy().astype(str) for k in VARIANT_KINDS])
        self._legal = table["exact"].to_numpy().astype(str)
        self.produced: dict[tuple[str, str], str] = {}

    def legal(self, company: np.ndarray) -> np.ndarray:
        return self._legal[np.asarray(company, dtype=np.int64)]

    def type(
        self,
        rng: np.random.Generator,
        company: np.ndarray,
        variant_share: float,
        kinds_p: tuple[float, ...] = (0.0, 0.22, 0.22, 0.2, 0.2, 0.16),
    ) -> np.ndarray:
        company = np.asarray(company, dtype=np.int64)
        kind = np.where(
            rng.random(len(company)) < variant_share,
            rng.choice(len(VARIANT_KINDS), size=len(company), p=np.asarray(kinds_p) / sum(kinds_p)),
            0,
        )
        typed = self._matrix[kind, company]
        # a kind that does not apply to a name falls back to stray spaces
        kind = np.where((kind > 0) & (typed == self._matrix[2, company]), 2, kind)
        changed = typed != self._legal[company]
        for v, legal_name, k in zip(
            typed[changed], self._legal[company][changed], kind[changed], strict=True
        ):
            self.produced[(str(v), str(legal_name))] = VARIANT_KINDS[int(k)]
        return typed
