"""Who a recipient token means for one record: the owner, their managers, a team lead, a role.

People come from the published snapshot (CRM users with e-mail and manager, the call center's
team leads, partners' channel managers) and logins from the store (roles, partner users). A
token that finds nobody gives nobody; the rule's fallback recipients then apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import sqlalchemy as sa
from sqlalchemy.orm import Session

from operational.alerts import Recipient
from operational.models import AppUser


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    return bool(con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                            [schema, name]).fetchone()[0])


@dataclass
class Directory:
    users: dict[int, dict] = field(default_factory=dict)  # CRM user id -> name, email, manager_id
    team_leads: dict[str, list[int]] = field(default_factory=dict)  # team -> CRM user ids
    channel_managers: dict[int, int] = field(default_factory=dict)  # partner id -> CRM user id
    logins: list[AppUser] = field(default_factory=list)

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, session: Session) -> Directory:
        d = cls()
        if table_exists(con, "staging.stg_crm__users"):
            for uid, name, email, manager, active in con.execute(
                    "select user_id, user_name, email, manager_id, is_active from staging.stg_crm__users").fetchall():
                d.users[uid] = {"name": name, "email": email, "manager_id": manager, "active": active}
        if table_exists(con, "staging.stg_callcenter__agents"):
            for team, crm_user in con.execute(
                    "select team, crm_user_id from staging.stg_callcenter__agents "
                    "where role = 'team_lead' and crm_user_id is not null order by agent_id").fetchall():
                d.team_leads.setdefault(team, []).append(crm_user)
        if table_exists(con, "staging.stg_partners__partners"):
            d.channel_managers = dict(con.execute(
                "select partner_id, channel_manager_id from staging.stg_partners__partners "
                "where channel_manager_id is not null").fetchall())
        d.logins = list(session.scalars(sa.select(AppUser).where(AppUser.is_active.is_(True)).order_by(AppUser.id)))
        return d

    def person(self, crm_user_id: int | None) -> Recipient | None:
        if crm_user_id is None:
            return None
        user = self.users.get(crm_user_id, {})
        if user and user.get("active") is False:
            return None
        return Recipient(f"crm:{crm_user_id}", user.get("name"), user.get("email"))

    def managers(self, crm_user_id: int | None, levels: int) -> list[Recipient]:
        out, seen, current = [], {crm_user_id}, crm_user_id
        for _ in range(levels):
            manager = self.users.get(current, {}).get("manager_id")
            if manager is None or manager in seen:
                break
            seen.add(manager)
            person = self.person(manager)
            if person:
                out.append(person)
            current = manager
        return out

    def login(self, user: AppUser) -> Recipient:
        """A login as a recipient; its e-mail is its CRM user's (logins have none of their own)."""
        return Recipient(f"login:{user.id}", user.display_name, self.users.get(user.crm_user_id, {}).get("email"))

    def role(self, role: str) -> list[Recipient]:
        return [self.login(u) for u in self.logins if u.role == role]

    def approvers(self, role: str, owner_id: int | None) -> list[Recipient]:
        """Logins of ``role`` among the owner's managers (their own manager decides), else all of the role."""
        chain = {int(p.key.removeprefix("crm:")) for p in self.managers(owner_id, 20)}
        mine = [u for u in self.logins if u.role == role and u.crm_user_id in chain]
        if not mine:
            return self.role(role)
        return [self.login(u) for u in mine]

    def resolve(self, tokens: list[str], record: dict, chain_levels: int) -> list[Recipient]:
        """The people ``tokens`` name for ``record`` (keys owner_id, team, partner_id, approver_role)."""
        found: list[Recipient] = []
        for token in tokens:
            if token == "owner":
                found += [p for p in [self.person(record.get("owner_id"))] if p]
            elif token == "manager":
                found += self.managers(record.get("owner_id"), 1)
            elif token == "manager_chain":
                found += self.managers(record.get("owner_id"), chain_levels)
            elif token == "team_lead":
                found += [p for p in map(self.person, self.team_leads.get(record.get("team"), [])) if p]
            elif token == "channel_manager":
                found += [p for p in [self.person(self.channel_managers.get(record.get("partner_id")))] if p]
            elif token == "approver":
                found += self.role(record.get("approver_role") or "")
            elif token.startswith("role:"):
                found += self.role(token.removeprefix("role:"))
        unique: dict[str, Recipient] = {}
        for person in found:
            unique.setdefault(person.key, person)
        return list(unique.values())
