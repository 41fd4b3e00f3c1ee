"""ERP exports: material and organisation master, shipments of order lines, VAT invoices and
bank receipts; finance documents GBK-encoded, master data UTF-8 with BOM (as 用友/金蝶 do)."""

from __future__ import annotations

import numpy as np
import polars as pl

from ._util import DAY, as_date, as_ts, cat, lookup, money, office_time, pick, ranks, with_nulls
from .world import World

LINE_CN = {"hardware": "硬件", "software": "软件", "service": "服务", "material": "大宗材料"}
WAREHOUSE = {"华东": "上海仓", "华北": "天津仓", "华南": "广州仓", "中西部": "成都仓"}


def build(world: World) -> None:
    _master(world)
    _shipments(world)
    _invoices(world)
    _bank_receipts(world)


def _master(world: World) -> None:
    rng = world.rng("erp.master")
    tl = world.tl
    p = world.tables["crm.products"]
    n = p.height
    updated = tl.start - 90 * DAY + rng.integers(0, 700, n) * DAY
    world.tables["erp.products"] = pl.DataFrame(
        {
            "material_code": p["productCode"],
            "material_name": p["_base_name"],
            "spec": p["_spec"],
            "unit": p["unit"],
            "product_line": [LINE_CN[x] for x in p["productLine"].to_list()],
            "standard_cost": money(p["listPrice"].to_numpy() * p["_cost_ratio"].to_numpy()),
            "updated_at": as_ts(office_time(rng, np.minimum(updated, tl.end - DAY))),
        }
    )
    d = world.tables["crm.departments"]
    code = d["departCode"].to_numpy().astype(str)
    parent_code = dict(zip(d["id"].to_list(), d["departCode"].to_list(), strict=True))
    parents = [parent_code.get(x) for x in d["parentDepartId"].to_list()]
    org_type = np.where(
        d["departType"].to_numpy() == "company",
        "公司",
        np.where(
            np.char.str_len(code) == 3,
            np.where(d["departType"].to_numpy() == "sales", "事业部", "部门"),
            "部门",
        ),
    )
    world.tables["erp.org"] = pl.DataFrame(
        {
            "org_code": cat("ORG", code),
            "org_name": d["departName"],
            "parent_org_code": pl.Series(
                [("ORG" + x) if x else None for x in parents], dtype=pl.Utf8
            ),
            "org_type": org_type,
            "crm_depart_id": d["id"],
        }
    )


def _shipments(world: World) -> None:
    rng = world.rng("erp.shipments")
    tl = world.tl
    orders, lines, products, accounts, typer = world.order_tables()
    o_status = orders["status"].to_numpy().astype(str)
    l_order = lines["_order"].to_numpy()
    l_prod = lines["_prod"].to_numpy()
    line_kind = products["productLine"].to_numpy().astype(str)[l_prod]
    physical = np.isin(line_kind, ["hardware", "material"])
    shipped_status = np.isin(o_status[l_order], ["delivering", "delivered", "closed"])
    sel = np.flatnonzero(physical & shipped_status)
    bulk = products["isBulk"].to_numpy()[l_prod[sel]]
    m = np.where(
        bulk,
        rng.choice([1, 2, 3, 4], size=len(sel), p=(0.25, 0.35, 0.25, 0.15)),
        np.where(rng.random(len(sel)) < 0.15, 2, 1),
    )
    qty = lines["quantity"].to_numpy()[sel]
    tol_type = lines["toleranceType"].to_numpy().astype(str)[sel]
    tol_val = lines["toleranceValue"].fill_null(0).to_numpy()[sel]
    tol_abs = np.where(tol_type == "percent", qty * tol_val / 100, tol_val)
    # bulk lines deliver a little over or under; some beyond the agreed tolerance
    outside = bulk & (rng.random(len(sel)) < 0.12)
    dev = (
        np.where(
            outside,
            rng.choice([-1, 1], len(sel)) * rng.uniform(1.2, 2.0, len(sel)),
            rng.uniform(-0.9, 0.9, len(sel)),
        )
        * tol_abs
    )
    delivered = np.where(bulk, np.round(qty + dev, 3), qty)
    rows = np.repeat(np.arange(len(sel)), m)
    k = ranks(m)
    w = rng.uniform(0.5, 1.5, len(rows))
    wsum = np.bincount(rows, weights=w, minlength=len(sel))
    part = np.round(delivered[rows] * w / wsum[rows], 3)
    part = np.where(bulk[rows], part, np.floor(part))
    last = np.r_[rows[1:] != rows[:-1], True]
    psum = np.bincount(rows, weights=part, minlength=len(sel))
    part = np.where(last, np.round(part + (delivered - psum)[rows], 3), part)
    part = np.maximum(part, 0.01)
    o = l_order[sel][rows]
    o_t = orders["_t"].to_numpy()
    lead = rng.integers(3, 20, orders.height) * DAY
    gap = rng.integers(5, 25, orders.height) * DAY
    ship_t = office_time(rng, o_t[o] + lead[o] + (k - 1) * gap[o])
    delivering = o_status[o] == "delivering"
    keep = (ship_t <= tl.end) & ~(delivering & (k > 1) & (k == m[rows]))
    rows, k, part, o, ship_t = rows[keep], k[keep], part[keep], o[keep], ship_t[keep]
    key = pl.DataFrame({"o": o, "k": k, "t": ship_t, "r": rows}).with_row_index("i")
    key = key.sort(["t", "o", "k", "r"])
    ship_key = key.select((pl.col("o") * 10 + pl.col("k")).alias("s"))["s"].to_numpy()
    new_ship = np.r_[True, ship_key[1:] != ship_key[:-1]]
    ship_seq = np.cumsum(new_ship)
    first_of = np.flatnonzero(new_ship)
    line_no = np.arange(len(ship_seq)) - first_of[ship_seq - 1] + 1
    idx = key["i"].to_numpy()
    rows, k, part, o, ship_t = rows[idx], k[idx], part[idx], o[idx], ship_t[idx]
    # a shipment is one day: use the first line's time for the whole shipment
    ship_t = ship_t[first_of[ship_seq - 1]]
    n = len(rows)
    acc_row = orders["_account_row"].to_numpy()[o]
    comp = accounts["_company"].to_numpy()[acc_row]
    region = accounts["_region"].to_numpy().astype(str)[acc_row]
    prod = l_prod[sel][rows]
    is_mat = products["isBulk"].to_numpy()[prod]
    warehouse = np.where(
        is_mat,
        pick(rng, ("唐山钢材库", "日照港堆场", "武汉钢材库"), n),
        lookup(region, WAREHOUSE) if n else np.array([], dtype=str),
    )
    tracking = np.where(
        is_mat,
        cat("车牌", pick(rng, ("冀B", "鲁L", "鄂A", "沪D"), n), rng.integers(10000, 99999, n)),
        cat(pick(rng, ("SF", "ZTO", "JD"), n), rng.integers(10**11, 10**12 - 1, n)),
    )
    line_id = lines["id"].to_numpy()[sel][rows]
    df = pl.DataFrame(
        {
            "shipment_no": cat(
                "FH",
                as_date(ship_t).dt.strftime("%Y%m").to_numpy().astype(str),
                np.char.zfill(ship_seq.astype(str), 6),
            ),
            "line_no": line_no.astype(np.int64),
            "ship_date": as_date(ship_t),
            "customer_name": typer.type(rng, comp, 0.1),
            "crm_order_no": with_nulls(orders["orderNo"].to_numpy()[o], rng.random(n) < 0.02),
            "crm_order_line_id": with_nulls(pl.Series(line_id), rng.random(n) < 0.05),
            "material_code": products["productCode"].to_numpy()[prod],
            "quantity": np.round(part, 3),
            "unit": products["unit"].to_numpy()[prod],
            "warehouse": warehouse,
            "tracking_no": with_nulls(pl.Series(tracking), rng.random(n) < 0.1),
        }
    )
    world.tables["erp.shipments"] = df
    world.note("erp.shipments", [int(rng.integers(0, n))], "ship_date", "bad_rows", ["2025-02-30"])


def _invoices(world: World) -> None:
    rng = world.rng("erp.invoices")
    tl = world.tl
    inst = world.tables["crm.payment_installments"]
    orders = world.tables["crm.orders"]
    accounts = world.tables["crm.accounts"]
    companies = world.tables["_companies"]
    typer = world.tables["_typer"]
    main_line = world.tables["_orders_main_line"]["line"].to_numpy().astype(str)
    due = inst["dueDate"].cast(pl.Int32).to_numpy().astype(np.int64) * DAY
    inv_t = office_time(rng, due - rng.integers(0, 10, inst.height) * DAY)
    created = inst["createdAt"].to_numpy() // 1000 + 8 * 3600
    inv_t = np.maximum(inv_t, created)
    sel = np.flatnonzero(inv_t <= tl.end)
    o_row = np.searchsorted(orders["id"].to_numpy(), inst["orderId"].to_numpy()[sel])
    rate = np.where(main_line[o_row] == "service", 0.06, 0.13)
    incl = inst["amount"].to_numpy()[sel]
    acc_row = orders["_account_row"].to_numpy()[o_row]
    comp = accounts["_company"].to_numpy()[acc_row]
    t = inv_t[sel]
    n = len(sel)
    status = np.full(n, "正常")
    # red-letter reversals (红冲) and voided (作废) invoices, each followed by a reissue
    red = np.flatnonzero((rng.random(n) < 0.02) & (t + 20 * DAY < tl.end))
    void = np.flatnonzero((rng.random(n) < 0.005) & (t + 5 * DAY < tl.end))
    status[void] = "作废"
    src = np.concatenate([np.arange(n), red, red, void])
    kind = np.concatenate(
        [status, np.full(len(red), "红冲"), np.full(len(red), "正常"), np.full(len(void), "正常")]
    )
    sign = np.where(kind == "红冲", -1.0, 1.0)
    when = np.concatenate(
        [
            t,
            t[red] + rng.integers(5, 20, len(red)) * DAY,
            t[red] + rng.integers(20, 30, len(red)) * DAY,
            t[void] + rng.integers(1, 5, len(void)) * DAY,
        ]
    )
    when = np.minimum(when, tl.end - 3600)
    order = np.lexsort((src, when))
    src, kind, sign, when = src[order], kind[order], sign[order], when[order]
    m = len(src)
    incl_m = money(incl[src] * sign)
    ex = money(incl_m / (1 + rate[src]))
    uscc = companies["uscc"].to_numpy().astype(str)[comp[src]]
    e_no = cat(
        as_date(when).dt.strftime("%y").to_numpy().astype(str),
        "31",
        np.char.zfill(rng.integers(0, 10**12, m).astype(str), 12),
        np.char.zfill(np.arange(m).astype(str), 4),
    )
    is_digital = (when >= _month_start(2025, 12)) & (rng.random(m) < 0.9)
    df = pl.DataFrame(
        {
            "invoice_no": np.char.zfill(
                (24000000 + np.arange(1, m + 1) * 3 + rng.integers(0, 3, m)).astype(str), 8
            ),
            "invoice_date": as_date(when),
            "customer_name": typer.type(rng, comp[src], 0.05),
            "tax_id": with_nulls(pl.Series(uscc), rng.random(m) < 0.03),
            "crm_order_no": with_nulls(
                orders["orderNo"].to_numpy()[o_row][src], rng.random(m) < 0.05
            ),
            "amount_ex_tax": ex,
            "tax_amount": money(incl_m - ex),
            "amount_incl_tax": incl_m,
            "invoice_type": pick(rng, ("增值税专用发票", "增值税普通发票"), m, p=(0.8, 0.2)),
            "status": kind,
            "e_invoice_no": with_nulls(pl.Series(e_no), ~is_digital),
            "_t": as_ts(when),
        }
    )
    world.tables["erp.invoices"] = df
    world.note("erp.invoices", [int(rng.integers(0, m))], "amount_incl_tax", "bad_rows", ["N/A"])


def _month_start(y: int, m: int) -> int:
    from datetime import date

    from ._util import local_seconds

    return local_seconds(date(y, m, 1))


def _bank_receipts(world: World) -> None:
    rng = world.rng("erp.bank_receipts")
    tl = world.tl
    r = world.tables["crm.receipts"].filter(pl.col("bankTxnNo").is_not_null())
    accounts = world.tables["crm.accounts"]
    orders = world.tables["crm.orders"]
    typer = world.tables["_typer"]
    n = r.height
    comp = accounts["_company"].to_numpy()[r["_account_row"].to_numpy()]
    t = np.maximum(r["_t"].to_numpy() - rng.integers(0, 2, n) * DAY, tl.start)
    order_no = (
        orders["orderNo"]
        .to_numpy()
        .astype(str)[np.searchsorted(orders["id"].to_numpy(), r["orderId"].to_numpy())]
    )
    memo = np.where(
        rng.random(n) < 0.4,
        cat("货款 ", order_no),
        pick(rng, ("货款", "合同款", "设备款", "服务费", ""), n),
    )
    # transfers nobody has claimed in the CRM yet
    nu = world.n(60, 3)
    u_acc = rng.integers(0, accounts.height, nu)
    u_comp = accounts["_company"].to_numpy()[u_acc]
    u_t = tl.growing_times(rng, nu, 0.5, tl.start + 30 * DAY, tl.end)
    all_t = np.concatenate([t, u_t])
    all_comp = np.concatenate([comp, u_comp])
    order = np.argsort(all_t, kind="stable")
    m = n + nu
    claimed = np.arange(m) < n
    bank_no = np.concatenate(
        [
            r["bankTxnNo"].to_numpy().astype(str),
            cat(
                "BK",
                as_date(u_t).dt.strftime("%Y%m%d").to_numpy().astype(str),
                np.char.zfill(rng.integers(0, 10**9, nu).astype(str), 9),
            ),
        ]
    )
    amount = np.concatenate([np.abs(r["amount"].to_numpy()), money(rng.lognormal(11, 1.0, nu))])
    acct_no = cat("6222", np.char.zfill(rng.integers(0, 10**12, accounts.height).astype(str), 12))
    acc_row_all = np.concatenate([r["_account_row"].to_numpy(), u_acc])
    df = pl.DataFrame(
        {
            "bank_txn_no": bank_no[order],
            "txn_date": as_date(all_t[order]),
            "payer_name": typer.type(rng, all_comp[order], 0.15),
            "payer_account": with_nulls(
                pl.Series(acct_no[acc_row_all][order]), rng.random(m) < 0.05
            ),
            "amount": amount[order],
            "memo": np.concatenate([memo, pick(rng, ("货款", "往来款", "", "预付款"), nu)])[order],
            "claim_status": np.where(claimed[order], "已认领", "未认领"),
            "crm_receipt_no": with_nulls(
                pl.Series(
                    np.concatenate([r["receiptNo"].to_numpy().astype(str), np.full(nu, "")])[order]
                ),
                ~claimed[order],
            ),
            "_t": as_ts(all_t[order]),
        }
    )
    world.tables["erp.bank_receipts"] = df


def write(world: World, writer) -> None:
    end = f"{world.end_date:%Y%m%d}"
    writer.write_csv(
        "erp.products", f"erp/products/products_{end}.csv", world.tables["erp.products"]
    )
    writer.write_csv("erp.org", f"erp/org/org_{end}.csv", world.tables["erp.org"])
    ship = world.tables["erp.shipments"].with_columns(
        pl.col("ship_date").cast(pl.Datetime).alias("_t")
    )
    writer.write_csv_monthly(
        "erp.shipments",
        ship,
        "_t",
        "erp/shipments/shipments_{month}.csv",
        world.notes.get("erp.shipments", ()),
    )
    writer.write_csv_monthly(
        "erp.invoices",
        world.tables["erp.invoices"],
        "_t",
        "erp/invoices/invoices_{month}.csv",
        world.notes.get("erp.invoices", ()),
    )
    writer.write_csv_monthly(
        "erp.bank_receipts",
        world.tables["erp.bank_receipts"],
        "_t",
        "erp/bank_receipts/bank_receipts_{month}.csv",
    )
