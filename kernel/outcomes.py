"""What each capability came to in a run: computed, a baseline, or not computed and why.

Python assets record their own outcome (:func:`record_outcome`) next to the tables they write;
the publish step turns those records plus the staging row counts into ``meta.entities`` (every
contract entity, delivered or not) and ``meta.capabilities`` (every capability of
:mod:`kernel.capabilities`), which ``crmlake status`` and the pipeline-status page show.
Missing input is not an error: the run publishes and says what it could not compute.
"""

from __future__ import annotations

import json
from typing import Literal

import duckdb

from kernel.capabilities import CAPABILITIES, capabilities_needing, capability
from kernel.contracts import load_contract

Status = Literal["computed", "baseline", "not_computed"]
STATUS_LABELS = {
    "computed": "computed 已计算",
    "baseline": "baseline 基线",
    "not_computed": "not computed 未计算",
    "not_run": "not run in this snapshot 未运行",
}


def staging_table(entity: str, existing: set[str] = frozenset()) -> str:
    """``crm.accounts`` -> the table holding its landing rows and store rows together: the
    unioned model (``intermediate.int_accounts_unioned``) where the store writes the entity too
    (dbt_project/models/intermediate/unioned), else its staging model (``staging.stg_crm__…``)."""
    system, name = entity.split(".", 1)
    unioned = f"intermediate.int_{name}_unioned"
    return unioned if unioned in existing else f"staging.stg_{system}__{name}"


def _existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables"
        " where table_catalog = current_database()"
    ).fetchall()
    return {r[0] for r in rows}


def staging_rows(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows in staging of every contract entity, store rows included (0 when its table does
    not exist yet)."""
    existing = _existing_tables(con)
    tables = {e: staging_table(e, existing) for e in load_contract()}
    counts: dict[str, int] = {}
    present = [e for e, table in tables.items() if table in existing]
    if present:
        union = " union all ".join(
            f"select '{e}' as entity, count(*) as n from {tables[e]}" for e in present
        )
        counts = dict(con.execute(union).fetchall())
    return {e: int(counts.get(e, 0)) for e in load_contract()}


def delivered_entities(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {e for e, n in staging_rows(con).items() if n > 0}


def missing_inputs(con: duckdb.DuckDBPyConnection, key: str) -> list[str]:
    """Why capability ``key`` cannot be computed from what staging holds (empty list: it can)."""
    return capability(key).missing(delivered_entities(con))


_OUTCOMES_DDL = """
create table if not exists meta.capability_outcomes (
    capability varchar primary key, status varchar, reason varchar, detail json, recorded_at timestamp
)
"""


def record_outcome(
    con: duckdb.DuckDBPyConnection, key: str, status: Status, reason: str = "", **detail: object
) -> None:
    """Remember what capability ``key`` came to in this run (one row per capability)."""
    capability(key)  # a typo in a key fails here, not silently in the status page
    con.execute("create schema if not exists meta")
    con.execute(_OUTCOMES_DDL)
    con.execute(
        "insert or replace into meta.capability_outcomes values (?, ?, ?, ?, current_localtimestamp())",
        [key, status, reason, json.dumps(detail, ensure_ascii=False, default=str)],
    )


def refresh_capability_tables(con: duckdb.DuckDBPyConnection) -> None:
    """``meta.entities`` and ``meta.capabilities`` from staging counts and recorded outcomes."""
    con.execute("create schema if not exists meta")
    con.execute(_OUTCOMES_DDL)
    rows = staging_rows(con)
    delivered = {e for e, n in rows.items() if n > 0}
    existing = _existing_tables(con)
    contract = load_contract()
    entity_rows = [
        (e, spec.system, spec.name, rows[e], rows[e] > 0, ", ".join(c.key for c in capabilities_needing(e)))
        for e, spec in contract.items()
    ]
    con.execute(
        "create or replace table meta.entities (entity varchar, system varchar, name varchar,"
        " staging_rows bigint, delivered boolean, needed_by varchar)"
    )
    con.executemany("insert into meta.entities values (?, ?, ?, ?, ?, ?)", entity_rows)

    recorded = {
        r[0]: r[1:]
        for r in con.execute("select capability, status, reason from meta.capability_outcomes").fetchall()
    }
    cap_rows = []
    for cap in CAPABILITIES:
        reasons = cap.missing(delivered)
        outputs = [t for t in cap.outputs if t in existing]
        output_rows = sum(con.execute(f"select count(*) from {t}").fetchone()[0] for t in outputs)
        if cap.python_asset:
            status, reason = recorded.get(cap.key, ("not_run", "its step has not run in this lakehouse"))
        elif reasons:
            status, reason = "not_computed", "; ".join(reasons)
        else:
            status, reason = "computed", ""
        if status == "not_computed" and cap.fallback:
            reason = f"{reason} (shows: {cap.fallback})" if reason else f"shows: {cap.fallback}"
        cap_rows.append((cap.key, cap.area, cap.label, status, reason, output_rows,
                         ", ".join(cap.needs), ", ".join(cap.outputs)))
    con.execute(
        "create or replace table meta.capabilities (capability varchar, area varchar, label varchar,"
        " status varchar, reason varchar, output_rows bigint, needs varchar, outputs varchar)"
    )
    con.executemany("insert into meta.capabilities values (?, ?, ?, ?, ?, ?, ?, ?)", cap_rows)
