"""Issue 7 end to end: a record entered in the store appears in the marts after a run.

Starts from the session's S=1 pipeline run (tests/conftest.py), copied so the shared result is
left alone: a sales rep of the demo data creates an account and two opportunities through the
store's workflows, the pipeline runs from raw/ops down to sales.forecast and publishes; the
opportunity is in sales.opportunities and its amount in the rep's quarter of sales.forecast.
Soft-deleting it in the store takes it out again after the next run.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import dagster as dg
import duckdb
import pytest
from store_rerun_fixtures import copied_lakehouse, published, run_selection, store_to_mart

from operational import records
from operational.db import dispose_all, session_scope
from operational.models import Opportunity
from operational.reference import Reference
from operational.scope import Viewer
from operational.workflows.accounts import create_account
from operational.workflows.opportunities import create_opportunity

AMOUNT = Decimal("777777.00")
OTHER_AMOUNT = Decimal("123456.00")

# The dbt models from raw/ops down to sales.forecast, the extraction and the publish step. The
# Python assets on the way (ML scoring, company resolution) keep their tables from the session
# run: they only add minutes here (a new deal without an ML score counts at its stage's
# probability; the forecast's open pipeline does not depend on it).
SELECTION = store_to_mart(dg.AssetKey(["sales", "forecast"]))


def _run(settings) -> None:
    run_selection(settings, SELECTION)


@pytest.fixture(scope="module")
def lakehouse(pipeline_run, tmp_path_factory):
    """A copy of the session's lakehouse (raw, ledger, warehouse) with its own store."""
    source = pipeline_run.settings
    settings = copied_lakehouse(source, tmp_path_factory.mktemp("ops_into_marts"))
    yield settings, Reference.from_duckdb(source.published_database)
    dispose_all()


@pytest.fixture(scope="module")
def rep(lakehouse) -> Viewer:
    """A sales rep of the demo data (a CRM user who owns opportunities)."""
    _, reference = lakehouse
    with duckdb.connect(str(reference.source), read_only=True) as con:
        owner_id, department_id = con.execute(
            "select owner_id, department_id from sales.opportunities"
            " where owner_id is not null and department_id is not null"
            " group by owner_id, department_id order by count(*) desc, owner_id limit 1"
        ).fetchone()
    return Viewer(
        user_id=1, username="rep", role="sales_rep", crm_user_id=owner_id,
        department_id=department_id,
    )


@pytest.fixture(scope="module")
def entered(lakehouse, rep):
    """Account + two opportunities entered through the workflows, then one run."""
    settings, reference = lakehouse
    close_date = dt.date.today() + dt.timedelta(days=45)
    with session_scope(settings.operational_url) as session:
        account = create_account(
            session, rep, {"account_name": "运营库测试客户（苏州）精密机械有限公司", "city": "苏州"},
            confirm_fuzzy=True, reference=reference,
        )
        deleted, kept = (
            create_opportunity(
                session, rep,
                {"opportunity_name": name, "account_id": account.id, "amount": amount,
                 "close_date": close_date},
                reference=reference,
            )
            for name, amount in (("产线改造 Line retrofit", AMOUNT), ("备件 Spares", OTHER_AMOUNT))
        )
        ids = {"account": account.id, "deleted": deleted.id, "kept": kept.id}
    _run(settings)
    return ids, close_date


def _forecast_open_pipeline(con, rep: Viewer, close_date: dt.date) -> Decimal:
    quarter = dt.date(close_date.year, 3 * ((close_date.month - 1) // 3) + 1, 1)
    row = con.execute(
        "select sum(open_pipeline) from sales.forecast"
        " where quarter_start = ? and owner_id = ? and department_id = ?",
        [quarter, rep.crm_user_id, rep.department_id],
    ).fetchone()
    return row[0] or Decimal("0")


def test_store_ids_are_in_their_own_range(entered) -> None:
    ids, _ = entered
    assert all(v >= 9_000_000_000_000_000 for v in ids.values())


def test_entered_records_reach_staging_and_the_sales_marts(lakehouse, rep, entered) -> None:
    settings, _ = lakehouse
    ids, close_date = entered
    with published(settings) as con:
        staged = con.execute(
            "select source_system, entity_type, account_name from intermediate.int_accounts_unioned"
            " where account_id = ?",
            [ids["account"]],
        ).fetchone()
        assert staged == ("ops", "account", "运营库测试客户（苏州）精密机械有限公司")
        systems = dict(
            con.execute(
                "select source_system, count(*) from intermediate.int_opportunities_unioned group by 1"
            ).fetchall()
        )
        assert systems["ops"] == 2 and systems["xsy"] > 1000
        opportunity = con.execute(
            "select owner_id, account_name, amount, stage, is_closed, expected_close_date"
            " from sales.opportunities where opportunity_id = ?",
            [ids["deleted"]],
        ).fetchone()
        assert opportunity == (
            rep.crm_user_id, "运营库测试客户（苏州）精密机械有限公司", AMOUNT, "初步接洽", False,
            close_date,
        )
        # the stage history the workflow wrote is the opportunity's first version
        versions = con.execute(
            "select count(*) from sales.opportunity_versions where opportunity_id = ?",
            [ids["deleted"]],
        ).fetchone()[0]
        assert versions == 1
        in_quarter = _forecast_open_pipeline(con, rep, close_date)
    assert in_quarter >= AMOUNT + OTHER_AMOUNT


def test_deleting_in_the_store_removes_it_after_the_next_run(lakehouse, rep, entered) -> None:
    settings, reference = lakehouse
    ids, close_date = entered
    with published(settings) as con:
        before = _forecast_open_pipeline(con, rep, close_date)
    with session_scope(settings.operational_url) as session:
        opportunity = session.get(Opportunity, ids["deleted"])
        records.soft_delete(session, rep, opportunity, opportunity.version, reference=reference)
    _run(settings)
    with published(settings) as con:
        gone = con.execute(
            "select count(*) from sales.opportunities where opportunity_id = ?", [ids["deleted"]]
        ).fetchone()[0]
        kept = con.execute(
            "select count(*) from sales.opportunities where opportunity_id = ?", [ids["kept"]]
        ).fetchone()[0]
        after = _forecast_open_pipeline(con, rep, close_date)
        raw_ops = con.execute(
            "select count(*) from staging.stg_ops__opportunities where opportunity_id = ?",
            [ids["deleted"]],
        ).fetchone()[0]
    assert (gone, kept, raw_ops) == (0, 1, 0)
    # the other store opportunity keeps the as-of date, so the quarter loses exactly this deal
    assert before - after == AMOUNT
