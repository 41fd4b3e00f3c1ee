"""What reps are measured and paid on: monthly sales targets, commission plans and their rules,
and the effective-dated assignment of reps to plans (including a plan revised mid-history).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from .._util import DAY, as_date, local_seconds, money
from ..world import World
from .catalogue import LINES
from .org import admin_id
from .records import record_fields


def targets_and_commission(world: World) -> None:
    rng = world.rng("crm.targets")
    tl = world.tl
    users = world.tables["crm.users"]
    reps = users.filter(pl.col("position").is_in(["sales_rep", "sales_manager"]))
    admin = admin_id(world)
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
            **record_fields(
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
            **record_fields(
                plan_ids, "commissionPlan", np.full(npn, admin), p_created, p_created + DAY
            ),
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
            **record_fields(
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
            **record_fields(
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
    return local_seconds(date(y, m, d))
