"""What each capability needs, and what the models do on thin history: hand-worked cases."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pandas as pd
import pytest

from kernel.capabilities import CAPABILITIES, capabilities_needing, capability, disabled_by
from kernel.contracts import load_contract
from kernel.outcomes import record_outcome, refresh_capability_tables
from models_ml import payment_delay
from models_ml import win_probability as wp


def test_every_named_entity_is_in_the_contract():
    contract = load_contract()
    for cap in CAPABILITIES:
        unknown = [e for e in cap.all_entities() if e not in contract]
        assert not unknown, f"{cap.key} names entities the contract lacks: {unknown}"


def test_needs_are_upstream_of_the_outputs(dbt_manifest):
    """A capability computed by dbt cannot need an entity its marts never read (lineage check)."""
    manifest = json.loads(dbt_manifest.read_text(encoding="utf-8"))
    parents = manifest["parent_map"]
    by_name = {
        f"{n['schema']}.{n['name']}": key
        for key, n in manifest["nodes"].items() if n["resource_type"] == "model"
    }

    def upstream(node: str, seen: set[str]) -> set[str]:
        for parent in parents.get(node, []):
            if parent not in seen:
                seen.add(parent)
                upstream(parent, seen)
        return seen

    checked = 0
    for cap in CAPABILITIES:
        nodes = [by_name[t] for t in cap.outputs if t in by_name]
        if cap.python_asset or not nodes:
            continue
        checked += 1
        lineage = set().union(*(upstream(n, set()) for n in nodes))
        staged = {k.rsplit(".", 1)[1] for k in lineage if ".stg_" in k}
        for entity in cap.needs:
            system, name = entity.split(".")
            assert f"stg_{system}__{name}" in staged, f"{cap.key} needs {entity} but its marts never read it"
    assert checked >= 12  # every dbt-computed capability was found in the manifest


def test_missing_names_every_absent_need():
    commission = capability("finance.commission")
    assert commission.missing({"crm.users", "crm.orders"}) == [
        "crm.commission_plans not delivered", "crm.commission_plan_rules not delivered",
    ]
    qa = capability("service.qa")
    assert qa.missing(set()) == ["none of callcenter.transcripts, callcenter.call_records delivered"]
    assert qa.missing({"callcenter.call_records"}) == []


def test_a_call_center_only_delivery_keeps_sla_and_loses_finance():
    disabled = disabled_by({"callcenter.tickets", "callcenter.ticket_events"})
    assert "service.ticket_sla" not in disabled
    assert disabled["finance.receivables"] == ["crm.payment_installments not delivered"]
    assert "service.ticket_sla" in {c.key for c in capabilities_needing("callcenter.ticket_events")}


def test_capability_tables_from_staging_and_recorded_outcomes():
    con = duckdb.connect()
    con.execute("create schema staging")
    con.execute("create table staging.stg_callcenter__tickets as select 'T1' as ticket_no")
    con.execute("create table staging.stg_callcenter__ticket_events as select 'E1' as event_id")
    con.execute("create table staging.stg_crm__opportunities as select 1 as id where false")  # present, empty
    record_outcome(con, "sales.win_probability", "baseline", "no opportunities")
    refresh_capability_tables(con)
    caps = {r[0]: r[1:] for r in con.execute("select capability, status, reason from meta.capabilities").fetchall()}
    assert caps["service.ticket_sla"] == ("computed", "")
    assert caps["sales.pipeline"] == ("not_computed", "crm.opportunities not delivered")
    assert caps["sales.win_probability"] == ("baseline", "no opportunities")
    assert caps["finance.payment_risk"][0] == "not_run"
    entities = dict(con.execute("select entity, delivered from meta.entities").fetchall())
    assert entities["callcenter.tickets"] and not entities["crm.opportunities"]
    assert len(entities) == len(load_contract())
    with pytest.raises(KeyError, match="unknown capability"):
        record_outcome(con, "sales.win_probabilty", "computed")


# ---------------------------------------------------------------- payment risk on thin history

AS_OF = dt.date(2026, 10, 31)
# id, due, status, days_late (paid: days after due; else as of), open amount
INSTALLMENTS = [
    (1, "2026-01-10", "paid", 45, 0),  # paid 45 days late: late (>30)
    (2, "2026-02-10", "paid", 0, 0),  # on time
    (3, "2026-03-10", "paid", 10, 0),  # 10 days late: not late30
    (4, "2026-09-15", "overdue", 46, 5000),  # unpaid 46 days after due: late30, still open
    (5, "2026-11-30", "open", 0, 8000),  # not due yet: unknown
    (6, "2026-10-20", "overdue", 11, 3000),  # unpaid 11 days: not settled yet
]


def _installments_db() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema finance")
    frame = pd.DataFrame(
        [
            {"installment_id": i, "account_id": 1, "account_name": "客户甲", "owner_id": 7, "owner_name": "王",
             "department_name": "华东", "contract_no": "HT1", "order_no": "SO1", "batch_no": i,
             "installment_count": 6, "amount": 10000.0, "open_amount": float(open_), "due_date": dt.date.fromisoformat(due),
             "status": status, "days_late": days, "as_of_date": AS_OF}
            for i, due, status, days, open_ in INSTALLMENTS
        ]
    )
    con.register("frame", frame)
    con.execute("create table finance.installments as select * from frame")
    return con


def test_payment_risk_falls_back_to_the_base_rate():
    frame = payment_delay.features(_installments_db())
    # settled: 1 late, 2 on time, 3 on time, 4 late -> 2 late, 2 on time
    assert payment_delay.readiness(frame) == (
        "2 installments paid more than 30 days late and 2 on time are settled; "
        "the model needs at least 10 of each"
    )
    scores = payment_delay.score_base_rate(frame)
    assert sorted(scores["installment_id"]) == [4, 5, 6]  # every installment not paid
    assert set(scores["late30_probability"]) == {0.5}  # 2 late of 4 settled
    assert set(scores["risk_band"]) == {"medium 中"}
    assert set(scores["model_version"]) == {"baseline: base rate"}


def test_payment_risk_base_rate_is_unknown_without_any_settled_installment():
    con = _installments_db()
    con.execute("delete from finance.installments where installment_id in (1, 2, 3, 4)")
    scores = payment_delay.score_base_rate(payment_delay.features(con))
    assert scores["late30_probability"].isna().all()
    assert set(scores["risk_band"]) == {"unknown 未知"}


# ---------------------------------------------------------------- win probability on thin history

def test_win_probability_needs_ten_won_and_ten_lost_deals():
    def labelled(won: int, lost: int) -> pd.DataFrame:
        ids = range(won + lost)
        # two weekly snapshots per deal: readiness counts deals, not snapshots
        return pd.DataFrame({"opportunity_id": [*ids, *ids], "won": [int(i < won) for i in ids] * 2})

    assert wp.readiness(labelled(3, 2)) == (
        "3 won and 2 lost deals in the history; the model needs at least 10 of each"
    )
    assert wp.readiness(labelled(10, 9)) is not None
    assert wp.readiness(labelled(10, 10)) is None
    assert wp.readiness(pd.DataFrame(columns=["opportunity_id", "won"])).startswith("0 won and 0 lost")
