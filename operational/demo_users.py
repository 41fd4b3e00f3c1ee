"""Demo logins mapped onto the demo data's CRM users and partners (demo only: one shared password).

Deterministic: the same demo data always gives the same mapping. rep1 and rep2 are two sales
reps of one team and manager1 is that team's manager (``users.manager_id``), so the row rules
can be tried out: rep1 cannot see rep2's leads, manager1 sees both.

Each demo login is seeded at most once per store: the first seeding writes an ``audit_log`` row
(table ``app_users``, action ``demo_seed``) naming it, and later seedings leave every name so
marked alone, so a demo login someone deleted, disabled or gave another role stays that way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session

from operational.auth import DEMO_PASSWORD, create_user
from operational.db import now_local
from operational.models import AppUser, AuditLog
from operational.reference import Reference

__all__ = ["DEMO_PASSWORD", "DemoUser", "demo_users", "seed_demo_users", "seeded_names"]

SEED_ACTION = "demo_seed"  # audit_log.action of the row that marks a demo login as seeded


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    display_name: str
    crm_user_id: int | None
    department_id: int | None
    partner_id: int | None = None


def _first(users: pl.DataFrame, position: str) -> dict:
    rows = users.filter(pl.col("position") == position).sort("user_id").head(1).to_dicts()
    if not rows:
        raise LookupError(f"the demo data has no user with position {position!r}")
    return rows[0]


def demo_users(reference: Reference) -> list[DemoUser]:
    """The demo logins for this reference data (users and partners of the published snapshot)."""
    users = reference.frame("users")
    partners = reference.frame("partners")
    if not users.height or not partners.height:
        raise LookupError(
            f"no CRM users / partners in {reference.source}: run `crmlake run` before seeding demo users"
        )
    users = users.filter(pl.col("is_active"))
    reps = users.filter(pl.col("position") == "sales_rep")
    team = (
        reps.group_by("manager_id").agg(pl.len().alias("n"), pl.col("user_id").sort().head(2).alias("two"))
        .filter(pl.col("n") >= 2)
        .sort("manager_id")
    )
    if not team.height:
        raise LookupError("the demo data has no sales manager with two reps")
    manager = users.filter(pl.col("user_id") == team["manager_id"][0]).to_dicts()[0]
    rep_rows = [users.filter(pl.col("user_id") == uid).to_dicts()[0] for uid in team["two"][0]]

    def login(username: str, role: str, user: dict) -> DemoUser:
        return DemoUser(username, role, f"{user['user_name']} ({username})", user["user_id"], user["department_id"])

    channel = _first(users, "channel_manager")
    own = partners.filter(pl.col("channel_manager_id") == channel["user_id"]).sort("partner_id")
    pick = (own if own.height >= 2 else partners.sort("partner_id")).head(2).to_dicts()
    return [
        login("admin", "admin", _first(users, "admin")),
        login("rep1", "sales_rep", rep_rows[0]),
        login("rep2", "sales_rep", rep_rows[1]),
        login("manager1", "sales_manager", manager),
        login("finance1", "finance", _first(users, "finance")),
        login("agent1", "service_agent", _first(users, "service_agent")),
        login("service_mgr1", "service_manager", _first(users, "service_manager")),
        login("pm1", "product_manager", _first(users, "product_manager")),
        login("channel1", "channel_manager", channel),
        *[
            DemoUser(f"partner{i}", "partner_user", f"{p['partner_name']} (partner{i})", None, None, p["partner_id"])
            for i, p in enumerate(pick, start=1)
        ],
    ]


def seeded_names(session: Session) -> set[str]:
    """Usernames the demo seeding has handled before in this store (created or found taken)."""
    rows = session.scalars(
        sa.select(AuditLog.after_json).where(AuditLog.table_name == AppUser.__tablename__,
                                             AuditLog.action == SEED_ACTION)
    )
    return {json.loads(row)["username"] for row in rows if row}


def _mark(session: Session, demo: DemoUser, user: AppUser, state: str) -> None:
    after = {"username": demo.username, "role": user.role, "crm_user_id": user.crm_user_id,
             "partner_id": user.partner_id, "demo": state == "created"}
    session.add(AuditLog(
        table_name=AppUser.__tablename__, record_id=user.id, action=SEED_ACTION, changed_by=None,
        changed_by_name="system", changed_at=now_local(), before_json=None,
        after_json=json.dumps(after, ensure_ascii=False, sort_keys=True),
        comment=(f"demo login {demo.username} created (password {DEMO_PASSWORD!r}, demo only)" if state == "created"
                 else f"login {demo.username} existed before this seeding: left as it is, never seeded"),
    ))


def seed_demo_users(session: Session, reference: Reference) -> list[tuple[DemoUser, str]]:
    """Create each demo login the first time only; returns each demo user with its state.

    ``created``: new now; ``kept``: seeded before, left exactly as it is now (deleted, disabled,
    password or role changed: never undone); ``taken``: a login of that name existed before the
    first seeding (a real one, or one an older version seeded), left alone and never seeded later.
    """
    done = seeded_names(session)
    out = []
    for demo in demo_users(reference):
        if demo.username in done:
            out.append((demo, "kept"))
            continue
        user = session.scalar(sa.select(AppUser).where(AppUser.username == demo.username))
        state = "taken" if user is not None else "created"
        if user is None:
            user = create_user(
                session, demo.username, DEMO_PASSWORD, demo.role, display_name=demo.display_name,
                crm_user_id=demo.crm_user_id, department_id=demo.department_id, partner_id=demo.partner_id,
                allow_demo_password=True,
            )
        _mark(session, demo, user, state)
        out.append((demo, state))
    session.flush()
    return out
