"""A company's own, partial extracts run and publish (issue 13): four hand-written landing zones,
one area each, through `crmlake init` and `crmlake run` as a new user types them, checked against
hand-computed figures, with every capability the zone cannot feed named as not computed and why.

The four runs go two at a time (dbt runs on one thread; two pipelines use both cores).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import own_data_zones as zones
import pytest
from crmlake_cli import crmlake

from kernel.capabilities import CAPABILITIES

ZONES = ("callcenter", "finance", "crm", "partners")
D = Decimal


@dataclass
class ZoneRun:
    home: Path
    init: subprocess.CompletedProcess
    run: subprocess.CompletedProcess
    seconds: float
    status: dict

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.home / "published" / "crmlake.duckdb"), read_only=True) as con:
            return con.execute(sql).fetchall()

    def capability(self, key: str) -> dict:
        return next(c for c in self.status["capabilities"] if c["capability"] == key)


def _run_zone(root: Path, name: str) -> ZoneRun:
    home, extracts = root / name, root / f"{name}_extracts"  # the extracts live outside the lakehouse
    getattr(zones, f"{name}_zone")(extracts)
    init = crmlake(home, "init", CRMLAKE_ADMIN_PASSWORD="a-real-password-for-tests")
    started = time.perf_counter()
    run = crmlake(home, "run", CRMLAKE_LANDING_DIR=str(extracts))
    seconds = time.perf_counter() - started
    status = json.loads(crmlake(home, "status", "--json", CRMLAKE_LANDING_DIR=str(extracts)).stdout or "{}")
    return ZoneRun(home, init, run, seconds, status)


@pytest.fixture(scope="module")
def zone_runs(tmp_path_factory, dbt_manifest) -> dict[str, ZoneRun]:
    root = tmp_path_factory.mktemp("own_data")
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = dict(zip(ZONES, pool.map(lambda name: _run_zone(root, name), ZONES), strict=True))
    for name, zone in runs.items():
        print(f"own data: {name} zone run in {zone.seconds:.0f}s")
    return runs


@pytest.mark.slow
@pytest.mark.parametrize("name", ZONES)
def test_each_partial_zone_runs_and_publishes(zone_runs, name):
    zone = zone_runs[name]
    assert zone.init.returncode == 0, zone.init.stderr
    assert zone.run.returncode == 0, zone.run.stdout[-3000:] + zone.run.stderr[-3000:]
    assert zone.status["published"]
    assert len(zone.status["entities"]) >= 46  # every contract entity is listed, delivered or not
    assert len(zone.status["capabilities"]) == len(CAPABILITIES)


@pytest.mark.slow
def test_call_center_only_publishes_ticket_sla_by_the_business_calendar(zone_runs):
    zone = zone_runs["callcenter"]
    sla = {(t, m): (float(minutes), status, breached) for t, m, minutes, status, breached in zone.query(
        "select ticket_no, metric, business_minutes, sla_status, breached_at from service.ticket_sla")}
    # sla.md T1-T4 (standard policy: 240 / 480 / 960 business minutes)
    assert sla[("T1", "first_response")] == (60, "met", None)  # Fri 17:30-18:00 + 调休 Sat 09:00-09:30
    assert sla[("T2", "first_response")] == (180, "met", None)  # 09-30 16-18 + 10-08 09-10 (National Day)
    assert sla[("T3", "first_response")] == (270, "breached", dt.datetime(2026, 11, 17, 13, 0))
    assert sla[("T4", "next_response")] == (360, "met", None)
    assert sla[("T4", "resolution")] == (480, "met", None)  # waiting on customer pauses it
    # resolution, hand-computed on the same calendar:
    assert sla[("T1", "resolution")] == (630, "met", None)  # 30 + Sat 10-10 540 + Mon 60
    assert sla[("T2", "resolution")] == (720, "met", None)  # 120 + 10-08 540 + 10-09 60
    assert sla[("T3", "resolution")] == (600, "met", None)  # Tue 540 + Wed 60
    assert zone.capability("service.ticket_sla")["status"] == "computed"
    assert zone.capability("service.qa")["reason"] == (
        "none of callcenter.transcripts, callcenter.call_records delivered")
    assert zone.capability("finance.commission")["status"] == "not_computed"
    assert "crm.commission_plans not delivered" in zone.capability("finance.commission")["reason"]


@pytest.mark.slow
def test_finance_only_publishes_point_in_time_aging(zone_runs):
    zone = zone_runs["finance"]
    aging = {i: (open_, days, bucket) for i, open_, days, bucket in zone.query(
        "select installment_id, open_amount, days_overdue, bucket from finance.ar_aging"
        " where as_of_date = date '2026-06-30'")}
    assert aging == {  # ar_aging.md A1; I6 (paid on its due date) is closed
        701: (D("70000.00"), 15, "1-30"),
        702: (D("50000.00"), -15, "current"),
        703: (D("80000.00"), 90, "61-90"),  # paid 2026-07-02: after the as-of date
        704: (D("20000.00"), 91, "91-180"),
        705: (D("10000.00"), 211, "181+"),
    }
    # A2: 100,000.00 naming no installment pays J1 and J2 and leaves 20,000.00 credit
    assert zone.query("select customer_id, credit_balance from finance.customer_credit_balances") == [
        (zones.ACCOUNT_K, D("20000.00"))]
    assert zone.capability("finance.receivables")["status"] == "computed"
    risk = zone.capability("finance.payment_risk")
    assert risk["status"] == "baseline" and "needs at least 10 of each" in risk["reason"]
    assert {r[0] for r in zone.query("select model_version from finance.payment_risk")} == {"baseline: base rate"}
    assert zone.capability("finance.bank_receipt_matching")["reason"] == "erp.bank_receipts not delivered"


@pytest.mark.slow
def test_crm_only_publishes_the_forecast_on_stage_probabilities(zone_runs):
    zone = zone_runs["crm"]
    (row,) = zone.query(
        "select quarter_start, closed_won, weighted_pipeline, weighted_forecast, commit_forecast,"
        " best_case_forecast, ml_forecast from sales.forecast")
    # open deals closing in 2026Q4: 100,000 x 0.10 + 200,000 x 0.50 + 300,000 x 0.75 = 335,000;
    # won 50,000; commit adds the 商务谈判 deal (300,000), best case the 方案报价 one (200,000)
    assert row == (dt.date(2026, 10, 1), D("50000.00"), D("335000.00"), D("385000.00"), D("350000.00"),
                   D("550000.00"), D("385000.00"))
    scores = dict(zone.query("select opportunity_id, win_probability from sales.win_probability"))
    assert scores == {501: 0.10, 502: 0.50, 503: 0.75}  # the stage baseline: too few closed deals
    win = zone.capability("sales.win_probability")
    assert win["status"] == "baseline"
    assert win["reason"] == "1 won and 1 lost deals in the history; the model needs at least 10 of each"
    assert zone.capability("sales.funnel")["reason"] == "crm.leads not delivered"
    assert zone.capability("sales.pipeline")["status"] == "computed"


@pytest.mark.slow
def test_partners_only_publishes_registration_conflicts(zone_runs):
    zone = zone_runs["partners"]
    assert zone.query(
        "select claim_a_id, claim_b_id, protected_a_until, protected_claim_id from partner.conflicts") == [
        ("DR1", "DR2", dt.date(2027, 1, 7), "DR1")]  # approved 2026-10-09 + 90 days protects DR1
    assert zone.capability("partner.registrations")["status"] == "computed"
    assert zone.capability("partner.reconciliation")["reason"] == "partners.sales_reports not delivered"
    assert zone.capability("partner.rebates")["status"] == "not_computed"


@pytest.mark.slow
def test_status_names_undelivered_entities(zone_runs):
    entities = {e["entity"]: e for e in zone_runs["callcenter"].status["entities"]}
    assert entities["callcenter.tickets"]["delivered"] and entities["callcenter.tickets"]["rows_loaded"] == 4
    assert not entities["crm.opportunities"]["delivered"]
    assert "sales.pipeline" in entities["crm.opportunities"]["needed_by"]
    text = crmlake(zone_runs["callcenter"].home, "status").stdout  # a later shell: same published snapshot
    assert "not delivered" in text and "not computed" in text
