"""CRM tables of the demo company: organisation, catalogue, funnel, orders, money and activity.

The funnel is causal so that analytics have something to find: the win probability of an
opportunity depends on its lead source, its size, how fast it moves through the stages and the
rep's skill; a customer pays late according to its own latent lateness.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from . import vocab
from ._util import (
    DAY,
    ORPHAN_ID_BASE,
    as_date,
    as_epoch_ms,
    cat,
    codes,
    index_in,
    lookup,
    mobiles,
    money,
    office_time,
    person_names,
    pick,
    ranks,
    with_nulls,
)
from .names import NameTyper, build_companies
from .world import World

STAGES = ("初步接洽", "需求确认", "方案报价", "商务谈判", "赢单", "输单")
WIN_RATE = {"初步接洽": 10, "需求确认": 25, "方案报价": 50, "商务谈判": 75, "赢单": 100, "输单": 0}
FORECAST = {
    "初步接洽": "pipeline",
    "需求确认": "pipeline",
    "方案报价": "best_case",
    "商务谈判": "commit",
    "赢单": "closed",
    "输单": "omitted",
}
LEAD_SOURCES = ("官网", "展会", "电话营销", "合作伙伴推荐", "线上广告", "老客户推荐", "研讨会")
# effect of the lead source on the log-odds of winning; index len(LEAD_SOURCES) = existing customer
SOURCE_EFFECT = np.array([0.0, -0.2, -0.7, 0.4, -0.45, 0.75, 0.1, 0.55])
LINES = ("hardware", "software", "service", "material")
REGION_WEIGHTS = {"华东": 0.35, "华北": 0.25, "华南": 0.25, "中西部": 0.15}


def _ms(secs) -> pl.Series:
    return as_epoch_ms(secs)


def _common(ids, entity_type: str, owner, created, updated) -> dict:
    n = len(ids)
    owner_arr = np.asarray(owner, dtype=float) if owner is not None else np.full(n, np.nan)
    return {
        "id": pl.Series(np.asarray(ids, dtype=np.int64)),
        "entityType": pl.Series([entity_type] * n),
        "ownerId": pl.Series(np.nan_to_num(owner_arr, nan=0).astype(np.int64))
        .cast(pl.Int64)
        .zip_with(pl.Series(~np.isnan(owner_arr)), pl.Series([None] * n, dtype=pl.Int64)),
        "createdAt": _ms(created),
        "updatedAt": _ms(np.maximum(updated, created)),
    }


def _nullable_int(values, mask_valid) -> pl.Series:
    v = np.asarray(values)
    return with_nulls(
        pl.Series(np.where(mask_valid, v, 0).astype(np.int64)), ~np.asarray(mask_valid, dtype=bool)
    )


def _updated(
    rng, created: np.ndarray, end: int, recent_share: float = 0.15, mean_days: float = 40
) -> np.ndarray:
    """Last modification: most records soon after creation, some touched in the last weeks."""
    n = len(created)
    soon = created + (rng.exponential(mean_days, n) * DAY).astype(np.int64)
    recent = end - (rng.random(n) * 40 * DAY).astype(np.int64)
    out = np.where(rng.random(n) < recent_share, np.maximum(recent, created), soon)
    return np.minimum(out, end)


def build(world: World) -> None:
    """Add every crm.* table (and the company universe and partner master) to ``world``."""
    _org(world)
    _catalogue(world)
    _partners_master(world)
    _campaigns(world)
    _accounts_and_leads(world)
    _opportunities(world)
    _orders(world)
    _money(world)
    _targets_and_commission(world)
    _expenses(world)
    _activities(world)


# ---------------------------------------------------------------- organisation
def _org(world: World) -> None:
    rng = world.rng("crm.org")
    tl = world.tl
    n_reps = world.n(20, 6)
    region_reps = np.bincount(
        rng.choice(len(vocab.REGIONS), size=n_reps, p=[REGION_WEIGHTS[r] for r in vocab.REGIONS]),
        minlength=len(vocab.REGIONS),
    )
    region_reps = np.maximum(region_reps, 1)
    depts: list[dict] = [
        dict(name=vocab.COMPANY_SHORT, code="D00", parent=None, type="company", region=None)
    ]
    team_of_region: dict[str, list[int]] = {}
    for i, region in enumerate(vocab.REGIONS):
        depts.append(
            dict(name=f"{region}销售部", code=f"D0{i + 1}", parent=0, type="sales", region=region)
        )
        parent = len(depts) - 1
        n_teams = max(1, int(round(region_reps[i] / 6)))
        team_of_region[region] = []
        for k in range(n_teams):
            depts.append(
                dict(
                    name=f"{region}销售{'一二三四五六七八九十'[k % 10]}{'' if k < 10 else k}组",
                    code=f"D0{i + 1}{k + 1:02d}",
                    parent=parent,
                    type="sales",
                    region=region,
                )
            )
            team_of_region[region].append(len(depts) - 1)
    for name, code, dtype in (
        ("客户服务部", "D05", "service"),
        ("渠道部", "D06", "channel"),
        ("财务部", "D07", "finance"),
        ("产品部", "D08", "product"),
    ):
        depts.append(dict(name=name, code=code, parent=0, type=dtype, region=None))
    dept_ids = world.ids.take(len(depts))
    dept_index = {d["code"]: i for i, d in enumerate(depts)}

    users: list[dict] = []

    def add(position, dept_i, manager=None, region=None):
        users.append(dict(position=position, dept=int(dept_i), manager=manager, region=region))
        return len(users) - 1

    admin = add("admin", 0)
    director = add("sales_director", 0)
    for i, region in enumerate(vocab.REGIONS):
        teams = team_of_region[region]
        managers = [add("sales_manager", t, director, region) for t in teams]
        for r in range(region_reps[i]):
            k = r % len(teams)
            add("sales_rep", teams[k], managers[k], region)
    svc = dept_index["D05"]
    svc_mgr = add("service_manager", svc, director)
    for _ in range(world.n(2)):
        add("service_agent", svc, svc_mgr)
    for _ in range(world.n(3)):
        add("field_engineer", svc, svc_mgr)
    fin_head = add("finance", dept_index["D07"], None)
    for _ in range(world.n(2) - 1):
        add("finance", dept_index["D07"], fin_head)
    for _ in range(world.n(2)):
        add("product_manager", dept_index["D08"], director)
    for _ in range(world.n(2)):
        add("channel_manager", dept_index["D06"], director)

    n_users = len(users)
    user_ids = world.ids.take(n_users)
    pos = np.array([u["position"] for u in users])
    is_rep = pos == "sales_rep"
    hire = tl.start - (rng.integers(30, 3000, n_users) * DAY)
    new_hire = is_rep & (rng.random(n_users) < 0.2)
    hire = np.where(new_hire, tl.start + (rng.integers(30, 400, n_users) * DAY), hire)
    leaver = is_rep & ~new_hire & (rng.random(n_users) < 0.08)
    leave_at = tl.end - (rng.integers(20, 200, n_users) * DAY)
    created = np.maximum(hire, tl.start - 20 * DAY)
    updated = np.where(leaver, leave_at, _updated(rng, created, tl.end, 0.05, 60))
    names = person_names(rng, n_users)
    mgr = np.array([u["manager"] if u["manager"] is not None else -1 for u in users])
    df = pl.DataFrame(
        {
            **_common(user_ids, "user", np.full(n_users, user_ids[admin]), created, updated),
            "name": names,
            "employeeCode": codes("E", 1001 + np.arange(n_users), 5),
            "dimDepart": pl.Series(dept_ids[[u["dept"] for u in users]]),
            "managerId": _nullable_int(user_ids[np.maximum(mgr, 0)], mgr >= 0),
            "position": pos,
            "email": cat("u", 1001 + np.arange(n_users), "@hengxin-demo.cn"),
            "phone": mobiles(rng, n_users),
            "hireDate": as_date(hire),
            "isActive": ~leaver,
            "_region": pl.Series([u["region"] for u in users]),
            "_skill": rng.normal(0, 0.6, n_users),
            "_speed": np.exp(rng.normal(0, 0.25, n_users)),
            "_hire": hire,
            "_leave": np.where(leaver, leave_at, tl.end + DAY),
        }
    )
    world.tables["crm.users"] = df

    d_created = np.full(len(depts), tl.start - 30 * DAY) + np.arange(len(depts)) * 60
    d_updated = _updated(rng, d_created, tl.end, 0.05, 200)
    parent = np.array([d["parent"] if d["parent"] is not None else -1 for d in depts])
    world.tables["crm.departments"] = pl.DataFrame(
        {
            **_common(
                dept_ids, "department", np.full(len(depts), user_ids[admin]), d_created, d_updated
            ),
            "departName": [d["name"] for d in depts],
            "departCode": [d["code"] for d in depts],
            "parentDepartId": _nullable_int(dept_ids[np.maximum(parent, 0)], parent >= 0),
            "departType": [d["type"] for d in depts],
            "_region": pl.Series([d["region"] for d in depts], dtype=pl.Utf8),
        }
    )


def users_where(world: World, position: str) -> pl.DataFrame:
    u = world.tables["crm.users"]
    return u.filter(pl.col("position") == position)


def _admin_id(world: World) -> int:
    return int(users_where(world, "admin")["id"][0])


# ---------------------------------------------------------------- catalogue
def _catalogue(world: World) -> None:
    rng = world.rng("crm.catalogue")
    tl = world.tl
    admin = _admin_id(world)
    p = vocab.PRODUCTS
    n = len(p)
    ids = world.ids.take(n)
    created = np.full(n, tl.start - 60 * DAY)
    updated = _updated(rng, created, tl.end, 0.1, 120)
    active = np.array([code not in vocab.DISCONTINUED for code, *_ in p])
    world.tables["crm.products"] = pl.DataFrame(
        {
            **_common(ids, "product", np.full(n, admin), created, updated),
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
            **_common(
                book_ids,
                "priceBook",
                np.full(nb, admin),
                b_created,
                _updated(rng, b_created, tl.end, 0.05, 90),
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
            **_common(
                e_ids,
                "priceBookEntry",
                np.full(nb * n, admin),
                e_created,
                _updated(rng, e_created, tl.end, 0.05, 200),
            ),
            "priceBookId": book_ids[book_i],
            "productId": ids[prod_i],
            "unitPrice": money(list_price * factor),
        }
    )


# ---------------------------------------------------------------- partner master (ids used by CRM)
def _partners_master(world: World) -> None:
    rng = world.rng("partners.master")
    tl = world.tl
    n = world.n(20, 4)
    ids = world.ids.take(n)
    comps = build_companies(rng, n, sibling_share=0.0).head(n)
    words = pick(rng, vocab.PARTNER_WORDS, n)
    city = comps["city"].to_numpy().astype(str)
    zihao = comps["zihao"].to_numpy().astype(str)
    name = cat(city, zihao, words, "有限公司")
    mgr = users_where(world, "channel_manager")["id"].to_numpy()
    signed = tl.start - rng.integers(0, 900, n) * DAY
    late = rng.random(n) < 0.3
    signed = np.where(late, tl.start + rng.integers(30, 600, n) * DAY, signed)
    world.tables["partners.partners"] = pl.DataFrame(
        {
            "partner_id": ids,
            "partner_code": codes("P", np.arange(1, n + 1), 4),
            "partner_name": name,
            "tier": pick(rng, ("gold", "silver", "bronze"), n, p=(0.2, 0.4, 0.4)),
            "region": comps["region"],
            "channel_manager_id": mgr[rng.integers(0, len(mgr), n)],
            "signed_on": as_date(signed),
            "status": pick(rng, ("active", "suspended", "terminated"), n, p=(0.85, 0.1, 0.05)),
            "_signed": signed,
        }
    )


# ---------------------------------------------------------------- campaigns
CAMPAIGN_TYPES = ("展会", "线上广告", "研讨会", "邮件营销", "行业峰会", "地推")
SOURCE_CAMPAIGN_TYPES = {
    "展会": ("展会", "行业峰会"),
    "线上广告": ("线上广告", "邮件营销"),
    "研讨会": ("研讨会",),
}


def _campaigns(world: World) -> None:
    rng = world.rng("crm.campaigns")
    tl = world.tl
    n = world.n(36, 6)
    ids = world.ids.take(n)
    ctype = pick(rng, CAMPAIGN_TYPES, n, p=(0.25, 0.25, 0.2, 0.1, 0.1, 0.1))
    start = np.sort(tl.growing_times(rng, n, 0.3, tl.start, tl.end + 30 * DAY)) // DAY * DAY
    length = np.where(ctype == "线上广告", rng.integers(14, 60, n), rng.integers(1, 4, n))
    end = start + length * DAY
    cost_base = {
        "展会": 180000,
        "线上广告": 60000,
        "研讨会": 30000,
        "邮件营销": 8000,
        "行业峰会": 120000,
        "地推": 20000,
    }
    cost = money(lookup(ctype, cost_base) * rng.lognormal(0, 0.35, n))
    cancelled = rng.random(n) < 0.05
    status = np.where(
        cancelled,
        "cancelled",
        np.where(start > tl.end, "planned", np.where(end > tl.end, "running", "completed")),
    )
    created = start - rng.integers(15, 60, n) * DAY
    marketer = users_where(world, "product_manager")["id"].to_numpy()
    year = (1970 + (start / DAY / 365.2425)).astype(int)
    world.tables["crm.campaigns"] = pl.DataFrame(
        {
            **_common(
                ids,
                "campaign",
                marketer[rng.integers(0, len(marketer), n)],
                created,
                np.minimum(np.maximum(end, created), tl.end),
            ),
            "name": cat(year, pick(rng, vocab.CAMPAIGN_THEMES, n), ctype),
            "campaignType": ctype,
            "startDate": as_date(start),
            "endDate": as_date(end),
            "cost": with_nulls(pl.Series(cost), cancelled & (rng.random(n) < 0.5)),
            "status": status,
        }
    )


def _campaign_for(
    world: World, source: np.ndarray, at: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The latest campaign of a type matching the lead source that started before ``at``."""
    camp = world.tables["crm.campaigns"]
    c_type = camp["campaignType"].to_numpy().astype(str)
    c_start = (camp["startDate"].cast(pl.Int32).to_numpy().astype(np.int64)) * DAY
    c_id = camp["id"].to_numpy()
    out = np.zeros(len(source), dtype=np.int64)
    ok = np.zeros(len(source), dtype=bool)
    for src, types in SOURCE_CAMPAIGN_TYPES.items():
        sel = np.isin(c_type, types)
        if not sel.any():
            continue
        order = np.argsort(c_start[sel], kind="stable")
        starts, cids = c_start[sel][order], c_id[sel][order]
        rows = source == src
        k = np.searchsorted(starts, at[rows], side="right") - 1
        out[rows] = cids[np.maximum(k, 0)]
        ok[rows] = k >= 0
    return out, ok


# ---------------------------------------------------------------- accounts, contacts, leads
def _reps_by_region(world: World) -> dict[str, np.ndarray]:
    reps = users_where(world, "sales_rep")
    return {r: reps.filter(pl.col("_region") == r)["id"].to_numpy() for r in vocab.REGIONS}


def _rep_in_region(rng, world: World, regions: np.ndarray) -> np.ndarray:
    by_region = _reps_by_region(world)
    out = np.zeros(len(regions), dtype=np.int64)
    for r, ids in by_region.items():
        sel = regions == r
        out[sel] = ids[rng.integers(0, len(ids), sel.sum())]
    return out


def _accounts_and_leads(world: World) -> None:
    rng = world.rng("crm.accounts")
    tl = world.tl
    n_acc = world.n(1500, 30)
    n_lead_only = world.n(1300, 20)
    companies = build_companies(world.rng("companies"), n_acc + n_lead_only)
    world.tables["_companies"] = companies
    typer = NameTyper(companies)
    world.tables["_typer"] = typer  # type: ignore[assignment]
    perm = rng.permutation(companies.height)
    acc_comp = perm[:n_acc]
    lead_only_comp = perm[n_acc:]
    comp = companies[acc_comp]

    legacy = rng.random(n_acc) < 0.35
    created = np.where(
        legacy,
        tl.start + rng.integers(0, 7 * DAY, n_acc),
        tl.growing_times(rng, n_acc, 0.6, tl.start + 20 * DAY, tl.end),
    )
    region = comp["region"].to_numpy().astype(str)
    owner = _rep_in_region(rng, world, region).astype(float)
    in_pool = rng.random(n_acc) < 0.06
    owner[in_pool] = np.nan

    # a few customers entered twice by different reps, the second time with a typed variant
    n_dup = max(2, int(round(n_acc * 0.02)))
    dup_src = rng.choice(n_acc, size=n_dup, replace=False)
    all_comp = np.concatenate([acc_comp, acc_comp[dup_src]])
    n_all = n_acc + n_dup
    created = np.concatenate(
        [created, np.minimum(created[dup_src] + rng.integers(20, 300, n_dup) * DAY, tl.end - DAY)]
    )
    owner = np.concatenate([owner, _rep_in_region(rng, world, region[dup_src]).astype(float)])
    in_pool = np.concatenate([in_pool, np.zeros(n_dup, dtype=bool)])
    legacy = np.concatenate([legacy, np.zeros(n_dup, dtype=bool)])
    comp = companies[all_comp]
    ids = world.ids.take(n_all)
    variant_share = np.where(np.arange(n_all) >= n_acc, 1.0, 0.06)
    typed = typer.type(rng, all_comp, 1.0)
    account_name = np.where(rng.random(n_all) < variant_share, typed, typer.legal(all_comp))
    updated = _updated(rng, created, tl.end, 0.2, 90)
    level = pick(rng, ("A", "B", "C", "D"), n_all, p=(0.1, 0.25, 0.4, 0.25))
    city = comp["city"].to_numpy().astype(str)
    address = cat(
        comp["province"].to_numpy().astype(str),
        np.where(np.isin(city, ["北京", "上海", "天津", "重庆"]), "", city),
        "市",
        pick(rng, vocab.STREETS, n_all),
        rng.integers(1, 999, n_all),
        "号",
    )
    address = np.char.replace(np.char.replace(address, "北京市", "北京市"), "市市", "市")
    partners = world.tables["partners.partners"]
    has_partner = rng.random(n_all) < 0.1
    partner_id = partners["partner_id"].to_numpy()[rng.integers(0, partners.height, n_all)]
    uscc = comp["uscc"].to_numpy().astype(str)
    uscc_missing = rng.random(n_all) < 0.1
    # lateness: most customers pay within days of the due date, some are chronically late
    late_mean = rng.gamma(1.5, 6.0, n_all) + np.where(
        rng.random(n_all) < 0.12, rng.uniform(30, 90, n_all), 0.0
    )
    late_mean[n_acc:] = late_mean[dup_src]
    accounts = pl.DataFrame(
        {
            **_common(ids, "account", owner, created, updated),
            "accountName": account_name,
            "shortName": with_nulls(
                pl.Series(
                    cat(
                        comp["zihao"].to_numpy().astype(str),
                        np.char.array(comp["word"].to_numpy().astype(str))[:].astype("<U2"),
                    )
                ),
                rng.random(n_all) < 0.4,
            ),
            "industry": comp["industry"],
            "level": level,
            "province": comp["province"],
            "city": comp["city"],
            "address": address,
            "phone": cat(
                lookup(city, vocab.AREA_CODES), "-", rng.integers(20000000, 89999999, n_all)
            ),
            "partnerId": _nullable_int(partner_id, has_partner),
            "inPool": in_pool,
            "unifiedSocialCreditCode": with_nulls(pl.Series(uscc), uscc_missing),
            "_company": all_comp,
            "_region": region[np.concatenate([np.arange(n_acc), dup_src])],
            "_legacy": legacy,
            "_created": created,
            "_late_mean": late_mean,
            "_pref_line": comp["pref_line"],
            "_is_duplicate": np.arange(n_all) >= n_acc,
        }
    )
    world.tables["crm.accounts"] = accounts
    world.note("crm.accounts", np.arange(n_acc, n_all), "accountName", "duplicate_accounts")

    # contacts: one to four people per account
    k = rng.choice([1, 2, 3, 4], size=n_all, p=(0.35, 0.35, 0.2, 0.1))
    acc_i = np.repeat(np.arange(n_all), k)
    nc = len(acc_i)
    c_ids = world.ids.take(nc)
    c_created = created[acc_i] + (rng.exponential(40, nc) * DAY).astype(np.int64) * (
        rng.random(nc) < 0.5
    )
    c_created = np.minimum(c_created, tl.end - 3600)
    first = np.r_[True, acc_i[1:] != acc_i[:-1]]
    world.tables["crm.contacts"] = pl.DataFrame(
        {
            **_common(
                c_ids, "contact", owner[acc_i], c_created, _updated(rng, c_created, tl.end, 0.1, 60)
            ),
            "accountId": ids[acc_i],
            "contactName": person_names(rng, nc),
            "title": pick(rng, vocab.CONTACT_TITLES, nc),
            "mobile": with_nulls(pl.Series(mobiles(rng, nc)), rng.random(nc) < 0.05),
            "email": with_nulls(
                pl.Series(
                    cat(
                        "contact",
                        c_ids % 1_000_000,
                        "@",
                        comp["zihao"].to_numpy().astype(str)[acc_i],
                        ".example.cn",
                    )
                ),
                rng.random(nc) < 0.4,
            ),
            "isDecisionMaker": first & (rng.random(nc) < 0.6) | (rng.random(nc) < 0.1),
            "_account_row": acc_i,
        }
    )

    # leads: one converted lead behind every non-legacy original account, plus unconverted ones
    rng = world.rng("crm.leads")
    conv_acc = np.flatnonzero(~legacy[:n_acc])
    n_conv = len(conv_acc)
    n_leads = max(world.n(3000, 60), n_conv + 10)
    n_unconv = n_leads - n_conv
    p_conv = np.array([0.17, 0.15, 0.12, 0.17, 0.12, 0.17, 0.10])
    p_unconv = np.array([0.20, 0.18, 0.22, 0.06, 0.20, 0.04, 0.10])
    source = np.concatenate(
        [pick(rng, LEAD_SOURCES, n_conv, p=p_conv), pick(rng, LEAD_SOURCES, n_unconv, p=p_unconv)]
    )
    conv_at = created[conv_acc]
    lead_created_conv = np.maximum(
        conv_at - (rng.gamma(2.0, 12.0, n_conv) * DAY).astype(np.int64), tl.start
    )
    lead_created_conv = np.minimum(lead_created_conv, conv_at)
    unconv_from_acc = rng.random(n_unconv) < 0.12
    unconv_comp = np.where(
        unconv_from_acc,
        acc_comp[rng.integers(0, n_acc, n_unconv)],
        lead_only_comp[rng.integers(0, len(lead_only_comp), n_unconv)],
    )
    lead_comp = np.concatenate([acc_comp[conv_acc], unconv_comp])
    lead_created = np.concatenate([lead_created_conv, tl.growing_times(rng, n_unconv, 0.6)])
    lead_created = office_time(rng, lead_created)
    lead_created[:n_conv] = np.minimum(lead_created[:n_conv], conv_at)
    lead_created = np.minimum(lead_created, tl.end - 60)
    age = (tl.end - lead_created) / DAY
    u = rng.random(n_unconv)
    a = age[n_conv:]
    status_unconv = np.where(
        a < 20,
        np.where(u < 0.6, "new", "contacted"),
        np.where(
            a < 90,
            np.where(u < 0.4, "contacted", np.where(u < 0.7, "qualified", "disqualified")),
            np.where(u < 0.6, "disqualified", np.where(u < 0.85, "contacted", "qualified")),
        ),
    )
    status = np.concatenate([np.full(n_conv, "converted"), status_unconv])
    lcomp = companies[lead_comp]
    l_region = lcomp["region"].to_numpy().astype(str)
    in_pool_l = (
        (status != "converted")
        & np.isin(status, ["disqualified", "contacted"])
        & (rng.random(n_leads) < 0.4)
    )
    l_owner = _rep_in_region(rng, world, l_region).astype(float)
    l_owner[:n_conv] = np.where(np.isnan(owner[conv_acc]), l_owner[:n_conv], owner[conv_acc])
    l_owner[in_pool_l] = np.nan
    camp_id, camp_ok = _campaign_for(world, source, lead_created)
    l_ids = world.ids.take(n_leads)
    conv_time = np.concatenate([conv_at, np.zeros(n_unconv, dtype=np.int64)])
    l_updated = np.where(
        status == "converted", conv_time, _updated(rng, lead_created, tl.end, 0.1, 30)
    )
    is_conv = status == "converted"
    leads = pl.DataFrame(
        {
            **_common(l_ids, "lead", l_owner, lead_created, l_updated),
            "name": person_names(rng, n_leads),
            "companyName": typer.type(rng, lead_comp, 0.25),
            "mobile": with_nulls(pl.Series(mobiles(rng, n_leads)), rng.random(n_leads) < 0.1),
            "email": with_nulls(
                pl.Series(cat("lead", l_ids % 10_000_000, "@mail.example.cn")),
                rng.random(n_leads) < 0.5,
            ),
            "leadSource": source,
            "campaignId": _nullable_int(camp_id, camp_ok),
            "status": status,
            "province": lcomp["province"],
            "city": lcomp["city"],
            "industry": with_nulls(lcomp["industry"], rng.random(n_leads) < 0.15),
            "inPool": in_pool_l,
            "convertedAt": with_nulls(_ms(conv_time), ~is_conv),
            "convertedAccountId": _nullable_int(
                np.concatenate([ids[conv_acc], np.zeros(n_unconv, dtype=np.int64)]), is_conv
            ),
            "convertedOpportunityId": pl.Series([None] * n_leads, dtype=pl.Int64),
            "_account_row": np.concatenate([conv_acc, np.full(n_unconv, -1)]),
            "_source_i": index_in(source, LEAD_SOURCES),
        }
    )
    world.tables["crm.leads"] = leads


# ---------------------------------------------------------------- opportunities, history, quotes
def _basket(world: World, rng, pref_line: np.ndarray, created: np.ndarray) -> pl.DataFrame:
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


def _book_prices(world: World, book_row: np.ndarray, prod: np.ndarray) -> np.ndarray:
    entries = world.tables["crm.price_book_entries"]
    n_prod = world.tables["crm.products"].height
    return entries["unitPrice"].to_numpy()[book_row * n_prod + prod]


def _opportunities(world: World) -> None:
    rng = world.rng("crm.opportunities")
    tl = world.tl
    accounts = world.tables["crm.accounts"]
    leads = world.tables["crm.leads"]
    users = world.tables["crm.users"]
    n_acc = accounts.height
    acc_owner = accounts["ownerId"].to_numpy()
    acc_region = accounts["_region"].to_numpy().astype(str)
    acc_created = accounts["_created"].to_numpy()

    conv = leads.filter(pl.col("status") == "converted")
    with_opp = rng.random(conv.height) < 0.88
    conv = conv.filter(pl.Series(with_opp))
    n_new = conv.height
    n_more = world.n(340, 10)
    existing = rng.choice(
        n_acc,
        size=n_more,
        p=np.where(accounts["_legacy"].to_numpy(), 3.0, 1.0)
        / np.where(accounts["_legacy"].to_numpy(), 3.0, 1.0).sum(),
    )
    acc_row = np.concatenate([conv["_account_row"].to_numpy(), existing])
    n = len(acc_row)
    lo = np.maximum(acc_created[existing] + 30 * DAY, tl.start + 15 * DAY)
    more_created = lo + (rng.random(n_more) * np.maximum(tl.end - 10 * DAY - lo, DAY)).astype(
        np.int64
    )
    created = np.concatenate(
        [
            conv["convertedAt"].to_numpy() // 1000 + 8 * 3600 + rng.integers(0, 3 * DAY, n_new),
            more_created,
        ]
    )
    created = np.minimum(office_time(rng, created), tl.end - 3600)
    source_i = np.concatenate([conv["_source_i"].to_numpy(), np.full(n_more, len(LEAD_SOURCES))])
    opp_type = np.concatenate(
        [np.full(n_new, "新客户"), pick(rng, ("老客户增购", "续约"), n_more, p=(0.7, 0.3))]
    )
    owner = acc_owner[acc_row]
    pool = (
        np.isnan(owner.astype(float))
        if owner.dtype != object
        else pl.Series(owner).is_null().to_numpy()
    )
    owner = np.where(
        pool,
        _rep_in_region(rng, world, acc_region[acc_row]),
        np.nan_to_num(owner.astype(float), nan=0),
    ).astype(np.int64)
    owner_row = index_in(owner, users["id"].to_numpy())
    skill = users["_skill"].to_numpy()[owner_row]
    speed = users["_speed"].to_numpy()[owner_row]
    dept = users["dimDepart"].to_numpy()[owner_row]
    region = users["_region"].to_numpy().astype(str)[owner_row]
    pref = accounts["_pref_line"].to_numpy().astype(str)[acc_row]

    basket = _basket(world, rng, pref, created)
    books = world.tables["crm.price_books"]
    book_region = books["_region"].to_list()
    book_row_of_opp = index_in(region, np.array([r or "" for r in book_region]))
    b_opp = basket["_opp"].to_numpy()
    b_prod = basket["_prod"].to_numpy()
    b_qty = basket["quantity"].to_numpy()
    b_list = world.tables["crm.products"]["listPrice"].to_numpy()[b_prod]
    b_book = _book_prices(world, book_row_of_opp[b_opp], b_prod)
    list_total = np.bincount(b_opp, weights=b_qty * b_book, minlength=n)
    size = np.log10(np.maximum(list_total, 1000.0))

    velocity = rng.normal(0, 1, n)
    type_eff = np.select([opp_type == "老客户增购", opp_type == "续约"], [0.5, 1.1], 0.0)
    logit = (
        -0.8
        + SOURCE_EFFECT[source_i]
        - 0.45 * (size - 5.3)
        + 0.9 * skill
        + 0.8 * velocity
        + type_eff
    )
    won = rng.random(n) < 1 / (1 + np.exp(-logit))
    lost_at = rng.choice([1, 2, 3, 4], size=n, p=(0.3, 0.3, 0.25, 0.15))
    mean_days = 13.0 * np.exp(-0.35 * velocity) * (1 + 0.25 * (size - 5.3)).clip(0.6, 2.0) * speed
    d = rng.gamma(2.0, 1.0, (n, 4)) * mean_days[:, None] * DAY / 2.0
    t = np.empty((n, 5), dtype=np.int64)  # time of stage 1..4 and of the close
    t[:, 0] = created
    t[:, 1:] = created[:, None] + np.cumsum(d, axis=1).astype(np.int64)
    t[:, 1:] = office_time(rng, t[:, 1:].ravel()).reshape(n, 4)
    t = np.maximum.accumulate(t, axis=1)
    # number of stages reached before the outcome (4 for won, lost_at for lost)
    reach = np.where(won, 4, lost_at)
    close_t = np.where(won, t[:, 4], t[np.arange(n), np.minimum(lost_at, 4)])

    # discounts: a first quote, then a second with more discount for some
    d1 = np.round(np.clip(rng.normal(0.06, 0.04, n), 0, 0.2), 2)
    has_q2 = rng.random(n) < 0.4
    d2 = np.where(has_q2, np.round(np.clip(d1 + rng.uniform(0.02, 0.08, n), 0, 0.3), 2), d1)
    line_unit1 = money(b_book * (1 - d1[b_opp]))
    line_unit2 = money(b_book * (1 - d2[b_opp]))
    q1_total = money(np.bincount(b_opp, weights=money(b_qty * line_unit1), minlength=n))
    q2_total = money(np.bincount(b_opp, weights=money(b_qty * line_unit2), minlength=n))
    est = np.round(list_total * rng.uniform(0.8, 1.3, n), -3)
    close0 = created + rng.integers(45, 120, n) * DAY

    # ---- the stage history in long form: rows (opp, event) kept when they happened
    ev_stage = np.full((n, 6), -1)
    ev_time = np.zeros((n, 6), dtype=np.int64)
    ev_amount = np.zeros((n, 6))
    ev_close = np.zeros((n, 6), dtype=np.int64)
    slip = (
        np.cumsum(np.where(rng.random((n, 5)) < 0.3, rng.integers(10, 45, (n, 5)), 0), axis=1) * DAY
    )
    for s in range(4):  # stage s+1 reached at t[:, s]
        ok = reach >= s + 1
        ev_stage[:, s] = np.where(ok, s, -1)
        ev_time[:, s] = t[:, s]
        ev_amount[:, s] = np.select(
            [np.full(n, s < 2), np.full(n, s == 2)], [est, q1_total], q2_total
        )
        ev_close[:, s] = np.maximum(close0 + slip[:, s], t[:, s] + 7 * DAY)
    ev_stage[:, 4] = np.where(won, 4, 5)
    ev_time[:, 4] = close_t
    ev_amount[:, 4] = np.where(
        won, q2_total, np.where(reach >= 3, np.where(reach >= 4, q2_total, q1_total), est)
    )
    ev_close[:, 4] = close_t
    # a change of amount or expected close without a stage change, between two stages
    extra = rng.random(n) < 0.25
    ev_stage[:, 5] = np.where(extra, 0, -1)
    ev_time[:, 5] = t[:, 0] + ((t[:, 1] - t[:, 0]) * 0.5).astype(np.int64)
    ev_amount[:, 5] = np.round(est * rng.uniform(0.9, 1.2, n), -3)
    ev_close[:, 5] = ev_close[:, 0] + 20 * DAY

    long = pl.DataFrame(
        {
            "_opp": np.repeat(np.arange(n), 6),
            "_slot": np.tile(np.arange(6), n),
            "_stage": ev_stage.ravel(),
            "_t": ev_time.ravel(),
            "amount": ev_amount.ravel(),
            "_close": ev_close.ravel(),
        }
    ).filter((pl.col("_stage") >= 0) & (pl.col("_t") <= tl.end))
    # the extra change sits between stage 1 and 2: it belongs to stage 1 (需求确认 not yet reached)
    long = long.sort(["_opp", "_t", "_slot"])
    stage_name = np.array(STAGES)
    to_stage = stage_name[long["_stage"].to_numpy()]
    long = long.with_columns(pl.Series("toStage", to_stage))
    long = long.with_columns(pl.col("toStage").shift(1).over("_opp").alias("fromStage"))
    # the extra change keeps the stage it happened in
    fix = (long["_slot"] == 5).to_numpy()
    prev_stage = long["fromStage"].to_numpy()
    to_fixed = np.where(fix, prev_stage, long["toStage"].to_numpy())
    long = long.with_columns(pl.Series("toStage", to_fixed.astype(str)))
    long = long.with_columns(pl.col("toStage").shift(1).over("_opp").alias("fromStage"))

    opp_ids = world.ids.take(n)
    h_opp = long["_opp"].to_numpy()
    h_t = long["_t"].to_numpy()
    nh = long.height
    h_ids = world.ids.take(nh)
    history = pl.DataFrame(
        {
            **_common(h_ids, "opportunityStageHistory", owner[h_opp], h_t, h_t),
            "opportunityId": opp_ids[h_opp],
            "fromStage": long["fromStage"],
            "toStage": long["toStage"],
            "amount": money(long["amount"].to_numpy()),
            "closeDate": as_date(long["_close"].to_numpy()),
            "changedAt": _ms(h_t),
            "changedBy": owner[h_opp],
            "_opp": h_opp,
        }
    )
    world.tables["crm.opportunity_stage_history"] = history

    last = (
        history.group_by("_opp", maintain_order=True)
        .agg(
            pl.col("toStage").last(),
            pl.col("amount").last(),
            pl.col("closeDate").last(),
            pl.col("changedAt").last(),
        )
        .sort("_opp")
    )
    stage = last["toStage"].to_numpy().astype(str)
    status = np.where(stage == "赢单", "won", np.where(stage == "输单", "lost", "open"))
    lead_id = np.concatenate([conv["id"].to_numpy(), np.zeros(n_more, dtype=np.int64)])
    camp = np.concatenate(
        [conv["campaignId"].fill_null(0).to_numpy(), np.zeros(n_more, dtype=np.int64)]
    )
    partners = world.tables["partners.partners"]
    p_region = partners["region"].to_numpy().astype(str)
    has_partner = (rng.random(n) < 0.12) | (accounts["partnerId"].is_not_null().to_numpy()[acc_row])
    partner = np.zeros(n, dtype=np.int64)
    for r in vocab.REGIONS:
        cand = partners["partner_id"].to_numpy()[p_region == r]
        if len(cand) == 0:
            cand = partners["partner_id"].to_numpy()
        sel = region == r
        partner[sel] = cand[rng.integers(0, len(cand), sel.sum())]
    acc_partner = accounts["partnerId"].to_numpy()[acc_row]
    partner = np.where(
        accounts["partnerId"].is_not_null().to_numpy()[acc_row],
        np.nan_to_num(acc_partner.astype(float)).astype(np.int64),
        partner,
    )
    names_short = (
        accounts["shortName"]
        .fill_null(accounts["accountName"].str.slice(0, 6))
        .to_numpy()
        .astype(str)[acc_row]
    )
    first_prod = (
        basket.group_by("_opp", maintain_order=True)
        .agg(pl.col("_prod").first())
        .sort("_opp")["_prod"]
        .to_numpy()
    )
    prod_name = world.tables["crm.products"]["_base_name"].to_numpy().astype(str)[first_prod]
    upd = np.maximum(last["changedAt"].to_numpy() // 1000 + 8 * 3600, created)
    upd = np.minimum(
        np.where(
            status == "open",
            np.maximum(upd, tl.end - (rng.random(n) * 30 * DAY).astype(np.int64)),
            upd,
        ),
        tl.end,
    )
    acc_ids = accounts["id"].to_numpy()
    opps = pl.DataFrame(
        {
            **_common(opp_ids, "opportunity", owner, created, upd),
            "opportunityName": cat(np.char.strip(names_short), prod_name, "项目"),
            "accountId": acc_ids[acc_row],
            "leadId": _nullable_int(lead_id, lead_id > 0),
            "campaignId": _nullable_int(camp, camp > 0),
            "dimDepart": dept,
            "partnerId": _nullable_int(partner, has_partner),
            "opportunityType": opp_type,
            "amount": last["amount"],
            "stage": stage,
            "winRate": lookup(stage, WIN_RATE).astype(np.int64),
            "forecastCategory": lookup(stage, FORECAST),
            "closeDate": last["closeDate"],
            "status": status,
            "lossReason": with_nulls(pl.Series(pick(rng, vocab.LOSS_REASONS, n)), status != "lost"),
            "_account_row": acc_row,
            "_owner_row": owner_row,
            "_book_row": book_row_of_opp,
            "_close_t": close_t,
            "_t3": t[:, 2],
            "_t4": t[:, 3],
            "_has_q2": has_q2,
            "_d1": d1,
            "_d2": d2,
            "_reach": reach,
            "_won": won,
        }
    )
    # an opportunity may point at an account that was deleted in the CRM (orphan)
    orphan_rows = rng.choice(n, size=2, replace=False)
    orphan_acc = opps["accountId"].to_numpy().copy()
    orphan_acc[orphan_rows] = ORPHAN_ID_BASE + 100 + np.arange(2) * 7
    opps = opps.with_columns(pl.Series("accountId", orphan_acc))
    world.note("crm.opportunities", orphan_rows, "accountId", "orphan_references")
    bad = int(rng.integers(0, n))
    world.note("crm.opportunities", [bad], "closeDate", "bad_rows", ["2026-02-30"])
    world.tables["crm.opportunities"] = opps
    world.tables["_basket"] = basket.with_columns(
        pl.Series("_book", b_book),
        pl.Series("_list", b_list),
        pl.Series("_u1", line_unit1),
        pl.Series("_u2", line_unit2),
    )
    # the version of each open-at-full-pull opportunity as the full pull saw it
    full_cut_ms = (tl.cut(tl.full_date) - 8 * 3600) * 1000
    asof = (
        history.filter(pl.col("changedAt") <= full_cut_ms)
        .group_by("opportunityId")
        .agg(
            pl.col("toStage").last(),
            pl.col("amount").last(),
            pl.col("closeDate").last(),
            pl.col("changedAt").last(),
        )
    )
    prev = opps.join(
        asof, left_on="id", right_on="opportunityId", how="inner", suffix="_asof"
    ).filter(pl.col("updatedAt") > full_cut_ms)
    prev_stage = prev["toStage"].to_numpy().astype(str)
    prev = prev.with_columns(
        pl.col("toStage").alias("stage"),
        pl.col("amount_asof").alias("amount"),
        pl.col("closeDate_asof").alias("closeDate"),
        pl.Series("winRate", lookup(prev_stage, WIN_RATE).astype(np.int64)),
        pl.Series("forecastCategory", lookup(prev_stage, FORECAST)),
        pl.Series(
            "status",
            np.where(prev_stage == "赢单", "won", np.where(prev_stage == "输单", "lost", "open")),
        ),
        pl.when(pl.col("toStage") == "输单")
        .then(pl.col("lossReason"))
        .otherwise(None)
        .alias("lossReason"),
        pl.max_horizontal(pl.col("changedAt"), pl.col("createdAt")).alias("updatedAt"),
    ).select(opps.columns)
    world.prev_versions["crm.opportunities"] = prev

    leads = world.tables["crm.leads"]
    conv_opp = pl.DataFrame({"id": conv["id"], "_opp_id": opp_ids[:n_new]})
    leads = (
        leads.join(conv_opp, on="id", how="left", maintain_order="left")
        .with_columns(pl.col("_opp_id").alias("convertedOpportunityId"))
        .drop("_opp_id")
    )
    world.tables["crm.leads"] = leads
    _quotes(world, opps, basket)


def _quotes(world: World, opps: pl.DataFrame, basket: pl.DataFrame) -> None:
    rng = world.rng("crm.quotes")
    tl = world.tl
    users = world.tables["crm.users"]
    n = opps.height
    reach = opps["_reach"].to_numpy()
    t3, t4 = opps["_t3"].to_numpy(), opps["_t4"].to_numpy()
    has1 = (reach >= 3) & (t3 <= tl.end)
    has2 = has1 & opps["_has_q2"].to_numpy() & (reach >= 4) & (t4 <= tl.end)
    q_opp = np.concatenate([np.flatnonzero(has1), np.flatnonzero(has2)])
    q_rev = np.concatenate([np.ones(has1.sum(), dtype=int), np.full(has2.sum(), 2)])
    order = np.lexsort((q_rev, q_opp))
    q_opp, q_rev = q_opp[order], q_rev[order]
    nq = len(q_opp)
    q_date = np.where(q_rev == 1, t3[q_opp], t4[q_opp])
    q_ids = world.ids.take(nq)
    status_opp = opps["status"].to_numpy().astype(str)[q_opp]
    is_last = np.r_[q_opp[1:] != q_opp[:-1], True]
    q_status = np.where(
        ~is_last,
        "rejected",
        np.where(
            status_opp == "won",
            "accepted",
            np.where(
                status_opp == "lost",
                "rejected",
                np.where(tl.end - q_date < 5 * DAY, "pending_approval", "approved"),
            ),
        ),
    )
    disc = np.where(q_rev == 1, opps["_d1"].to_numpy()[q_opp], opps["_d2"].to_numpy()[q_opp])
    mgr = users["managerId"].to_numpy()[opps["_owner_row"].to_numpy()[q_opp]]
    b = world.tables["_basket"]
    b_opp = b["_opp"].to_numpy()
    # quote lines: the opportunity's basket at the quote's discount
    starts = np.searchsorted(b_opp, np.arange(n))
    counts = np.bincount(b_opp, minlength=n)
    ql_q = np.repeat(np.arange(nq), counts[q_opp])
    ql_b = (
        np.repeat(starts[q_opp], counts[q_opp]) + ranks(counts[q_opp]) - 1
        if nq
        else np.array([], dtype=int)
    )
    ql_rev = q_rev[ql_q]
    unit_price = np.where(ql_rev == 1, b["_u1"].to_numpy()[ql_b], b["_u2"].to_numpy()[ql_b])
    qty = b["quantity"].to_numpy()[ql_b]
    line_amount = money(qty * unit_price)
    q_total = money(np.bincount(ql_q, weights=line_amount, minlength=nq))
    books = world.tables["crm.price_books"]["id"].to_numpy()
    owner = opps["ownerId"].to_numpy()[q_opp]
    q_created = office_time(rng, q_date)
    q_created = np.minimum(q_created, tl.end - 60)
    q_year_month = q_date // DAY
    quotes = pl.DataFrame(
        {
            **_common(
                q_ids,
                "quote",
                owner,
                q_created,
                np.minimum(q_created + (rng.exponential(3, nq) * DAY).astype(np.int64), tl.end),
            ),
            "quoteNo": codes("QT", np.arange(1, nq + 1), 6),
            "opportunityId": opps["id"].to_numpy()[q_opp],
            "accountId": world.tables["crm.accounts"]["id"].to_numpy()[
                opps["_account_row"].to_numpy()[q_opp]
            ],
            "priceBookId": books[opps["_book_row"].to_numpy()[q_opp]],
            "quoteDate": as_date(q_date),
            "totalAmount": q_total,
            "discountRate": money(disc),
            "status": q_status,
            "approvedBy": _nullable_int(
                np.nan_to_num(mgr.astype(float)).astype(np.int64),
                (disc > 0.1) & (q_status != "pending_approval"),
            ),
            "_opp": q_opp,
        }
    )
    world.tables["crm.quotes"] = quotes
    del q_year_month
    nl = len(ql_q)
    l_ids = world.ids.take(nl)
    products = world.tables["crm.products"]
    prod = b["_prod"].to_numpy()[ql_b]
    list_price = products["listPrice"].to_numpy()[prod]
    world.tables["crm.quote_lines"] = pl.DataFrame(
        {
            **_common(l_ids, "quoteLine", owner[ql_q], q_created[ql_q], q_created[ql_q]),
            "quoteId": q_ids[ql_q],
            "productId": products["id"].to_numpy()[prod],
            "quantity": money(qty),
            "listPrice": money(list_price),
            "discountRate": np.round(np.clip(1 - unit_price / list_price, 0, 1), 4),
            "unitPrice": money(unit_price),
            "lineAmount": line_amount,
        }
    )


# ---------------------------------------------------------------- orders, contracts
def _orders(world: World) -> None:
    rng = world.rng("crm.orders")
    tl = world.tl
    opps = world.tables["crm.opportunities"]
    accounts = world.tables["crm.accounts"]
    products = world.tables["crm.products"]
    b = world.tables["_basket"]
    won = (opps["status"] == "won").to_numpy()
    w = np.flatnonzero(won)
    order_t_opp = np.minimum(
        office_time(rng, opps["_close_t"].to_numpy()[w] + rng.integers(0, 5, len(w)) * DAY),
        tl.end - 60,
    )

    # repeat orders without an opportunity, from customers who already bought
    n_rep = world.n(260, 5)
    buyer_rows = opps["_account_row"].to_numpy()[w]
    first_buy = opps["_close_t"].to_numpy()[w]
    pick_i = rng.integers(0, len(w), n_rep)
    rep_acc = buyer_rows[pick_i]
    lo = first_buy[pick_i] + 20 * DAY
    rep_t = lo + (rng.random(n_rep) * np.maximum(tl.end - lo, DAY)).astype(np.int64)
    keep = rep_t < tl.end - DAY
    rep_acc, rep_t = rep_acc[keep], office_time(rng, rep_t[keep])
    rep_t = np.minimum(rep_t, tl.end - 60)
    n_rep = len(rep_acc)
    acc_pref = accounts["_pref_line"].to_numpy().astype(str)[rep_acc]
    rep_pref = np.where(
        np.isin(acc_pref, ["material", "hardware"]),
        acc_pref,
        pick(rng, ("hardware", "service"), n_rep),
    )
    rep_basket = _basket(world, rng, rep_pref, rep_t)
    rep_basket = rep_basket.filter(pl.col("_prod").cum_count().over("_opp") <= 2)

    n_opp_orders = len(w)
    n_orders = n_opp_orders + n_rep
    o_acc_row = np.concatenate([opps["_account_row"].to_numpy()[w], rep_acc])
    o_acc_id = np.concatenate(
        [
            accounts["id"].to_numpy()[opps["_account_row"].to_numpy()[w]],
            accounts["id"].to_numpy()[rep_acc],
        ]
    )
    o_t = np.concatenate([order_t_opp, rep_t])
    o_owner = np.concatenate(
        [
            opps["ownerId"].to_numpy()[w],
            np.nan_to_num(accounts["ownerId"].to_numpy()[rep_acc].astype(float)).astype(np.int64),
        ]
    )
    reps = world.tables["crm.users"].filter(pl.col("position") == "sales_rep")
    o_owner = np.where(
        o_owner == 0, reps["id"].to_numpy()[rng.integers(0, reps.height, n_orders)], o_owner
    )
    users = world.tables["crm.users"]
    o_owner_row = index_in(o_owner, users["id"].to_numpy())
    o_dept = users["dimDepart"].to_numpy()[o_owner_row]
    o_region = users["_region"].to_numpy().astype(str)[o_owner_row]
    book_region = world.tables["crm.price_books"]["_region"].to_list()
    o_book_row = np.maximum(index_in(o_region, np.array([r or "" for r in book_region])), 0)
    o_book_row[n_opp_orders:] = 0  # repeat orders use the standard book
    o_partner = np.concatenate(
        [opps["partnerId"].fill_null(0).to_numpy()[w], np.zeros(n_rep, dtype=np.int64)]
    )

    # order lines: won opportunities at the final quote's prices, repeat orders at book less a little
    opp_row_to_order = -np.ones(opps.height, dtype=np.int64)
    opp_row_to_order[w] = np.arange(n_opp_orders)
    b_won = b.filter(pl.Series(won[b["_opp"].to_numpy()]))
    l_order = np.concatenate(
        [opp_row_to_order[b_won["_opp"].to_numpy()], n_opp_orders + rep_basket["_opp"].to_numpy()]
    )
    l_prod = np.concatenate([b_won["_prod"].to_numpy(), rep_basket["_prod"].to_numpy()])
    l_qty = np.concatenate([b_won["quantity"].to_numpy(), rep_basket["quantity"].to_numpy()])
    rep_book = _book_prices(
        world, np.zeros(rep_basket.height, dtype=np.int64), rep_basket["_prod"].to_numpy()
    )
    rep_disc = np.round(np.clip(rng.normal(0.03, 0.02, rep_basket.height), 0, 0.1), 2)
    l_unit = np.concatenate([b_won["_u2"].to_numpy(), money(rep_book * (1 - rep_disc))])
    order_sort = np.argsort(l_order, kind="stable")
    l_order, l_prod, l_qty, l_unit = (
        l_order[order_sort],
        l_prod[order_sort],
        l_qty[order_sort],
        l_unit[order_sort],
    )
    nl = len(l_order)
    l_amount = money(l_qty * l_unit)
    o_total = money(np.bincount(l_order, weights=l_amount, minlength=n_orders))
    is_bulk = products["isBulk"].to_numpy()[l_prod]
    tol_type = np.where(is_bulk, pick(rng, ("percent", "absolute"), nl, p=(0.7, 0.3)), "none")
    unit = products["unit"].to_numpy().astype(str)[l_prod]
    tol_value = np.where(
        tol_type == "percent",
        pick(rng, (3.0, 5.0, 10.0), nl),
        np.where(
            tol_type == "absolute",
            np.where(unit == "kg", pick(rng, (100.0, 500.0), nl), pick(rng, (1.0, 2.0, 5.0), nl)),
            0.0,
        ),
    )

    age = (tl.end - o_t) / DAY
    u = rng.random(n_orders)
    cancelled = rng.random(n_orders) < 0.03
    status = np.where(
        cancelled,
        "cancelled",
        np.where(
            age < 12,
            np.where(u < 0.25, "draft", "confirmed"),
            np.where(
                age < 60,
                np.where(u < 0.5, "delivering", "delivered"),
                np.where(u < 0.65, "closed", "delivered"),
            ),
        ),
    )
    o_ids = world.ids.take(n_orders)
    order_no = cat(
        "SO",
        as_date(o_t).dt.strftime("%Y%m").to_numpy().astype(str),
        np.char.zfill((np.arange(1, n_orders + 1)).astype(str), 5),
    )
    world.tables["_orders_meta"] = pl.DataFrame({"_t": o_t})
    o_created = o_t
    o_updated = np.minimum(o_t + (rng.exponential(20, n_orders) * DAY).astype(np.int64), tl.end)
    # contracts: every opportunity order, most repeat orders
    has_contract = (np.arange(n_orders) < n_opp_orders) | (rng.random(n_orders) < 0.6)
    c_rows = np.flatnonzero(has_contract)
    nc = len(c_rows)
    c_ids = world.ids.take(nc)
    contract_of_order = np.zeros(n_orders, dtype=np.int64)
    contract_of_order[c_rows] = c_ids

    quotes = world.tables["crm.quotes"]
    accepted = quotes.filter(pl.col("status") == "accepted")
    q_pos = index_in(w, accepted["_opp"].to_numpy())
    o_quote = np.concatenate(
        [np.where(q_pos >= 0, accepted["id"].to_numpy()[q_pos], 0), np.zeros(n_rep, dtype=np.int64)]
    )
    opp_id = np.concatenate([opps["id"].to_numpy()[w], np.zeros(n_rep, dtype=np.int64)])
    orders = pl.DataFrame(
        {
            **_common(o_ids, "order", o_owner, o_created, o_updated),
            "orderNo": order_no,
            "accountId": o_acc_id,
            "opportunityId": _nullable_int(opp_id, opp_id > 0),
            "quoteId": _nullable_int(o_quote, o_quote > 0),
            "contractId": _nullable_int(contract_of_order, has_contract),
            "partnerId": _nullable_int(o_partner, o_partner > 0),
            "dimDepart": o_dept,
            "orderDate": as_date(o_t),
            "totalAmount": o_total,
            "status": status,
            "_account_row": o_acc_row,
            "_t": o_t,
            "_owner_row": o_owner_row,
        }
    )
    world.tables["crm.orders"] = orders

    books = world.tables["crm.price_books"]["id"].to_numpy()
    list_price = products["listPrice"].to_numpy()[l_prod]
    ol_ids = world.ids.take(nl)
    lines = pl.DataFrame(
        {
            **_common(
                ol_ids, "orderProduct", o_owner[l_order], o_created[l_order], o_updated[l_order]
            ),
            "orderId": o_ids[l_order],
            "productId": products["id"].to_numpy()[l_prod],
            "priceBookId": books[o_book_row[l_order]],
            "quantity": money(l_qty),
            "unit": unit,
            "listPrice": money(list_price),
            "discountRate": np.round(np.clip(1 - l_unit / list_price, 0, 1), 4),
            "unitPrice": money(l_unit),
            "lineAmount": l_amount,
            "toleranceType": tol_type,
            "toleranceValue": with_nulls(pl.Series(money(tol_value)), tol_type == "none"),
            "_order": l_order,
            "_prod": l_prod,
        }
    )
    orphan = rng.choice(nl, size=2, replace=False)
    pid = lines["productId"].to_numpy().copy()
    pid[orphan] = ORPHAN_ID_BASE + 200 + np.arange(2) * 7
    lines = lines.with_columns(pl.Series("productId", pid))
    world.note("crm.order_lines", orphan, "productId", "orphan_references")
    world.note("crm.order_lines", [int(rng.integers(0, nl))], "quantity", "bad_rows", ["十"])
    world.tables["crm.order_lines"] = lines

    # credit splits: most orders to the owner alone, some shared with a second rep
    two = rng.random(n_orders) < 0.25
    share = pick(rng, (50.0, 60.0, 70.0), n_orders)
    rep_ids = reps["id"].to_numpy()
    second = rep_ids[rng.integers(0, len(rep_ids), n_orders)]
    second = np.where(
        second == o_owner,
        rep_ids[(np.searchsorted(rep_ids, second) + 1) % len(rep_ids)]
        if np.all(np.diff(rep_ids) > 0)
        else second,
        second,
    )
    s_order = np.concatenate([np.arange(n_orders), np.flatnonzero(two)])
    s_user = np.concatenate([o_owner, second[two]])
    s_pct = np.concatenate([np.where(two, share, 100.0), 100.0 - share[two]])
    idx = np.argsort(s_order, kind="stable")
    s_order, s_user, s_pct = s_order[idx], s_user[idx], s_pct[idx]
    # a few shared orders whose splits do not add up to 100 (a data-entry mistake)
    multi = np.flatnonzero(np.r_[s_order[1:] == s_order[:-1], False])
    wrong = rng.choice(
        multi, size=min(len(multi), max(2, int(round(len(multi) * 0.04)))), replace=False
    )
    s_pct[wrong] = s_pct[wrong] - 10.0
    ns = len(s_order)
    world.tables["crm.order_splits"] = pl.DataFrame(
        {
            **_common(
                world.ids.take(ns),
                "orderSplit",
                o_owner[s_order],
                o_created[s_order],
                o_updated[s_order],
            ),
            "orderId": o_ids[s_order],
            "userId": s_user,
            "splitPercent": money(s_pct),
        }
    )
    world.note("crm.order_splits", np.sort(wrong), "splitPercent", "split_not_100")

    # contracts
    main_line = (
        products["productLine"]
        .to_numpy()
        .astype(str)[
            pl.DataFrame({"o": l_order, "p": l_prod, "a": l_amount})
            .sort(["o", "a"], descending=[False, True])
            .group_by("o", maintain_order=True)
            .agg(pl.col("p").first())
            .sort("o")["p"]
            .to_numpy()
        ]
    )
    world.tables["_orders_main_line"] = pl.DataFrame({"line": main_line})
    c_line = main_line[c_rows]
    term_names = np.array([t for t, _ in vocab.PAYMENT_TERMS])
    term_by_line = {
        "material": (0, 1, 5),
        "hardware": (1, 3, 5),
        "software": (2, 3, 4),
        "service": (3, 4, 2),
    }
    c_term = np.zeros(nc, dtype=np.int64)
    for ln, opts in term_by_line.items():
        sel = c_line == ln
        c_term[sel] = np.array(opts)[rng.integers(0, len(opts), sel.sum())]
    sign = np.minimum(o_t[c_rows] - rng.integers(0, 4, nc) * DAY, tl.end)
    length = np.where(np.isin(c_line, ["software", "service"]), 365, 180)
    c_status = np.where(
        status[c_rows] == "cancelled",
        "terminated",
        np.where(
            tl.end - sign < 3 * DAY,
            "signed",
            np.where(sign + length * DAY < tl.end, "completed", "executing"),
        ),
    )
    world.tables["crm.contracts"] = pl.DataFrame(
        {
            **_common(
                c_ids,
                "contract",
                o_owner[c_rows],
                sign - DAY,
                np.minimum(o_updated[c_rows] + DAY, tl.end),
            ),
            "contractNo": cat(
                "HT",
                as_date(sign).dt.strftime("%Y").to_numpy().astype(str),
                "-",
                np.char.zfill(np.arange(1, nc + 1).astype(str), 5),
            ),
            "accountId": o_acc_id[c_rows],
            "opportunityId": _nullable_int(opp_id[c_rows], opp_id[c_rows] > 0),
            "signDate": as_date(sign),
            "startDate": as_date(sign),
            "endDate": as_date(sign + length * DAY),
            "totalAmount": o_total[c_rows],
            "paymentTerms": term_names[c_term],
            "status": c_status,
            "_order": c_rows,
            "_term": c_term,
            "_sign": sign,
        }
    )


# ---------------------------------------------------------------- payment plans, installments, receipts
TERM_OFFSETS = {0: (3,), 1: (5, 35), 2: (7, 90, 365), 3: (7, 90), 4: (0, 90, 180, 270), 5: (30,)}


def _money(world: World) -> None:
    rng = world.rng("crm.receipts")
    tl = world.tl
    orders = world.tables["crm.orders"]
    contracts = world.tables["crm.contracts"]
    accounts = world.tables["crm.accounts"]
    n_orders = orders.height
    live = (orders["status"] != "cancelled").to_numpy() & (orders["status"] != "draft").to_numpy()
    term = np.full(n_orders, 0)
    c_order = contracts["_order"].to_numpy()
    term[c_order] = contracts["_term"].to_numpy()
    no_contract = np.ones(n_orders, dtype=bool)
    no_contract[c_order] = False
    main_line = world.tables["_orders_main_line"]["line"].to_numpy().astype(str)
    term = np.where(no_contract, np.where(main_line == "material", 5, 1), term)
    base_t = orders["_t"].to_numpy()
    p_rows = np.flatnonzero(live)
    npl = len(p_rows)
    # payment terms as padded tables: fraction and due offset of each batch
    n_terms, width = len(vocab.PAYMENT_TERMS), max(len(f) for _, f in vocab.PAYMENT_TERMS)
    frac_table = np.zeros((n_terms, width))
    offset_table = np.zeros((n_terms, width), dtype=np.int64)
    for k, (_, fr) in enumerate(vocab.PAYMENT_TERMS):
        frac_table[k, : len(fr)] = fr
        offset_table[k, : len(fr)] = TERM_OFFSETS[k]
    counts = np.array([len(f) for _, f in vocab.PAYMENT_TERMS])[term[p_rows]]
    plan_ids = world.ids.take(npl)
    owner = orders["ownerId"].to_numpy()[p_rows]
    total = orders["totalAmount"].to_numpy()[p_rows]
    order_ids = orders["id"].to_numpy()
    contract_id = orders["contractId"].fill_null(0).to_numpy()[p_rows]
    acc_id = orders["accountId"].to_numpy()[p_rows]
    created = np.minimum(base_t[p_rows] + DAY, tl.end)
    world.tables["crm.payment_plans"] = pl.DataFrame(
        {
            **_common(plan_ids, "paymentPlan", owner, created, created),
            "planNo": codes("HKJH", np.arange(1, npl + 1), 6),
            "contractId": _nullable_int(contract_id, contract_id > 0),
            "orderId": _nullable_int(
                order_ids[p_rows], (contract_id == 0) | (rng.random(npl) < 0.7)
            ),
            "accountId": acc_id,
            "totalAmount": total,
            "installmentCount": counts.astype(np.int64),
        }
    )
    i_plan = np.repeat(np.arange(npl), counts)
    i_batch = ranks(counts)
    frac = frac_table[term[p_rows][i_plan], i_batch - 1]
    offs = offset_table[term[p_rows][i_plan], i_batch - 1]
    amount = money(total[i_plan] * frac)
    # the last installment takes the rounding remainder so the plan sums to the contract
    last = np.r_[i_plan[1:] != i_plan[:-1], True]
    sums = np.bincount(i_plan, weights=amount, minlength=npl)
    amount = np.where(last, money(amount + (total - sums)[i_plan]), amount)
    due = (base_t[p_rows][i_plan] // DAY + offs) * DAY
    ni = len(i_plan)
    inst_ids = world.ids.take(ni)
    finance = users_where(world, "finance")["id"].to_numpy()
    i_owner = np.where(
        rng.random(ni) < 0.15, finance[rng.integers(0, len(finance), ni)], owner[i_plan]
    )
    world.tables["crm.payment_installments"] = pl.DataFrame(
        {
            **_common(inst_ids, "paymentInstallment", i_owner, created[i_plan], created[i_plan]),
            "paymentPlanId": plan_ids[i_plan],
            "contractId": _nullable_int(contract_id[i_plan], contract_id[i_plan] > 0),
            "orderId": order_ids[p_rows][i_plan],
            "accountId": acc_id[i_plan],
            "batchNo": i_batch.astype(np.int64),
            "dueDate": as_date(due),
            "amount": amount,
        }
    )

    # receipts: paid on the due date plus the customer's own lateness
    acc_row = orders["_account_row"].to_numpy()[p_rows][i_plan]
    late_mean = accounts["_late_mean"].to_numpy()[acc_row]
    late = rng.gamma(2.0, np.maximum(late_mean, 0.5) / 2.0) - rng.uniform(0, 6, ni)
    pay = office_time(rng, due + (late * DAY).astype(np.int64), 0.0)
    pay = np.maximum(pay, created[i_plan])
    paid = pay <= tl.end
    r_inst = np.flatnonzero(paid)
    r_amount = amount[r_inst].copy()
    r_t = pay[r_inst]
    # partial payments: a first part now, the rest later (if it has arrived yet)
    partial = rng.random(len(r_inst)) < 0.08
    first_share = rng.uniform(0.4, 0.8, len(r_inst))
    rest_t = r_t + rng.integers(10, 45, len(r_inst)) * DAY
    rest_rows = np.flatnonzero(partial & (rest_t <= tl.end))
    r_amount_first = np.where(partial, money(r_amount * first_share), r_amount)
    all_inst = np.concatenate([r_inst, r_inst[rest_rows]])
    all_amount = np.concatenate(
        [r_amount_first, money(r_amount[rest_rows] - r_amount_first[rest_rows])]
    )
    all_t = np.concatenate([r_t, office_time(rng, rest_t[rest_rows], 0.0)])
    nr = len(all_inst)
    over = rng.random(nr) < 0.02
    all_amount = np.where(over, money(all_amount * rng.uniform(1.01, 1.1, nr)), all_amount)
    names_none = rng.random(nr) < 0.1
    r_type = np.full(nr, "receipt")
    # refunds: money sent back later, recorded as negative amounts
    ref = np.flatnonzero((rng.random(nr) < 0.012) & (all_t + 30 * DAY < tl.end))
    all_inst = np.concatenate([all_inst, all_inst[ref]])
    all_amount = np.concatenate(
        [all_amount, -money(all_amount[ref] * rng.uniform(0.1, 1.0, len(ref)))]
    )
    all_t = np.concatenate([all_t, all_t[ref] + rng.integers(7, 30, len(ref)) * DAY])
    names_none = np.concatenate([names_none, np.zeros(len(ref), dtype=bool)])
    r_type = np.concatenate([r_type, np.full(len(ref), "refund")])
    order = np.lexsort((all_inst, all_t))
    all_inst, all_amount, all_t, names_none, r_type = (
        all_inst[order],
        all_amount[order],
        all_t[order],
        names_none[order],
        r_type[order],
    )
    nr = len(all_inst)
    method = np.where(
        r_type == "refund",
        "银行转账",
        pick(rng, ("银行转账", "承兑汇票", "支票", "现金"), nr, p=(0.85, 0.1, 0.03, 0.02)),
    )
    r_ids = world.ids.take(nr)
    day_str = as_date(all_t).dt.strftime("%Y%m%d").to_numpy().astype(str)
    bank_no = cat(
        "BK",
        day_str,
        np.char.zfill((rng.integers(0, 10**6, nr) * 1000 + np.arange(nr) % 1000).astype(str), 9),
    )
    is_bank = (method == "银行转账") & (r_type == "receipt")
    world.tables["crm.receipts"] = pl.DataFrame(
        {
            **_common(
                r_ids,
                "paymentRecord",
                i_owner[all_inst],
                all_t,
                np.minimum(all_t + (rng.exponential(2, nr) * DAY).astype(np.int64), tl.end),
            ),
            "receiptNo": cat("HK", day_str, np.char.zfill(np.arange(1, nr + 1).astype(str), 6)),
            "accountId": acc_id[i_plan][all_inst],
            "contractId": _nullable_int(
                contract_id[i_plan][all_inst], contract_id[i_plan][all_inst] > 0
            ),
            "orderId": order_ids[p_rows][i_plan][all_inst],
            "installmentId": _nullable_int(inst_ids[all_inst], ~names_none),
            "receiptDate": as_date(all_t),
            "amount": money(all_amount),
            "receiptType": r_type,
            "paymentMethod": method,
            "bankTxnNo": with_nulls(pl.Series(bank_no), ~is_bank),
            "_account_row": acc_row[all_inst],
            "_t": all_t,
        }
    )
    world.note("crm.receipts", [int(rng.integers(0, nr))], "amount", "bad_rows", ["N/A"])


# ---------------------------------------------------------------- targets, commission
def _targets_and_commission(world: World) -> None:
    rng = world.rng("crm.targets")
    tl = world.tl
    users = world.tables["crm.users"]
    reps = users.filter(pl.col("position").is_in(["sales_rep", "sales_manager"]))
    admin = _admin_id(world)
    nm = len(tl.months)
    m_start = np.array([m.start for m in tl.months])
    r_i = np.repeat(np.arange(reps.height), nm)
    m_i = np.tile(np.arange(nm), reps.height)
    hire = reps["_hire"].to_numpy()[r_i]
    leave = reps["_leave"].to_numpy()[r_i]
    keep = (m_start[m_i] + 27 * DAY >= hire) & (m_start[m_i] < leave)
    r_i, m_i = r_i[keep], m_i[keep]
    n = len(r_i)
    is_mgr = (reps["position"].to_numpy() == "sales_manager")[r_i]
    base = np.where(is_mgr, 600000.0, 450000.0) * np.exp(reps["_skill"].to_numpy()[r_i] * 0.3)
    season = (
        1
        + 0.25 * np.isin((m_i + tl.months[0].month - 1) % 12 + 1, [6, 12])
        - 0.2 * ((m_i + tl.months[0].month - 1) % 12 + 1 == 2)
    )
    growth = 1 + 0.3 * m_i / max(nm - 1, 1)
    target = np.round(base * season * growth / 10000) * 10000
    created = np.maximum(m_start[m_i] - rng.integers(3, 15, n) * DAY, tl.start - 10 * DAY)
    world.tables["crm.sales_targets"] = pl.DataFrame(
        {
            **_common(
                world.ids.take(n),
                "salesTarget",
                reps["id"].to_numpy()[r_i],
                created,
                created + rng.integers(0, 3 * DAY, n),
            ),
            "userId": reps["id"].to_numpy()[r_i],
            "dimDepart": reps["dimDepart"].to_numpy()[r_i],
            "periodMonth": as_date(m_start[m_i]),
            "targetAmount": money(target),
        }
    )

    # plans: (code, name, version, rateType, tierMode, basis, flatRate, periodType, valid from, valid to)
    plans = [
        ("FLAT-STD", "标准提成方案", 1, "flat", "none", "booking", 0.02, "month"),
        ("PL-2025", "产品线提成方案", 1, "product_line", "none", "collection", None, "month"),
        ("PL-2025", "产品线提成方案", 2, "product_line", "none", "collection", None, "month"),
        ("TIER-M", "阶梯提成（超额累进）", 1, "tiered", "marginal", "collection", None, "quarter"),
        ("TIER-R", "阶梯提成（全额累进）", 1, "tiered", "retroactive", "booking", None, "quarter"),
        ("MGR-TEAM", "经理团队提成", 1, "flat", "none", "booking", 0.005, "quarter"),
    ]
    npn = len(plans)
    plan_ids = world.ids.take(npn)
    p_created = np.array([tl.start - 20 * DAY] * npn)
    p_created[2] = local_date_sec(tl, 2025, 12, 15)
    world.tables["crm.commission_plans"] = pl.DataFrame(
        {
            **_common(plan_ids, "commissionPlan", np.full(npn, admin), p_created, p_created + DAY),
            "planCode": [p[0] for p in plans],
            "planName": [p[1] for p in plans],
            "planVersion": pl.Series([p[2] for p in plans], dtype=pl.Int64),
            "rateType": [p[3] for p in plans],
            "tierMode": [p[4] for p in plans],
            "basis": [p[5] for p in plans],
            "flatRate": pl.Series([p[6] for p in plans], dtype=pl.Float64),
            "periodType": [p[7] for p in plans],
        }
    )
    rules = []  # (plan index, productLine, tierFrom, tierTo, rate)
    for pi, rates in ((1, (0.03, 0.06, 0.04, 0.01)), (2, (0.025, 0.07, 0.04, 0.008))):
        rules += [(pi, ln, None, None, r) for ln, r in zip(LINES, rates, strict=True)]
    for pi, rates in ((3, (0.01, 0.03, 0.05, 0.08)), (4, (0.01, 0.025, 0.04, 0.06))):
        bounds = ((0.0, 0.8), (0.8, 1.0), (1.0, 1.2), (1.2, None))
        rules += [(pi, None, lo, hi, r) for (lo, hi), r in zip(bounds, rates, strict=True)]
    nr = len(rules)
    r_plan = np.array([r[0] for r in rules])
    world.tables["crm.commission_plan_rules"] = pl.DataFrame(
        {
            **_common(
                world.ids.take(nr),
                "commissionPlanRule",
                np.full(nr, admin),
                p_created[r_plan],
                p_created[r_plan] + DAY,
            ),
            "planId": plan_ids[r_plan],
            "productLine": pl.Series([r[1] for r in rules], dtype=pl.Utf8),
            "tierFrom": pl.Series([r[2] for r in rules], dtype=pl.Float64),
            "tierTo": pl.Series([r[3] for r in rules], dtype=pl.Float64),
            "rate": pl.Series([r[4] for r in rules], dtype=pl.Float64),
        }
    )
    # assignments: reps on one plan family, effective-dated; product-line v2 from 2026-01
    switch = local_date_sec(tl, 2025, 7, 1)
    v2_from = local_date_sec(tl, 2026, 1, 1)
    rows = []  # (user, plan index, from, to)
    fam = rng.choice(4, size=reps.height, p=(0.3, 0.35, 0.2, 0.15))
    moves = rng.random(reps.height) < 0.3
    for i in range(reps.height):
        uid = int(reps["id"][i])
        start = max(tl.start, int(reps["_hire"][i]))
        end = int(reps["_leave"][i]) if int(reps["_leave"][i]) <= tl.end else None
        if reps["position"][i] == "sales_manager":
            rows.append((uid, 5, start, end))
            continue
        f = int(fam[i])
        if f == 1:  # product line: v1 until the end of 2025, then v2
            if start < v2_from:
                rows.append(
                    (uid, 1, start, v2_from - DAY if end is None or end >= v2_from else end)
                )
            if end is None or end >= v2_from:
                rows.append((uid, 2, max(start, v2_from), end))
        elif moves[i] and start < switch and (end is None or end > switch):
            rows.append((uid, [0, 1, 3, 4][f], start, switch - DAY))
            rows.append((uid, 4 if f != 3 else 3, switch, end))
        else:
            rows.append((uid, [0, 1, 3, 4][f], start, end))
    na = len(rows)
    a_from = np.array([r[2] for r in rows])
    a_to = np.array([r[3] if r[3] is not None else 0 for r in rows])
    world.tables["crm.commission_assignments"] = pl.DataFrame(
        {
            **_common(
                world.ids.take(na),
                "commissionAssignment",
                np.full(na, admin),
                np.maximum(a_from - 5 * DAY, tl.start - 20 * DAY),
                np.maximum(a_from - 5 * DAY, tl.start - 20 * DAY) + DAY,
            ),
            "userId": np.array([r[0] for r in rows], dtype=np.int64),
            "planId": plan_ids[np.array([r[1] for r in rows])],
            "effectiveFrom": as_date(a_from),
            "effectiveTo": as_date(a_to, a_to == 0),
        }
    )


def local_date_sec(tl, y: int, m: int, d: int) -> int:
    from datetime import date

    from ._util import local_seconds

    return local_seconds(date(y, m, d))


# ---------------------------------------------------------------- expenses, activities
EXPENSE_MEAN = {"差旅": 2200, "招待": 1500, "交通": 300, "市场活动": 6000, "礼品": 800, "其他": 400}


def _expenses(world: World) -> None:
    rng = world.rng("crm.expenses")
    tl = world.tl
    opps = world.tables["crm.opportunities"]
    n = world.n(3000, 20)
    o = rng.integers(0, opps.height, n)
    created_o = opps["createdAt"].to_numpy()[o] // 1000 + 8 * 3600
    close_o = np.minimum(opps["_close_t"].to_numpy()[o], tl.end)
    t = created_o + (rng.random(n) * np.maximum(close_o - created_o, DAY)).astype(np.int64)
    t = np.minimum(office_time(rng, t), tl.end - 3600)
    etype = pick(rng, tuple(EXPENSE_MEAN), n, p=(0.35, 0.25, 0.2, 0.05, 0.05, 0.1))
    amount = money(lookup(etype, EXPENSE_MEAN) * rng.lognormal(0, 0.5, n))
    age = (tl.end - t) / DAY
    u = rng.random(n)
    status = np.where(
        age < 7, "submitted", np.where(u < 0.05, "rejected", np.where(age < 30, "approved", "paid"))
    )
    with_opp = rng.random(n) < 0.7
    world.tables["crm.expenses"] = pl.DataFrame(
        {
            **_common(
                world.ids.take(n),
                "expense",
                opps["ownerId"].to_numpy()[o],
                t,
                np.minimum(t + (age.clip(0, 40) * DAY * 0.8).astype(np.int64), tl.end),
            ),
            "expenseNo": codes("FY", np.arange(1, n + 1), 7),
            "expenseType": etype,
            "amount": amount,
            "expenseDate": as_date(t),
            "accountId": with_nulls(
                world.tables["crm.accounts"]["id"].to_numpy()[opps["_account_row"].to_numpy()[o]],
                rng.random(n) < 0.1,
            ),
            "opportunityId": _nullable_int(opps["id"].to_numpy()[o], with_opp),
            "status": status,
        }
    )


def _activities(world: World) -> None:
    rng = world.rng("crm.activities")
    tl = world.tl
    opps = world.tables["crm.opportunities"]
    leads = world.tables["crm.leads"]
    accounts = world.tables["crm.accounts"]
    contacts = world.tables["crm.contacts"]
    # per opportunity (lifecycle), per open lead (calls), per customer (after-sales visits)
    k_opp = rng.poisson(2.0 + 1.2 * opps["_reach"].to_numpy())
    k_lead = rng.poisson(1.3, leads.height)
    k_acc = rng.poisson(1.8, accounts.height)
    src = np.concatenate(
        [np.zeros(k_opp.sum(), int), np.ones(k_lead.sum(), int), np.full(k_acc.sum(), 2)]
    )
    row = np.concatenate(
        [
            np.repeat(np.arange(opps.height), k_opp),
            np.repeat(np.arange(leads.height), k_lead),
            np.repeat(np.arange(accounts.height), k_acc),
        ]
    )
    n = len(row)
    o_start = opps["createdAt"].to_numpy() // 1000 + 8 * 3600
    o_end = np.minimum(opps["_close_t"].to_numpy(), tl.end)
    l_start = leads["createdAt"].to_numpy() // 1000 + 8 * 3600
    l_end = np.minimum(leads["updatedAt"].to_numpy() // 1000 + 8 * 3600 + 10 * DAY, tl.end)
    a_start = accounts["_created"].to_numpy()
    lo = np.select(
        [src == 0, src == 1],
        [o_start[np.minimum(row, opps.height - 1)], l_start[np.minimum(row, leads.height - 1)]],
        a_start[np.minimum(row, accounts.height - 1)],
    )
    hi = np.select(
        [src == 0, src == 1],
        [o_end[np.minimum(row, opps.height - 1)], l_end[np.minimum(row, leads.height - 1)]],
        np.full(n, tl.end),
    )
    t = lo + (rng.random(n) * np.maximum(hi - lo, 3600)).astype(np.int64)
    t = np.minimum(office_time(rng, t), tl.end - 60)
    acc_ids = accounts["id"].to_numpy()
    acc_row = np.select(
        [src == 0, src == 2],
        [opps["_account_row"].to_numpy()[np.minimum(row, opps.height - 1)], row],
        -1,
    )
    account_id = np.where(acc_row >= 0, acc_ids[np.maximum(acc_row, 0)], 0)
    # first contact of the account
    c_acc = contacts["_account_row"].to_numpy()
    first_c = np.searchsorted(c_acc, np.maximum(acc_row, 0))
    n_c = np.bincount(c_acc, minlength=accounts.height)
    c_pick = first_c + (rng.random(n) * n_c[np.maximum(acc_row, 0)]).astype(np.int64)
    contact_id = contacts["id"].to_numpy()[np.minimum(c_pick, contacts.height - 1)]
    c_name = contacts["contactName"].to_numpy().astype(str)[np.minimum(c_pick, contacts.height - 1)]
    lead_name = leads["name"].to_numpy().astype(str)[np.minimum(row, leads.height - 1)]
    who = np.where(src == 1, lead_name, c_name)
    atype = np.where(
        src == 1,
        pick(rng, ("call", "wechat", "email"), n, p=(0.6, 0.3, 0.1)),
        pick(
            rng, ("visit", "call", "wechat", "email", "meeting"), n, p=(0.3, 0.3, 0.2, 0.08, 0.12)
        ),
    )
    tmpl_i = np.select(
        [atype == "visit", atype == "call", atype == "wechat", atype == "meeting"], [0, 1, 2, 3], 4
    )
    tmpl = np.array(vocab.ACTIVITY_TEMPLATES)[tmpl_i]
    topic = pick(rng, vocab.ACTIVITY_TOPICS, n)
    concern = pick(rng, vocab.ACTIVITY_CONCERNS, n)
    nxt = pick(rng, vocab.ACTIVITY_NEXT, n)
    content = (
        pl.DataFrame({"t": tmpl, "c": who, "p": topic, "k": concern, "x": nxt})
        .select(
            pl.col("t")
            .str.replace("{c}", pl.col("c"), literal=True)
            .str.replace("{t}", pl.col("p"), literal=True)
            .str.replace("{k}", pl.col("k"), literal=True)
            .str.replace("{n}", pl.col("x"), literal=True)
        )
        .to_series()
    )
    duration = np.select(
        [atype == "visit", atype == "meeting", atype == "call"],
        [rng.integers(30, 180, n), rng.integers(30, 120, n), rng.integers(2, 40, n)],
        rng.integers(1, 15, n),
    )
    owner = np.select(
        [src == 0, src == 1],
        [
            opps["ownerId"].to_numpy()[np.minimum(row, opps.height - 1)],
            leads["ownerId"].fill_null(0).to_numpy()[np.minimum(row, leads.height - 1)],
        ],
        accounts["ownerId"].fill_null(0).to_numpy()[np.minimum(row, accounts.height - 1)],
    )
    order = np.argsort(t, kind="stable")
    cols = {
        **_common(
            world.ids.take(n),
            "activityrecord",
            np.where(owner > 0, owner, np.nan)[order],
            t[order],
            np.minimum(t[order] + (rng.exponential(1, n) * DAY).astype(np.int64), tl.end),
        ),
        "activityType": atype[order],
        "accountId": _nullable_int(account_id[order], (acc_row >= 0)[order]),
        "contactId": _nullable_int(
            contact_id[order], ((acc_row >= 0) & (rng.random(n) < 0.8))[order]
        ),
        "leadId": _nullable_int(
            leads["id"].to_numpy()[np.minimum(row, leads.height - 1)][order], (src == 1)[order]
        ),
        "opportunityId": _nullable_int(
            opps["id"].to_numpy()[np.minimum(row, opps.height - 1)][order], (src == 0)[order]
        ),
        "activityTime": _ms(t[order]),
        "durationMinutes": duration[order].astype(np.int64),
        "content": content.gather(order),
    }
    world.tables["crm.activities"] = pl.DataFrame(cols)


# ---------------------------------------------------------------- landing files
# deliberate paging defects per object: page-boundary overlaps and stale re-sends in a delta
WRITE_DIRT = {
    "crm.leads": {"overlaps": 1, "out_of_order": 2},
    "crm.accounts": {"overlaps": 1, "out_of_order": 2},
    "crm.opportunities": {"out_of_order": 2},
    "crm.activities": {"overlaps": 2},
}


def write(world: World, writer) -> None:
    from pipelines.contracts import entities_of

    admin = _admin_id(world)
    for spec in entities_of("crm"):
        name = spec.qualified_name
        # records in the pool (公海) belong to the system administrator, as the CRM shows them
        writer.write_crm(
            name,
            world.tables[name].with_columns(pl.col("ownerId").fill_null(admin)),
            world.notes.get(name, ()),
            prev_versions=world.prev_versions.get(name),
            rng=world.rng(f"write.{name}"),
            **WRITE_DIRT.get(name, {}),
        )
