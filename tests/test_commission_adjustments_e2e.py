"""Manual commission adjustments end to end (issue 13 item 2): entered in the store by finance, they
reach the published statements through the change extraction, the dbt mart and the commission
asset; one naming a person the CRM users lack is reviewed and not applied (the run succeeds); a
voided one is gone after the next run. lock_through comes from the settings folder.

Starts from the session's S=1 pipeline run (tests/conftest.py), copied so the shared result is left
alone, and runs only what lies between the store and the statements, then publishes.
"""

from __future__ import annotations

from decimal import Decimal

import dagster as dg
import polars as pl
import pytest
from store_rerun_fixtures import copied_lakehouse, published, run_selection, store_to_mart

from kernel.config import BusinessSettings
from operational.db import dispose_all, session_scope
from operational.reference import Reference
from operational.scope import Viewer
from operational.workflows import commission

pytestmark = pytest.mark.slow

STATEMENTS = dg.AssetKey(["finance", "commission_statements"])
SELECTION = store_to_mart(
    STATEMENTS, STATEMENTS, ["finance", "commission_statement_lines"], ["finance", "commission_review"]
)
GONE = 424_242  # a CRM user id the published data does not have
FINANCE = Viewer(user_id=1, username="finance1", role="finance", display_name="财务 张会计")
LOCKED = BusinessSettings.model_validate({"finance": {"commission": {"lock_through": "2026-06-30"}}})


def _run(settings) -> dg.ExecuteInProcessResult:
    return run_selection(settings, SELECTION)


@pytest.fixture(scope="module")
def lakehouse(pipeline_run, tmp_path_factory):
    """A copy of the session's lakehouse with its own store and a settings folder locking H1 2026."""
    source = pipeline_run.settings
    home = tmp_path_factory.mktemp("commission_adjustments")
    settings = copied_lakehouse(source, home, "locked_commission")
    (home / "config").mkdir()
    (home / "config" / "finance.yml").write_text("commission:\n  lock_through: 2026-06-30\n", encoding="utf-8")
    yield settings, Reference.from_duckdb(source.published_database)
    dispose_all()


@pytest.fixture(scope="module")
def entered(lakehouse):
    """Three adjustments for 2026-09 (two people of the data, one it lacks), then one run."""
    settings, reference = lakehouse
    reps = reference.frame("users").filter(pl.col("position") == "sales_rep").sort("user_id")["user_id"].to_list()
    person, other = reps[0], reps[1]
    users = reference.frame("users")
    gone = pl.DataFrame([{**users.row(0, named=True), "user_id": GONE, "user_name": "已删除的人"}], schema=users.schema)
    wider = Reference(frames={**reference.frames, "users": pl.concat([users, gone])}, source="tests")
    ids = {}
    with session_scope(settings.operational_url) as session:
        for key, user_id, amount, ref in (("bonus", person, "1500.00", reference), ("deduction", other, "-200.00", reference),
                                          ("gone", GONE, "300.00", wider)):
            ids[key] = commission.add_adjustment(
                session, FINANCE, user_id=user_id, period="2026-09", amount=amount, reason=f"测试 {key}",
                reference=ref, business=LOCKED,
            ).id
    result = _run(settings)
    return {"ids": ids, "person": person, "other": other, "result": result}


def _manual_lines(con) -> dict[int, tuple]:
    rows = con.execute("""select source_id, user_id, period_start, commission_amount, adjustment_reason, adjustment_author
                          from finance.commission_statement_lines where line_kind = 'manual_adjustment'""").fetchall()
    return {r[0]: r[1:] for r in rows}


def test_adjustments_reach_the_published_statements(lakehouse, entered):
    settings, _ = lakehouse
    ids = entered["ids"]
    with published(settings) as con:
        lines = _manual_lines(con)
        assert set(lines) == {ids["bonus"], ids["deduction"]}
        user_id, period_start, amount, reason, author = lines[ids["bonus"]]
        assert (user_id, str(period_start), amount, reason, author) == (
            entered["person"], "2026-09-01", Decimal("1500.00"), "测试 bonus", "财务 张会计 (finance1)")
        statement = con.execute("""select adjustment_amount, total_amount - commission_amount, status
                                   from finance.commission_statements
                                   where user_id = ? and period_start = '2026-09-01'""",
                                [entered["person"]]).fetchall()
        assert statement == [(Decimal("1500.00"), Decimal("1500.00"), "open")]
        status = dict(con.execute("select commission_adjustment_id, status from finance.commission_adjustments").fetchall())
        assert status == {ids["bonus"]: "applied", ids["deduction"]: "applied", ids["gone"]: "unknown_employee"}


def test_an_adjustment_for_a_person_the_crm_lacks_is_reviewed_and_reported(lakehouse, entered):
    settings, _ = lakehouse
    with published(settings) as con:
        (message,) = con.execute("""select message from finance.commission_review
                                    where problem = 'unknown_employee_adjustment'""").fetchone()
    assert str(GONE) in message and "not applied" in message
    (materialization,) = [m for m in entered["result"].asset_materializations_for_node("commission_statements")
                          if m.asset_key.path == ["finance", "commission_statements"]]
    assert materialization.metadata["adjustments_not_applied"].value == 1
    assert materialization.metadata["adjustments_applied"].value == 2


def test_locked_periods_come_from_the_settings_folder_and_types_are_published(lakehouse, entered):
    settings, _ = lakehouse
    with published(settings) as con:
        statuses = set(con.execute("""select distinct period_end <= date '2026-06-30', status
                                      from finance.commission_statements""").fetchall())
        types = dict(con.execute("""select table_name || '.' || column_name, data_type from information_schema.columns
                                    where table_schema = 'finance' and table_name like 'commission_statement%'""").fetchall())
    assert statuses == {(True, "locked"), (False, "open")}
    assert list((settings.lakehouse_dir / "finance" / "locked_commission").glob("period=2026-06-01.parquet"))
    for column in ("commission_statements.total_amount", "commission_statements.credited_amount",
                   "commission_statement_lines.commission_amount", "commission_statement_lines.basis_amount"):
        assert types[column] == "DECIMAL(18,2)", column
    for column in ("commission_statements.period_start", "commission_statement_lines.period_end",
                   "commission_statement_lines.event_date"):
        assert types[column] == "DATE", column


def test_a_voided_adjustment_is_gone_after_the_next_run(lakehouse, entered):
    settings, reference = lakehouse
    ids = entered["ids"]
    with session_scope(settings.operational_url) as session:
        commission.void_adjustment(session, FINANCE, ids["deduction"], 1, "录错人了", reference=reference,
                                   business=LOCKED)
    _run(settings)
    with published(settings) as con:
        assert set(_manual_lines(con)) == {ids["bonus"]}
        left = con.execute("""select coalesce(sum(adjustment_amount), 0) from finance.commission_statements
                              where user_id = ? and period_start = '2026-09-01'""", [entered["other"]]).fetchone()[0]
        assert left == 0
        assert ids["deduction"] not in dict(con.execute(
            "select commission_adjustment_id, status from finance.commission_adjustments").fetchall())
