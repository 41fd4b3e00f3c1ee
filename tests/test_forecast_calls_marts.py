"""Forecast call roll-up, worked by hand (issue 20 items 1 and 8: a manager override and its roll-up).

Departments: 销售部 110 > 销售一组 111, 销售二组 112. Quarter Q4 2026 (starts 2026-10-01),
as-of Saturday 2026-12-05, so two weeks: W1 Monday 2026-11-23, W2 Monday 2026-11-30.
Submissions (store rows, insert-only):
  rep 11 (111)      W1 Tue 11-24  commit  80,000  best case 100,000
  rep 12 (111)      W1 Wed 11-25  commit  50,000  best case  60,000
  rep 11 (111)      W2 Tue 12-01  commit 100,000  best case 120,000   (resubmits: +20,000)
  manager 10 (111)  W2 Wed 12-02  commit 120,000  best case 150,000   (the override for 销售一组)
  rep 21 (112)      W2 Thu 12-03  commit  30,000  best case  40,000
Weekly calls: W1 rep 11 80k, rep 12 50k; W2 rep 11 100k (WoW +20k), rep 12 50k carried forward
(WoW 0, not submitted this week), manager 10 120k (first week: no WoW), rep 21 30k.
Roll-up W2, 销售一组 111: reps 100k + 50k = 150k submitted (best case 180k), manager call 120k,
override vs reps -30k, reps WoW 150k - (80k + 50k) = +20k.
Roll-up W2, 销售部 110 (the whole tree): reps 150k + 30k = 180k, no manager call.
The tree's call (team call: a manager's call replaces what is below it): W1 111 and 110 130k (no
override yet); W2 111 120k (WoW -10k), 112 30k, 110 = 120k (销售一组's override) + 30k = 150k (WoW +20k).
Computed (sales.forecast rows for Q4): rep 11 commit 90k / ML 95k / target 200k, rep 12 commit 40k
/ ML 45k / target 100k (both 111), rep 21 commit 20k / ML 25k / target 50k (112):
111 -> computed 130k, ML 140k, target 300k; 110 -> computed 150k, ML 165k, target 350k.
"""

from __future__ import annotations

import os
import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
D = Decimal
W1, W2, Q4 = "2026-11-23", "2026-11-30", "2026-10-01"

SUBMISSIONS = [  # id, level, owner, department, commit, best case, submitted at
    (1, "rep", 11, 111, 80000, 100000, "2026-11-24 10:00:00"),
    (2, "rep", 12, 111, 50000, 60000, "2026-11-25 16:30:00"),
    (3, "rep", 11, 111, 100000, 120000, "2026-12-01 09:15:00"),
    (4, "manager", 10, 111, 120000, 150000, "2026-12-02 18:00:00"),
    (5, "rep", 21, 112, 30000, 40000, "2026-12-03 11:00:00"),
]
FORECAST = [  # owner, department, commit, best case, ML, target
    (11, 111, 90000, 110000, 95000, 200000),
    (12, 111, 40000, 50000, 45000, 100000),
    (21, 112, 20000, 30000, 25000, 50000),
]


def write_staging(path: Path) -> None:
    con = duckdb.connect(str(path))
    for schema in ("staging", "sales", "intermediate"):
        con.execute(f"create schema {schema}")
    con.execute(
        """create table staging.stg_ops__forecast_submissions (
            forecast_submission_id bigint, call_level varchar, owner_id bigint, department_id bigint,
            quarter_start date, commit_amount decimal(18,2), best_case_amount decimal(18,2), note varchar,
            author varchar, created_at timestamp)"""
    )
    con.executemany(
        f"insert into staging.stg_ops__forecast_submissions values (?, ?, ?, ?, date '{Q4}', ?, ?, null, 'x', ?)",
        SUBMISSIONS,
    )
    con.execute(
        """create table staging.stg_crm__departments as select * from (values
           (110::bigint, null::bigint, '销售部', 'sales'), (111, 110, '销售一组', 'sales'), (112, 110, '销售二组', 'sales'))
           t(department_id, parent_department_id, department_name, department_type)"""
    )
    con.execute(
        """create table staging.stg_crm__users as select * from (values
           (10::bigint, '甲经理', 111::bigint, null::bigint, 'sales_manager', true), (11, '甲一', 111, 10, 'sales_rep', true),
           (12, '甲二', 111, 10, 'sales_rep', true), (21, '乙一', 112, null, 'sales_rep', true))
           t(user_id, user_name, department_id, manager_id, position, is_active)"""
    )
    con.execute("create table intermediate.int_snapshot_as_of as select date '2026-12-05' as as_of_date")
    con.execute(
        """create table sales.forecast (quarter_start date, owner_id bigint, department_id bigint,
           commit_forecast decimal(18,2), best_case_forecast decimal(18,2), weighted_forecast decimal(18,2),
           ml_forecast decimal(18,2), target_amount decimal(18,2), closed_won decimal(18,2))"""
    )
    con.executemany(
        f"insert into sales.forecast values (date '{Q4}', ?, ?, ?, ?, 0, ?, ?, 0)", FORECAST
    )
    con.close()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("forecast_calls")
    path = workdir / "warehouse.duckdb"
    write_staging(path)
    env = {**os.environ, "CRMLAKE_WAREHOUSE_PATH": str(path), "CRMLAKE_RAW_DIR": str(workdir / "raw"),
           "DO_NOT_TRACK": "1"}
    result = subprocess.run(
        [str(REPO / ".venv" / "bin" / "dbt"), "build",
         "--project-dir", str(REPO / "dbt_project"), "--profiles-dir", str(REPO / "dbt_project"),
         "--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs"),
         "--select", "forecast_submissions_weekly", "forecast_call_rollup",
         "--vars", "{as_of: '2026-12-05'}", "--exclude", "test_type:unit"],
        env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return path


def rows(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_weekly_snapshots_carry_calls_forward_with_wow(warehouse):
    got = rows(warehouse, """select strftime(week_start, '%Y-%m-%d'), call_level, owner_id, commit_amount,
                                    commit_change_wow, is_submitted_this_week
                             from sales.forecast_submissions_weekly order by 1, 2 desc, 3""")
    assert got == [
        (W1, "rep", 11, D("80000.00"), None, True),
        (W1, "rep", 12, D("50000.00"), None, True),
        (W2, "rep", 11, D("100000.00"), D("20000.00"), True),
        (W2, "rep", 12, D("50000.00"), D("0.00"), False),
        (W2, "rep", 21, D("30000.00"), None, True),
        (W2, "manager", 10, D("120000.00"), None, True),
    ]


def test_team_call_takes_each_override_up_the_tree(warehouse):
    got = rows(warehouse, """select strftime(week_start, '%Y-%m-%d'), department_id, team_call_commit,
                                    team_call_best_case, team_call_change_wow
                             from sales.forecast_call_rollup order by 1, 2""")
    assert got == [
        (W1, 110, D("130000.00"), D("160000.00"), None),
        (W1, 111, D("130000.00"), D("160000.00"), None),
        (W2, 110, D("150000.00"), D("190000.00"), D("20000.00")),
        (W2, 111, D("120000.00"), D("150000.00"), D("-10000.00")),
        (W2, 112, D("30000.00"), D("40000.00"), None),
    ]


def test_manager_override_beside_the_reps_roll_up(warehouse):
    got = rows(warehouse, """select strftime(week_start, '%Y-%m-%d'), department_id, reps_with_call, reps_commit,
                                    reps_best_case, reps_commit_change_wow, manager_commit, override_vs_reps,
                                    computed_commit, ml_forecast, target_amount
                             from sales.forecast_call_rollup order by 1, 2""")
    assert got == [
        (W1, 110, 2, D("130000.00"), D("160000.00"), None, None, None, D("150000.00"), D("165000.00"), D("350000.00")),
        (W1, 111, 2, D("130000.00"), D("160000.00"), None, None, None, D("130000.00"), D("140000.00"), D("300000.00")),
        (W2, 110, 3, D("180000.00"), D("220000.00"), D("50000.00"), None, None,
         D("150000.00"), D("165000.00"), D("350000.00")),
        (W2, 111, 2, D("150000.00"), D("180000.00"), D("20000.00"), D("120000.00"), D("-30000.00"),
         D("130000.00"), D("140000.00"), D("300000.00")),
        (W2, 112, 1, D("30000.00"), D("40000.00"), None, None, None, D("20000.00"), D("25000.00"), D("50000.00")),
    ]


# -- the page (预测提交 Forecast call) on that warehouse as the published snapshot -------------------

PAGE = REPO / "apps" / "views" / "entry" / "forecast_calls.py"


@pytest.fixture
def screen(warehouse, monkeypatch, tmp_path):
    import shutil

    from reference_screen_fixtures import open_store

    from operational.db import dispose_all

    home = tmp_path / "home"
    (home / "published").mkdir(parents=True)
    shutil.copy(warehouse, home / "published" / "crmlake.duckdb")
    yield open_store(home, monkeypatch, tmp_path)
    dispose_all()


def page(who):
    from app_login import as_viewer
    from streamlit.testing.v1 import AppTest

    at = as_viewer(AppTest.from_file(str(PAGE), default_timeout=60), who)
    at.run()
    assert not at.exception, at.exception
    return at


def manager_a():
    from operational.scope import Viewer

    return Viewer(user_id=3, username="manager_a", role="sales_manager", crm_user_id=10, department_id=111)


def test_manager_sees_override_beside_reps_and_submits_prefilled_call(screen):
    import sqlalchemy as sa

    from operational.db import session_scope

    at = page(manager_a())
    assert at.selectbox(key="fc_quarter").value.isoformat() == Q4
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["系统承诺 Computed commit"] == "¥130,000.00"  # the tree of 销售一组: 90k + 40k
    assert metrics["模型预测 ML forecast"] == "¥140,000.00" and metrics["目标 Target"] == "¥300,000.00"
    assert at.number_input(key="fc_commit_202610_111").value == 130000.0  # prefilled from the computed forecast
    assert at.selectbox(key="fc_week").value.isoformat() == W2
    (rollup, calls) = [d.value for d in at.dataframe]
    assert list(rollup["department_name"]) == ["销售一组"]  # 销售部 is above this manager's tree
    first = rollup.iloc[0]
    assert [float(first[c]) for c in ("reps_commit", "manager_commit", "override_vs_reps", "reps_commit_change_wow",
                                      "team_call_commit")] == [150000, 120000, -30000, 20000, 120000]
    assert sorted(calls["owner_name"]) == ["甲一", "甲二", "甲经理"]
    at.number_input(key="fc_commit_202610_111").set_value(125000.0)
    at.number_input(key="fc_best_case_202610_111").set_value(160000.0)
    next(b for b in at.button if b.label.startswith("提交")).click().run()
    assert not at.exception and any("已提交" in s.value for s in at.success), [e.value for e in at.error]
    with session_scope(screen, readonly=True) as s:
        saved = s.execute(sa.text("select call_level, owner_id, department_id, commit_amount from forecast_submissions"))
        assert [(a, b, c, D(str(d))) for a, b, c, d in saved] == [("manager", 10, 111, D("125000"))]


def test_rep_sees_own_calls_only_and_no_roll_up(screen):
    from operational.scope import Viewer

    at = page(Viewer(user_id=4, username="rep11", role="sales_rep", crm_user_id=11, department_id=111))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["系统承诺 Computed commit"] == "¥90,000.00"
    (calls,) = [d.value for d in at.dataframe]
    assert list(calls["owner_name"]) == ["甲一"] and float(calls["commit_amount"].iloc[0]) == 100000
    assert float(calls["commit_forecast"].iloc[0]) == 90000 and float(calls["ml_forecast"].iloc[0]) == 95000
