"""Reference data the store reads from the published lakehouse snapshot (read-only).

Users and the department tree (row rules for managers), partners, products and price books
(entry forms), and the extracted accounts plus the business registry and the partner area's
company resolution (duplicate checks on new accounts). Loaded once per snapshot file and
modification time, so a new publish is picked up without a restart.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

log = logging.getLogger("crmlake.operational.reference")

TABLES = {
    "users": "staging.stg_crm__users",
    "departments": "staging.stg_crm__departments",
    "partners": "staging.stg_partners__partners",
    "accounts": "intermediate.int_accounts_unioned",
    "products": "staging.stg_crm__products",
    "price_books": "staging.stg_crm__price_books",
    "price_book_entries": "staging.stg_crm__price_book_entries",
    "registry": "staging.stg_partners__business_registry",
    "company_resolution": "partner.company_resolution",
}
# only the columns the store uses: the snapshot's staging tables carry lineage columns too
COLUMNS = {
    "users": "user_id, department_id, manager_id, user_name, position, is_active",
    "departments": "department_id, parent_department_id, department_name, department_type",
    "partners": "partner_id, partner_code, channel_manager_id, partner_name, tier, region, status",
    "accounts": "account_id, owner_id, partner_id, unified_social_credit_code, account_name, short_name, city",
    "products": "product_id, product_code, product_name, product_line, unit, is_active, list_price",
    "price_books": "price_book_id, department_id, price_book_name, is_standard, effective_from, effective_to",
    "price_book_entries": "price_book_entry_id, price_book_id, product_id, unit_price",
    "registry": "*",
    "company_resolution": "*",
}


@dataclass
class Reference:
    """Frames of reference data (empty frames where the snapshot lacks a table)."""

    frames: dict[str, pl.DataFrame] = field(default_factory=dict)
    source: str | None = None

    def __post_init__(self) -> None:
        for name in TABLES:
            self.frames.setdefault(name, pl.DataFrame())
        users = self.frames["users"]
        self._user_dept = (
            dict(zip(users["user_id"].to_list(), users["department_id"].to_list(), strict=True))
            if users.height
            else {}
        )
        depts = self.frames["departments"]
        self._children: dict[int, list[int]] = {}
        if depts.height:
            for dept, parent in zip(
                depts["department_id"].to_list(), depts["parent_department_id"].to_list(), strict=True
            ):
                self._children.setdefault(parent, []).append(dept)

    # -- loading
    @classmethod
    def from_duckdb(cls, path: str | Path) -> Reference:
        """Read the reference tables from a DuckDB file (read-only)."""
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(
                f"published snapshot {path} not found: run `crmlake run` (or `make run`) first"
            )
        frames: dict[str, pl.DataFrame] = {}
        with duckdb.connect(str(path), read_only=True) as con:
            present = {
                f"{s}.{t}"
                for s, t in con.execute(
                    "select table_schema, table_name from information_schema.tables"
                ).fetchall()
            }
            for name, table in TABLES.items():
                if table in present:
                    frames[name] = con.execute(f"select {COLUMNS[name]} from {table}").pl()
                else:
                    log.debug("reference table %s not in %s", table, path)
        return cls(frames=frames, source=str(path))

    @classmethod
    def load(cls, path: str | Path | None = None) -> Reference:
        """The published snapshot's reference data, cached per file and modification time."""
        if path is None:
            from kernel.settings import get_settings

            path = get_settings().published_database
        path = Path(path)
        key = (str(path), path.stat().st_mtime_ns if path.exists() else None)
        with _lock:
            cached = _cache.get(str(path))
            if cached is None or cached[0] != key:
                _cache[str(path)] = (key, cls.from_duckdb(path))
            return _cache[str(path)][1]

    # -- lookups
    def frame(self, name: str) -> pl.DataFrame:
        return self.frames[name]

    def user(self, user_id: int) -> dict | None:
        users = self.frames["users"]
        if not users.height:
            return None
        rows = users.filter(pl.col("user_id") == user_id).to_dicts()
        return rows[0] if rows else None

    def department_subtree(self, department_id: int | None) -> set[int]:
        """The department and every department below it."""
        if department_id is None:
            return set()
        seen, todo = set(), [department_id]
        while todo:
            dept = todo.pop()
            if dept in seen:
                continue
            seen.add(dept)
            todo.extend(self._children.get(dept, []))
        return seen

    def users_in_departments(self, department_ids: set[int]) -> set[int]:
        return {u for u, d in self._user_dept.items() if d in department_ids}

    def department_of(self, user_id: int | None) -> int | None:
        return self._user_dept.get(user_id) if user_id is not None else None

    def partners_of_channel_manager(self, user_id: int | None) -> set[int]:
        partners = self.frames["partners"]
        if user_id is None or not partners.height:
            return set()
        return set(partners.filter(pl.col("channel_manager_id") == user_id)["partner_id"].to_list())

    def partner(self, partner_id: int) -> dict | None:
        partners = self.frames["partners"]
        if not partners.height:
            return None
        rows = partners.filter(pl.col("partner_id") == partner_id).to_dicts()
        return rows[0] if rows else None

    def extracted_rows(self, model: str, sql_where: str, params: list) -> list[dict]:
        """Rows the extracts delivered (``source_system <> 'ops'``) of one unioned model
        (``intermediate.int_<entity>_unioned``) matching ``sql_where``, read-only from the snapshot.

        For store actions on one extracted record (a payment plan on a CRM order): a point lookup,
        not a frame kept in memory. No snapshot (or no such model) gives no rows."""
        if not self.source or not Path(self.source).exists() or not model.replace("_", "").isalnum():
            return []
        with duckdb.connect(self.source, read_only=True) as con:
            present = con.execute(
                "select count(*) from information_schema.tables where table_schema = 'intermediate' and table_name = ?",
                [model],
            ).fetchone()[0]
            if not present:
                return []
            cur = con.execute(
                f"select * from intermediate.{model} where source_system <> 'ops' and ({sql_where})", params
            )
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


_lock = threading.Lock()
_cache: dict[str, tuple[tuple, Reference]] = {}
