"""Who the company sells to: campaigns, accounts, contacts and leads.

Accounts come from the shared company universe (``_companies``), a few typed as name variants and
a few entered twice by different reps; each carries the latent lateness it pays with. Behind
every non-legacy account is the lead it was converted from, attributed to the campaign running
when the lead arrived; unconverted leads make up the rest of the top of the funnel.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .. import vocab
from .._util import (
    DAY,
    as_date,
    as_epoch_ms,
    cat,
    index_in,
    lookup,
    mobiles,
    money,
    office_time,
    person_names,
    pick,
    with_nulls,
)
from ..names import NameTyper, build_companies
from ..world import World
from .org import rep_in_region, users_where
from .records import last_modified, nullable_int, record_fields

LEAD_SOURCES = ("官网", "展会", "电话营销", "合作伙伴推荐", "线上广告", "老客户推荐", "研讨会")
CAMPAIGN_TYPES = ("展会", "线上广告", "研讨会", "邮件营销", "行业峰会", "地推")
SOURCE_CAMPAIGN_TYPES = {
    "展会": ("展会", "行业峰会"),
    "线上广告": ("线上广告", "邮件营销"),
    "研讨会": ("研讨会",),
}


# ---------------------------------------------------------------- campaigns
def campaigns(world: World) -> None:
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
            **record_fields(
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


def campaign_for(world: World, source: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
def accounts_contacts_and_leads(world: World) -> None:
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
    owner = rep_in_region(rng, world, region).astype(float)
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
    owner = np.concatenate([owner, rep_in_region(rng, world, region[dup_src]).astype(float)])
    in_pool = np.concatenate([in_pool, np.zeros(n_dup, dtype=bool)])
    legacy = np.concatenate([legacy, np.zeros(n_dup, dtype=bool)])
    comp = companies[all_comp]
    ids = world.ids.take(n_all)
    variant_share = np.where(np.arange(n_all) >= n_acc, 1.0, 0.06)
    typed = typer.type(rng, all_comp, 1.0)
    account_name = np.where(rng.random(n_all) < variant_share, typed, typer.legal(all_comp))
    updated = last_modified(rng, created, tl.end, 0.2, 90)
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
            **record_fields(ids, "account", owner, created, updated),
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
            "partnerId": nullable_int(partner_id, has_partner),
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
            **record_fields(
                c_ids,
                "contact",
                owner[acc_i],
                c_created,
                last_modified(rng, c_created, tl.end, 0.1, 60),
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
    l_owner = rep_in_region(rng, world, l_region).astype(float)
    l_owner[:n_conv] = np.where(np.isnan(owner[conv_acc]), l_owner[:n_conv], owner[conv_acc])
    l_owner[in_pool_l] = np.nan
    camp_id, camp_ok = campaign_for(world, source, lead_created)
    l_ids = world.ids.take(n_leads)
    conv_time = np.concatenate([conv_at, np.zeros(n_unconv, dtype=np.int64)])
    l_updated = np.where(
        status == "converted", conv_time, last_modified(rng, lead_created, tl.end, 0.1, 30)
    )
    is_conv = status == "converted"
    leads = pl.DataFrame(
        {
            **record_fields(l_ids, "lead", l_owner, lead_created, l_updated),
            "name": person_names(rng, n_leads),
            "companyName": typer.type(rng, lead_comp, 0.25),
            "mobile": with_nulls(pl.Series(mobiles(rng, n_leads)), rng.random(n_leads) < 0.1),
            "email": with_nulls(
                pl.Series(cat("lead", l_ids % 10_000_000, "@mail.example.cn")),
                rng.random(n_leads) < 0.5,
            ),
            "leadSource": source,
            "campaignId": nullable_int(camp_id, camp_ok),
            "status": status,
            "province": lcomp["province"],
            "city": lcomp["city"],
            "industry": with_nulls(lcomp["industry"], rng.random(n_leads) < 0.15),
            "inPool": in_pool_l,
            "convertedAt": with_nulls(as_epoch_ms(conv_time), ~is_conv),
            "convertedAccountId": nullable_int(
                np.concatenate([ids[conv_acc], np.zeros(n_unconv, dtype=np.int64)]), is_conv
            ),
            "convertedOpportunityId": pl.Series([None] * n_leads, dtype=pl.Int64),
            "_account_row": np.concatenate([conv_acc, np.full(n_unconv, -1)]),
            "_source_i": index_in(source, LEAD_SOURCES),
        }
    )
    world.tables["crm.leads"] = leads
