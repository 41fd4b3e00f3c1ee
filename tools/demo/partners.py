"""Partner portal: partners, deal registrations (报备), special prices, rebate policies and the
monthly sales reports each partner uploads as XLSX with its own column headers.

Registrations name the end customer as the partner typed it; sales reports broadly match the
vendor's orders through that partner, with a few quantity and price differences and lines left out.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import polars as pl

from kernel.contracts import entity

from . import vocab
from ._util import DAY, as_date, as_ts, cat, codes, money, office_time, pick, with_nulls
from .world import World

LINE_OF_PRODUCT_PREFIX = {"10": "hardware", "20": "software", "30": "service", "40": "material"}


def build(world: World) -> None:
    _registrations(world)
    _special_prices(world)
    _rebate_policies(world)
    _channel_funds(world)


def _registrations(world: World) -> None:
    rng = world.rng("partners.registrations")
    tl = world.tl
    opps = world.tables["crm.opportunities"]
    accounts = world.tables["crm.accounts"]
    companies = world.tables["_companies"]
    typer = world.tables["_typer"]
    partners = world.tables["partners.partners"]
    managers = partners["channel_manager_id"].to_numpy()
    with_p = np.flatnonzero(
        opps["partnerId"].is_not_null().to_numpy() & (rng.random(opps.height) < 0.8)
    )
    n1 = len(with_p)
    p_index = np.searchsorted(
        partners["partner_id"].to_numpy(), opps["partnerId"].to_numpy()[with_p]
    )
    opp_created = opps["createdAt"].to_numpy()[with_p] // 1000 + 8 * 3600
    comp1 = accounts["_company"].to_numpy()[
        np.clip(opps["_account_row"].to_numpy()[with_p], 0, accounts.height - 1)
    ]
    opp_status = opps["status"].to_numpy().astype(str)[with_p]
    status1 = np.where(
        opp_status == "won", "won", np.where(opp_status == "lost", "lost", "approved")
    )
    # registrations that never became an opportunity: prospects, some on a company another partner registered
    n2 = world.n(120, 6)
    conflict = rng.random(n2) < 0.15
    comp2 = np.where(
        conflict & (n1 > 0),
        comp1[rng.integers(0, max(n1, 1), n2)] if n1 else 0,
        rng.integers(0, companies.height, n2),
    )
    p2 = rng.integers(0, partners.height, n2)
    sub2 = tl.growing_times(rng, n2, 0.5, tl.start + 10 * DAY, tl.end)
    age2 = (tl.end - sub2) / DAY
    u = rng.random(n2)
    status2 = np.where(
        age2 < 7,
        "pending",
        np.where(
            u < 0.35,
            "rejected",
            np.where(age2 > 90, "expired", np.where(u < 0.7, "approved", "rejected")),
        ),
    )
    status2 = np.where(conflict & (status2 == "approved"), "rejected", status2)
    comp = np.concatenate([comp1, comp2])
    p_row = np.concatenate([p_index, p2])
    submitted = office_time(
        rng,
        np.concatenate([np.maximum(opp_created - rng.integers(1, 10, n1) * DAY, tl.start), sub2]),
    )
    submitted = np.minimum(submitted, tl.end - 3600)
    status = np.concatenate([status1, status2])
    n = n1 + n2
    decided = np.isin(status, ["approved", "won", "lost", "expired"])
    approved_at = np.minimum(submitted + rng.integers(2 * 3600, 3 * DAY, n), tl.end)
    line = np.where(
        rng.random(n) < 0.7,
        companies["pref_line"].to_numpy().astype(str)[comp],
        pick(rng, ("hardware", "software", "service"), n),
    )
    est = np.concatenate(
        [
            opps["amount"].to_numpy()[with_p] * rng.uniform(0.8, 1.3, n1),
            rng.lognormal(12.5, 1.0, n2),
        ]
    )
    order = np.argsort(submitted, kind="stable")
    opp_id = np.concatenate([opps["id"].to_numpy()[with_p], np.zeros(n2, dtype=np.int64)])
    df = pl.DataFrame(
        {
            "registration_id": cat(
                "DR",
                as_ts(submitted).dt.strftime("%Y%m").to_numpy().astype(str),
                np.char.zfill(np.arange(1, n + 1).astype(str), 5),
            ),
            "partner_id": partners["partner_id"].to_numpy()[p_row],
            "customer_name": typer.type(rng, comp, 0.4, kinds_p=(0.0, 0.15, 0.2, 0.15, 0.35, 0.15)),
            "product_line": line,
            "estimated_amount": np.round(est, -3),
            "expected_close_date": as_date(submitted + rng.integers(30, 150, n) * DAY),
            "submitted_at": as_ts(submitted),
            "status": status,
            "approved_at": as_ts(approved_at, ~decided),
            "approved_by": with_nulls(pl.Series(managers[p_row]), ~decided),
            "protection_days": pick(rng, (90, 90, 90, 60, 180), n).astype(np.int64),
            "crm_opportunity_id": with_nulls(pl.Series(opp_id), opp_id == 0),
            "_submitted": submitted,
        }
    )
    # ids follow submission order, as the portal numbers them
    df = df[order].with_columns(
        pl.Series(
            "registration_id",
            cat(
                "DR",
                as_ts(submitted[order]).dt.strftime("%Y%m").to_numpy().astype(str),
                np.char.zfill(np.arange(1, n + 1).astype(str), 5),
            ),
        )
    )
    world.tables["partners.deal_registrations"] = df


def _special_prices(world: World) -> None:
    rng = world.rng("partners.special_prices")
    tl = world.tl
    reg = world.tables["partners.deal_registrations"]
    products = world.tables["crm.products"]
    sel = np.flatnonzero(
        reg["status"].is_in(["approved", "won", "lost"]).to_numpy()
        & (rng.random(reg.height) < 0.45)
    )
    n = len(sel)
    line = reg["product_line"].to_numpy().astype(str)[sel]
    p_line = products["productLine"].to_numpy().astype(str)
    prod = np.zeros(n, dtype=np.int64)
    for ln in np.unique(line):
        cand = np.flatnonzero(p_line == ln)
        m = line == ln
        prod[m] = cand[rng.integers(0, len(cand), m.sum())]
    list_price = products["listPrice"].to_numpy()[prod]
    requested = money(list_price * rng.uniform(0.6, 0.88, n))
    requested_at = np.minimum(
        reg["_submitted"].to_numpy()[sel] + rng.integers(1, 20, n) * DAY, tl.end - 3600
    )
    age = (tl.end - requested_at) / DAY
    u = rng.random(n)
    status = np.where(age < 3, "pending", np.where(u < 0.7, "approved", "rejected"))
    approved_price = np.where(
        status == "approved",
        money(requested + (list_price - requested) * rng.uniform(0, 0.5, n)),
        np.nan,
    )
    decided = requested_at + rng.integers(3600, 4 * DAY, n)
    unit = products["unit"].to_numpy().astype(str)[prod]
    qty = np.where(
        np.isin(unit, ["t"]),
        np.round(rng.lognormal(5, 0.7, n)),
        np.ceil(rng.lognormal(1.5, 0.8, n)),
    )
    df = pl.DataFrame(
        {
            "request_id": codes("SP", np.arange(1, n + 1), 6),
            "partner_id": reg["partner_id"].to_numpy()[sel],
            "registration_id": with_nulls(
                pl.Series(reg["registration_id"].to_numpy()[sel]), rng.random(n) < 0.05
            ),
            "product_code": products["productCode"].to_numpy()[prod],
            "quantity": money(qty),
            "list_price": money(list_price),
            "requested_price": requested,
            "approved_price": with_nulls(
                pl.Series(np.nan_to_num(approved_price)), status != "approved"
            ),
            "status": status,
            "requested_at": as_ts(requested_at),
            "decided_at": as_ts(np.minimum(decided, tl.end), status == "pending"),
            "valid_until": as_date(decided + 90 * DAY, status != "approved"),
        }
    )
    world.tables["partners.special_prices"] = df.sort("requested_at")


def _channel_funds(world: World) -> None:
    """Market fund (市场基金) lines for about a quarter of the partner-months and, each quarter's
    last month, a promotion subsidy (促销补贴) per unit for every partner on the product it ordered
    most that month (else the product partners order most), so subsidies pay on real purchases
    (docs/partner.md, settlement to payout)."""
    rng = world.rng("partners.channel_funds")
    partners = world.tables["partners.partners"]["partner_id"].to_numpy()
    products = world.tables["crm.products"].select(pl.col("id").alias("productId"), "productCode")
    partner_orders = (world.tables["crm.orders"].filter(pl.col("partnerId").is_not_null())
                      .select(pl.col("id").alias("orderId"), pl.col("partnerId"),
                              pl.col("orderDate").cast(pl.Utf8).str.slice(0, 7).alias("period")))
    bought = (world.tables["crm.order_lines"].join(partner_orders, on="orderId").join(products, on="productId")
              .group_by("partnerId", "period", "productCode").agg(pl.col("quantity").cast(pl.Float64).sum())
              .sort(["quantity", "productCode"], descending=[True, False]))
    favourite = {(int(r["partnerId"]), r["period"]): str(r["productCode"])
                 for r in bought.unique(["partnerId", "period"], keep="first", maintain_order=True).to_dicts()}
    overall = bought.group_by("productCode").agg(pl.col("quantity").sum()).sort(["quantity", "productCode"],
                                                                                 descending=[True, False])
    top = str(overall["productCode"][0]) if overall.height else str(products["productCode"][0])
    rows = []
    for month in world.tl.months:
        at = datetime(month.year, month.month, 1, 10, 0)
        for pid in partners[rng.random(len(partners)) < 0.25]:
            amount = float(round(rng.choice([2000, 3000, 5000, 8000]) * rng.uniform(0.8, 1.2), -2))
            rows.append(("market_fund", int(pid), month.label, "市场活动费用 marketing activity", None, amount, None, at))
        if month.month % 3 == 0:
            unit = float(rng.choice([10, 20, 50]))
            for pid in partners:
                product = favourite.get((int(pid), month.label), top)
                rows.append(("promotion_subsidy", int(pid), month.label, f"季末促销 {product}", product, None, unit, at))
    world.tables["partners.channel_funds"] = pl.DataFrame(
        {
            "fund_id": codes("CF", np.arange(1, len(rows) + 1), 6),
            "partner_id": pl.Series([r[1] for r in rows], dtype=pl.Int64),
            "fund_type": [r[0] for r in rows],
            "period": [r[2] for r in rows],
            "description": [r[3] for r in rows],
            "amount": pl.Series([r[5] for r in rows], dtype=pl.Float64),
            "product_code": pl.Series([r[4] for r in rows], dtype=pl.Utf8),
            "unit_subsidy": pl.Series([r[6] for r in rows], dtype=pl.Float64),
            "approved_at": pl.Series([r[7] for r in rows], dtype=pl.Datetime),
        }
    )


def _rebate_policies(world: World) -> None:
    tl = world.tl
    from datetime import date, timedelta

    start = tl.start_date
    new_year = date(tl.end_date.year, 1, 1)
    rows = []
    specs = [
        (
            "RB-GOLD",
            "金牌伙伴季度返点",
            "quarter",
            "retroactive",
            "gold",
            ((0, 1e6, 0.01), (1e6, 3e6, 0.02), (3e6, None, 0.03)),
            start,
            new_year - timedelta(days=1),
        ),
        (
            "RB-GOLD-26",
            "金牌伙伴季度返点（新）",
            "quarter",
            "retroactive",
            "gold",
            ((0, 1.5e6, 0.01), (1.5e6, 4e6, 0.025), (4e6, None, 0.035)),
            new_year,
            None,
        ),
        (
            "RB-SILVER",
            "银牌伙伴季度返点",
            "quarter",
            "marginal",
            "silver",
            ((0, 5e5, 0.005), (5e5, 2e6, 0.015), (2e6, None, 0.025)),
            start,
            None,
        ),
        (
            "RB-BRONZE",
            "铜牌伙伴年度返点",
            "year",
            "marginal",
            "bronze",
            ((0, 1e6, 0.0), (1e6, None, 0.01)),
            start,
            None,
        ),
        (
            "RB-MONTH",
            "月度冲量激励",
            "month",
            "retroactive",
            None,
            ((0, 3e5, 0.0), (3e5, 8e5, 0.01), (8e5, None, 0.02)),
            start,
            None,
        ),
    ]
    for code, name, period, sem, tier, tiers, frm, to in specs:
        for i, (lo, hi, rate) in enumerate(tiers, start=1):
            rows.append((code, name, period, sem, i, lo, hi, rate, frm, to, tier))
    world.tables["partners.rebate_policies"] = pl.DataFrame(
        {
            "policy_code": [r[0] for r in rows],
            "policy_name": [r[1] for r in rows],
            "period_type": [r[2] for r in rows],
            "semantics": [r[3] for r in rows],
            "tier_no": pl.Series([r[4] for r in rows], dtype=pl.Int64),
            "threshold_from": pl.Series([float(r[5]) for r in rows]),
            "threshold_to": pl.Series([r[6] for r in rows], dtype=pl.Float64),
            "rate": pl.Series([r[7] for r in rows]),
            "effective_from": pl.Series([r[8] for r in rows], dtype=pl.Date),
            "effective_to": pl.Series([r[9] for r in rows], dtype=pl.Date),
            "partner_tier": pl.Series([r[10] for r in rows], dtype=pl.Utf8),
        }
    )


# ---------------------------------------------------------------- monthly sales reports (XLSX)
def _report_lines(world: World) -> pl.DataFrame:
    """What partners report: their sales through the vendor's partner orders, imperfectly."""
    rng = world.rng("partners.sales_reports")
    tl = world.tl
    orders, lines, products, accounts, typer = world.order_tables()
    partners = world.tables["partners.partners"]
    o = lines["_order"].to_numpy()
    live = (
        orders["partnerId"].is_not_null().to_numpy()[o]
        & (orders["status"] != "cancelled").to_numpy()[o]
    )
    sel = np.flatnonzero(live & (rng.random(len(o)) > 0.04))  # a few lines never reported
    o = o[sel]
    n = len(sel)
    sale_t = np.minimum(orders["_t"].to_numpy()[o] + rng.integers(0, 10, n) * DAY, tl.end)
    prod = lines["_prod"].to_numpy()[sel]
    qty = lines["quantity"].to_numpy()[sel]
    price = lines["unitPrice"].to_numpy()[sel]
    qty_diff = rng.random(n) < 0.05
    price_diff = rng.random(n) < 0.05
    qty_r = np.where(qty_diff, np.maximum(np.round(qty * rng.uniform(0.8, 1.2, n), 0), 1), qty)
    price_r = np.where(price_diff, money(price * rng.uniform(0.9, 1.1, n)), price)
    comp = accounts["_company"].to_numpy()[orders["_account_row"].to_numpy()[o]]
    partner_id = orders["partnerId"].to_numpy()[o]
    p_row = np.searchsorted(partners["partner_id"].to_numpy(), partner_id)
    order_no = orders["orderNo"].to_numpy().astype(str)[o]
    ref = np.where(
        rng.random(n) < 0.75,
        order_no,
        np.where(rng.random(n) < 0.5, cat("PO-", rng.integers(10000, 99999, n)), ""),
    )
    df = pl.DataFrame(
        {
            "_p_row": p_row,
            "_t": sale_t,
            "sale_date": as_date(sale_t),
            "end_customer_name": typer.type(
                rng, comp, 0.45, kinds_p=(0.0, 0.15, 0.2, 0.1, 0.4, 0.15)
            ),
            "product_code": products["productCode"].to_numpy()[prod],
            "product_name": products["productName"].to_numpy()[prod],
            "quantity": money(qty_r),
            "unit_price": money(price_r),
            "amount": money(qty_r * price_r),
            "order_ref": ref,
            "_mismatch": np.where(qty_diff, "quantity", np.where(price_diff, "unit_price", "")),
            "_line_id": lines["id"].to_numpy()[sel],
        }
    )
    return df.with_columns(pl.col("sale_date").dt.strftime("%Y-%m").alias("_month")).sort(
        ["_p_row", "_month", "_t", "_line_id"]
    )


def _partner_layout(rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """A partner's own columns: (contract field or extra column) names and the headers it writes."""
    spec = entity("partners.sales_reports")
    fields = [f.name for f in spec.fields]
    headers = {
        f.name: f.synonyms[int(rng.integers(0, len(f.synonyms)))] if f.synonyms else f.name
        for f in spec.fields
    }
    order = fields.copy()
    if rng.random() < 0.5:
        rest = order[1:]
        rng.shuffle(rest)
        order = [order[0], *rest]
    extras = [x for x in vocab.PARTNER_EXTRA_HEADERS if rng.random() < 0.3]
    cols = order + [f"+{x}" for x in extras]
    return cols, [headers[c] if not c.startswith("+") else c[1:] for c in cols]


def write(world: World, writer) -> None:
    end = f"{world.end_date:%Y%m%d}"
    partners = world.tables["partners.partners"]
    writer.write_csv("partners.partners", f"partners/partners/partners_{end}.csv", partners)
    reg = world.tables["partners.deal_registrations"]
    writer.write_csv_monthly(
        "partners.deal_registrations",
        reg,
        "submitted_at",
        "partners/deal_registrations/registrations_{month}.csv",
    )
    writer.write_csv_monthly(
        "partners.special_prices",
        world.tables["partners.special_prices"],
        "requested_at",
        "partners/special_prices/special_prices_{month}.csv",
    )
    writer.write_csv(
        "partners.rebate_policies",
        f"partners/rebate_policies/rebate_policies_{end}.csv",
        world.tables["partners.rebate_policies"],
    )
    writer.write_csv(
        "partners.channel_funds",
        f"partners/channel_funds/channel_funds_{end}.csv",
        world.tables["partners.channel_funds"],
    )
    lines = _report_lines(world)
    codes_ = partners["partner_code"].to_numpy().astype(str)
    bad_done = False
    mid_month = world.tl.months[len(world.tl.months) // 2].label
    rng = world.rng("partners.layouts")
    layouts = [_partner_layout(rng) for _ in range(partners.height)]
    date_as_cell = rng.random(partners.height) < 0.5
    for (p_row, month), part in lines.group_by(["_p_row", "_month"], maintain_order=True):
        cols, headers = layouts[int(p_row)]
        rel = f"partners/sales_reports/{codes_[int(p_row)]}/{month}.xlsx"
        data = part.with_columns(pl.Series("line_no", np.arange(1, part.height + 1)))
        columns = {}
        for c in cols:
            if c.startswith("+"):
                columns[c] = (
                    [None] * part.height
                    if c != "+备注"
                    else ["" if i % 3 else "含运费" for i in range(part.height)]
                )
            elif c == "sale_date":
                d = data["sale_date"].to_list()
                columns[c] = (
                    [datetime(x.year, x.month, x.day) for x in d]
                    if date_as_cell[int(p_row)]
                    else [x.isoformat() for x in d]
                )
            else:
                columns[c] = data[c].to_list()
        rows = list(zip(*columns.values(), strict=True))
        bad = []
        if not bad_done and part.height >= 2 and month >= mid_month:
            bad = [(1, cols.index("quantity"), "十", "quantity")]
            bad_done = True
        mism = part["_mismatch"].to_list()
        for i, kind in enumerate(mism):
            if kind:
                writer.add_dirt("partner_report_differences", f"{rel}:{i + 1}:{kind}")
        writer.write_xlsx("partners.sales_reports", rel, headers, rows, part.height, bad_cells=bad)
