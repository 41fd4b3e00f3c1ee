"""Who owns the CRM records: departments, users and the partner master.

Built first because every later table points at these ids: records belong to reps, reps sit in
regional sales teams, accounts and opportunities name channel partners. Users carry the latent
skill and speed (``_skill``, ``_speed``) that drive the funnel. The partner master is the
partner portal's table, but it is made here, before the accounts that reference it. The lookups
other CRM modules make in the organisation (the admin, the reps of a region) live here too.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .. import vocab
from .._util import DAY, as_date, cat, codes, mobiles, person_names, pick
from ..names import build_companies
from ..world import World
from .records import last_modified, nullable_int, record_fields

REGION_WEIGHTS = {"华东": 0.35, "华北": 0.25, "华南": 0.25, "中西部": 0.15}


def departments_and_users(world: World) -> None:
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
    updated = np.where(leaver, leave_at, last_modified(rng, created, tl.end, 0.05, 60))
    names = person_names(rng, n_users)
    mgr = np.array([u["manager"] if u["manager"] is not None else -1 for u in users])
    df = pl.DataFrame(
        {
            **record_fields(user_ids, "user", np.full(n_users, user_ids[admin]), created, updated),
            "name": names,
            "employeeCode": codes("E", 1001 + np.arange(n_users), 5),
            "dimDepart": pl.Series(dept_ids[[u["dept"] for u in users]]),
            "managerId": nullable_int(user_ids[np.maximum(mgr, 0)], mgr >= 0),
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
    d_updated = last_modified(rng, d_created, tl.end, 0.05, 200)
    parent = np.array([d["parent"] if d["parent"] is not None else -1 for d in depts])
    world.tables["crm.departments"] = pl.DataFrame(
        {
            **record_fields(
                dept_ids, "department", np.full(len(depts), user_ids[admin]), d_created, d_updated
            ),
            "departName": [d["name"] for d in depts],
            "departCode": [d["code"] for d in depts],
            "parentDepartId": nullable_int(dept_ids[np.maximum(parent, 0)], parent >= 0),
            "departType": [d["type"] for d in depts],
            "_region": pl.Series([d["region"] for d in depts], dtype=pl.Utf8),
        }
    )


def users_where(world: World, position: str) -> pl.DataFrame:
    u = world.tables["crm.users"]
    return u.filter(pl.col("position") == position)


def admin_id(world: World) -> int:
    return int(users_where(world, "admin")["id"][0])


def _reps_by_region(world: World) -> dict[str, np.ndarray]:
    reps = users_where(world, "sales_rep")
    return {r: reps.filter(pl.col("_region") == r)["id"].to_numpy() for r in vocab.REGIONS}


def rep_in_region(rng, world: World, regions: np.ndarray) -> np.ndarray:
    by_region = _reps_by_region(world)
    out = np.zeros(len(regions), dtype=np.int64)
    for r, ids in by_region.items():
        sel = regions == r
        out[sel] = ids[rng.integers(0, len(ids), sel.sum())]
    return out


# ---------------------------------------------------------------- partner master (ids used by CRM)
def partner_master(world: World) -> None:
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
