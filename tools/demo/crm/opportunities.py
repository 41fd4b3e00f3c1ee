"""The sales funnel: opportunities, their stage history and quotes.

An opportunity's win probability depends on its lead source, its size, how fast it moves
through the stages and its owner's skill. The stage history is the record of that walk; quotes
price the deal's basket at a first and sometimes a second discount. For opportunities changed
after the full pull, the version that pull saw is kept too (``world.prev_versions``).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .. import vocab
from .._util import (
    DAY,
    ORPHAN_ID_BASE,
    as_date,
    as_epoch_ms,
    cat,
    codes,
    index_in,
    lookup,
    money,
    office_time,
    pick,
    ranks,
    with_nulls,
)
from ..world import World
from .catalogue import book_prices, draw_basket
from .customers import LEAD_SOURCES
from .org import rep_in_region
from .records import nullable_int, record_fields

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
# effect of the lead source on the log-odds of winning; index len(LEAD_SOURCES) = existing customer
SOURCE_EFFECT = np.array([0.0, -0.2, -0.7, 0.4, -0.45, 0.75, 0.1, 0.55])


def opportunities_and_quotes(world: World) -> None:
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
        rep_in_region(rng, world, acc_region[acc_row]),
        np.nan_to_num(owner.astype(float), nan=0),
    ).astype(np.int64)
    owner_row = index_in(owner, users["id"].to_numpy())
    skill = users["_skill"].to_numpy()[owner_row]
    speed = users["_speed"].to_numpy()[owner_row]
    dept = users["dimDepart"].to_numpy()[owner_row]
    region = users["_region"].to_numpy().astype(str)[owner_row]
    pref = accounts["_pref_line"].to_numpy().astype(str)[acc_row]

    basket = draw_basket(world, rng, pref, created)
    books = world.tables["crm.price_books"]
    book_region = books["_region"].to_list()
    book_row_of_opp = index_in(region, np.array([r or "" for r in book_region]))
    b_opp = basket["_opp"].to_numpy()
    b_prod = basket["_prod"].to_numpy()
    b_qty = basket["quantity"].to_numpy()
    b_list = world.tables["crm.products"]["listPrice"].to_numpy()[b_prod]
    b_book = book_prices(world, book_row_of_opp[b_opp], b_prod)
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
            **record_fields(h_ids, "opportunityStageHistory", owner[h_opp], h_t, h_t),
            "opportunityId": opp_ids[h_opp],
            "fromStage": long["fromStage"],
            "toStage": long["toStage"],
            "amount": money(long["amount"].to_numpy()),
            "closeDate": as_date(long["_close"].to_numpy()),
            "changedAt": as_epoch_ms(h_t),
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
            **record_fields(opp_ids, "opportunity", owner, created, upd),
            "opportunityName": cat(np.char.strip(names_short), prod_name, "项目"),
            "accountId": acc_ids[acc_row],
            "leadId": nullable_int(lead_id, lead_id > 0),
            "campaignId": nullable_int(camp, camp > 0),
            "dimDepart": dept,
            "partnerId": nullable_int(partner, has_partner),
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
            **record_fields(
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
            "approvedBy": nullable_int(
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
            **record_fields(l_ids, "quoteLine", owner[ql_q], q_created[ql_q], q_created[ql_q]),
            "quoteId": q_ids[ql_q],
            "productId": products["id"].to_numpy()[prod],
            "quantity": money(qty),
            "listPrice": money(list_price),
            "discountRate": np.round(np.clip(1 - unit_price / list_price, 0, 1), 4),
            "unitPrice": money(unit_price),
            "lineAmount": line_amount,
        }
    )
