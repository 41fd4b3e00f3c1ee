"""What was sold: orders and their lines, credit splits and contracts.

Won opportunities become orders at the final quote's prices; customers who already bought place
repeat orders at book prices. A contract's payment terms follow its order's main product line,
which the payment plans read back.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .. import vocab
from .._util import (
    DAY,
    ORPHAN_ID_BASE,
    as_date,
    cat,
    index_in,
    money,
    office_time,
    pick,
    with_nulls,
)
from ..world import World
from .catalogue import book_prices, draw_basket
from .records import nullable_int, record_fields


def orders_and_contracts(world: World) -> None:
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
    rep_basket = draw_basket(world, rng, rep_pref, rep_t)
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
    rep_book = book_prices(
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
            **record_fields(o_ids, "order", o_owner, o_created, o_updated),
            "orderNo": order_no,
            "accountId": o_acc_id,
            "opportunityId": nullable_int(opp_id, opp_id > 0),
            "quoteId": nullable_int(o_quote, o_quote > 0),
            "contractId": nullable_int(contract_of_order, has_contract),
            "partnerId": nullable_int(o_partner, o_partner > 0),
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
            **record_fields(
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
            **record_fields(
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
            **record_fields(
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
            "opportunityId": nullable_int(opp_id[c_rows], opp_id[c_rows] > 0),
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
