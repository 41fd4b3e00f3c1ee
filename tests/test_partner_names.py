"""names.md, every row: normalization, registry, fuzzy matching and review; the registry interface
(local and an HTTP client against a local test double); precision and recall on the demo
generator's known name variants."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

import polars as pl
import pytest

from kernel.company_names.normalize import normalize
from kernel.company_names.registry import BusinessRegistry, HttpRegistry, LocalRegistry
from kernel.company_names.resolution import ResolutionConfig, resolve

REGISTRY = pl.DataFrame(
    {
        "unified_social_credit_code": ["U-YFKS", "U-SANMENG", "U-1234", "U-SHICANG", "U-HUACE"],
        "legal_name": [
            "深圳市益富可视（中国）有限公司",
            "三盟科技有限公司",
            "北京一二三四科技有限公司",
            "世仓智能仓储设备(上海)股份有限公司",
            "上海华测导航技术股份有限公司",
        ],
        "city": ["深圳", None, "北京", "上海", "上海"],
        "short_names": ["益富可视", "三盟科技", "一二三四科技", "世仓智能", "华测导航;华测"],
    }
)
EMPTY = LocalRegistry(REGISTRY.clear())


def _resolve(names, registry=None, **config):
    out = resolve(pl.DataFrame({"typed_name": names}), registry or LocalRegistry(REGISTRY), ResolutionConfig(**config))
    return {r["typed_name"]: r for r in out.iter_rows(named=True)}


def test_normalization_rules():
    assert normalize("深圳市益富可视（中国）有限公司") == "深圳市益富可视(中国)有限公司"
    assert normalize(" 三盟科技  有限公司") == "三盟科技有限公司"
    assert normalize("ＡＢＣ科技【深圳】有限公司") == "ABC科技(深圳)有限公司"
    assert normalize("“华测”导航·技术") == "华测导航技术"


@pytest.mark.parametrize("registry", [None, EMPTY], ids=["registry", "no_registry"])
@pytest.mark.parametrize(
    ("a", "b"),
    [("深圳市益富可视（中国）有限公司", "深圳市益富可视(中国)有限公司"), (" 三盟科技  有限公司", "三盟科技有限公司")],
)
def test_same_company_exact_after_normalization(a, b, registry):
    r = _resolve([a, b], registry)
    assert r[a]["company_key"] == r[b]["company_key"]
    assert r[a]["method"] == r[b]["method"] == "exact"
    assert r[a]["score"] == 100.0 and r[a]["status"] == "resolved"


def test_suffix_variant_same_company_when_registry_holds_one():
    a, b = "北京一二三四科技有限公司", "北京一二三四科技有限责任公司"
    r = _resolve([a, b])
    assert r[a]["company_key"] == r[b]["company_key"] == "U-1234"
    assert (r[b]["method"], r[b]["status"], r[b]["registry_match"]) == ("registry", "resolved", "suffix_variant")


def test_suffix_variant_without_registry_is_a_high_confidence_duplicate_for_review():
    a, b = "北京一二三四科技有限公司", "北京一二三四科技有限责任公司"
    r = _resolve([a, b], EMPTY)
    assert r[a]["company_key"] != r[b]["company_key"]  # not merged
    review = r[b] if r[b]["status"] == "review" else r[a]
    assert review["status"] == "review" and review["method"] == "fuzzy"
    assert 90 <= review["score"] < 95  # high confidence, below the auto-merge threshold
    assert review["suggested_company_key"] == (r[a] if review is r[b] else r[b])["company_key"]


def test_short_name_registry_suggests_the_full_name():
    r = _resolve(["世仓", "世仓智能仓储设备(上海)股份有限公司"])
    assert r["世仓"]["method"] == "registry"
    assert r["世仓"]["suggested_company_key"] == "U-SHICANG"
    assert r["世仓"]["suggested_company_name"] == "世仓智能仓储设备(上海)股份有限公司"
    # contained in the registered name only: a suggestion for review, not an automatic merge
    assert r["世仓"]["status"] == "review" and r["世仓"]["company_key"] != "U-SHICANG"


def test_short_name_listed_as_registry_keyword_merges():
    reg = LocalRegistry(REGISTRY.with_columns(pl.when(pl.col("unified_social_credit_code") == "U-SHICANG").then(pl.lit("世仓;世仓智能")).otherwise(pl.col("short_names")).alias("short_names")))
    r = _resolve(["世仓"], reg)
    assert (r["世仓"]["company_key"], r["世仓"]["method"], r["世仓"]["status"]) == ("U-SHICANG", "registry", "resolved")


def test_short_name_never_auto_merged_without_registry_hit():
    r = _resolve(["世仓", "世仓智能仓储设备(上海)股份有限公司"], EMPTY)
    assert r["世仓"]["company_key"] != r["世仓智能仓储设备(上海)股份有限公司"]["company_key"]
    assert r["世仓"]["status"] == "new"


@pytest.mark.parametrize("registry", [None, EMPTY], ids=["registry", "no_registry"])
def test_same_zihao_different_city_never_merged(registry):
    a, b = "北京一二三四科技有限公司", "上海一二三四科技有限公司"
    r = _resolve([a, b], registry, auto_merge=50.0, review=10.0)  # even with absurd thresholds
    assert r[a]["company_key"] != r[b]["company_key"]
    assert r[b]["suggested_company_key"] != r[a]["company_key"]


def test_registry_keyword_match_suggests_the_full_name():
    r = _resolve(["华测导航", "上海华测导航技术股份有限公司"])
    assert r["华测导航"]["company_key"] == r["上海华测导航技术股份有限公司"]["company_key"] == "U-HUACE"
    assert (r["华测导航"]["method"], r["华测导航"]["registry_match"]) == ("registry", "keyword")
    assert r["华测导航"]["company_name"] == "上海华测导航技术股份有限公司"


def test_every_match_has_a_method_and_score_and_thresholds_are_configurable():
    names = ["北京一二三四科技有限公司", "北京一二三四科技有限责任公司"]
    strict = _resolve(names, EMPTY)
    loose = _resolve(names, EMPTY, auto_merge=90.0)
    assert strict["北京一二三四科技有限责任公司"]["status"] == "review"
    assert loose["北京一二三四科技有限责任公司"]["status"] == "resolved"
    assert loose["北京一二三四科技有限责任公司"]["method"] == "fuzzy"
    assert loose["北京一二三四科技有限责任公司"]["company_key"] == loose["北京一二三四科技有限公司"]["company_key"]


# ---------------------------------------------------------------- online registry interface
class _RegistryDouble(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        q = parse_qs(urlparse(self.path).query)["q"][0]
        hits = [
            {"unified_social_credit_code": r["unified_social_credit_code"], "legal_name": r["legal_name"], "city": r["city"], "match": "keyword"}
            for r in REGISTRY.iter_rows(named=True)
            if q in (r["short_names"] or "").split(";")
        ]
        body = json.dumps({"results": hits}, ensure_ascii=False).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_http_registry_against_a_local_test_double():
    server = HTTPServer(("127.0.0.1", 0), _RegistryDouble)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        registry = HttpRegistry(f"http://127.0.0.1:{server.server_port}")
        assert isinstance(registry, BusinessRegistry)
        r = _resolve(["华测导航", "无名公司"], registry)
        assert r["华测导航"]["company_key"] == "U-HUACE" and r["华测导航"]["method"] == "registry"
        assert r["无名公司"]["status"] == "new"
    finally:
        server.shutdown()


# ---------------------------------------------------------------- demo: precision and recall
def test_precision_and_recall_on_demo_name_variants(tmp_path):
    """Pairwise precision/recall of 'same company' on the demo's known variants (its _truth)."""
    from tools.demo import generate

    generate(tmp_path, scale=0.5, seed=7)
    truth = json.loads((tmp_path / "_truth" / "name_variants.json").read_text(encoding="utf-8"))
    registry = pl.read_csv(next((tmp_path / "partners" / "business_registry").glob("*.csv")), infer_schema=False)
    typed = [v["variant"] for v in truth["variants"]] + truth["legal_names"]
    true_of = {v["variant"]: v["legal_name"] for v in truth["variants"]} | {n: n for n in truth["legal_names"]}
    out = resolve(pl.DataFrame({"typed_name": typed}), LocalRegistry(registry))
    df = out.select("typed_name", "company_key").with_columns(
        pl.col("typed_name").replace_strict(true_of).alias("truth")
    )
    pairs = df.join(df, how="cross").filter(pl.col("typed_name") < pl.col("typed_name_right"))
    same_pred = pl.col("company_key") == pl.col("company_key_right")
    same_true = pl.col("truth") == pl.col("truth_right")
    tp = pairs.filter(same_pred & same_true).height
    fp = pairs.filter(same_pred & ~same_true).height
    fn = pairs.filter(~same_pred & same_true).height
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"demo name variants: {len(typed)} names, precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.98
    assert recall >= 0.85
    # same 字号 in another city: never one company
    key = dict(zip(out["typed_name"], out["company_key"], strict=True))
    for a, b in truth["same_zihao_different_city"]:
        assert key[a] != key[b], (a, b)


# ---------------------------------------------------------------- the fuzzy step, pruned by length

def _fuzzy_every_pair(u_norm, u_city, r_norm, r_city, config):
    """The fuzzy step as it was before the length window: every unknown name against every
    target, the masks on the whole matrix. The oracle for the pruned one."""
    import numpy as np
    from rapidfuzz import fuzz, process

    from kernel.company_names.normalize import strip_city
    from kernel.company_names.resolution import SHORT_NAME_CHARS

    if not u_norm:
        return {}
    choices = r_norm + u_norm
    n_r = len(r_norm)
    queries, targets = [strip_city(n) for n in u_norm], [strip_city(n) for n in choices]
    city_codes = {c: k for k, c in enumerate(sorted({c for c in u_city + r_city if c}), start=1)}
    uc = np.array([city_codes.get(c, 0) for c in u_city])
    cc = np.array([city_codes.get(c, 0) for c in r_city + u_city])
    scores = process.cdist(queries, targets, scorer=fuzz.ratio, score_cutoff=config.review, dtype=np.uint8)
    rows = np.arange(len(u_norm))
    scores[:, n_r:][rows[:, None] <= rows[None, :]] = 0
    scores[(uc[:, None] > 0) & (cc[None, :] > 0) & (uc[:, None] != cc[None, :])] = 0
    scores[np.array([len(n) <= SHORT_NAME_CHARS for n in u_norm]), :] = 0
    scores[:, np.array([len(n) <= SHORT_NAME_CHARS for n in choices])] = 0
    best = scores.argmax(axis=1)
    best_score = scores[rows, best].astype(np.float32)
    ambiguous = (scores >= config.auto_merge).sum(axis=1) > 1
    best_score = np.where(ambiguous, np.minimum(best_score, config.review), best_score)
    return {int(i): ("registry", int(best[i]), float(round(best_score[i], 1))) if best[i] < n_r
            else ("unknown", int(best[i]) - n_r, float(round(best_score[i], 1)))
            for i in np.flatnonzero(best_score >= config.review)}


def _name_family(rng, stems, cities):
    """A made-up company name, often a near copy of an earlier one (a typo, a dropped or added
    character, another city, no city), so every score band and every mask is met."""
    import random

    assert isinstance(rng, random.Random)
    if stems and rng.random() < 0.6:
        name = list(rng.choice(stems))
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            at = rng.randrange(len(name))
            edit = rng.random()
            if edit < 0.4:
                name[at] = rng.choice("华测导航科技信息智能仓储设备金属材料电子贸易")
            elif edit < 0.7 and len(name) > 3:
                del name[at]
            else:
                name.insert(at, rng.choice("华测导航科技信息智能仓储设备金属材料电子贸易"))
        name = "".join(name)
    else:
        name = "".join(rng.choice("华测导航科技信息智能仓储设备金属材料电子贸易云腾益富可视三盟世仓")
                       for _ in range(rng.randint(2, 18)))
    city = rng.choice(cities + [None, None])
    return name, city


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("auto_merge,review", [(95.0, 90.0), (98.0, 85.0), (90.0, 90.0), (100.0, 60.0)])
def test_the_length_window_finds_what_every_pair_finds(seed, auto_merge, review):
    import random

    from kernel.company_names.resolution import _fuzzy

    rng = random.Random(seed)
    cities = ["北京", "上海", "深圳", "广州"]
    stems, u_norm, u_city, r_norm, r_city = [], [], [], [], []
    for k in range(400):
        name, city = _name_family(rng, stems, cities)
        stems.append(name)
        norm = f"{city}{name}" if city else name
        if k % 3 == 0:
            r_norm.append(norm)
            r_city.append(city)
        else:
            u_norm.append(norm)
            u_city.append(city)
    config = ResolutionConfig(auto_merge=auto_merge, review=review)
    expected = _fuzzy_every_pair(u_norm, u_city, r_norm, r_city, config)
    assert len(expected) > 10  # the case meets matches, not only misses
    assert _fuzzy(u_norm, u_city, r_norm, r_city, config) == expected
