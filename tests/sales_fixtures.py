"""Hand-computed sales history for the sales tests: a tiny staging layer in a fresh DuckDB file,
then the real dbt sales models built on it.

Seven opportunities, Q3 2026 window [2026-07-01, 2026-09-30], states at the END of each day:
  A 1 created 07-01 初步接洽 100000 close 09-15; 07-10 09:00 -> 需求确认; 07-20 14:00 amount 120000
  B 2 created 06-20 初步接洽 150000 close 10-20; 07-15 -> 方案报价 and close 09-20 (pulled in)
  C 3 created 06-25 商务谈判 200000 close 08-31; 07-12 close -> 10-15 (pushed out)
  D 4 created 07-02 方案报价 80000 close 09-01; 07-18 -> 赢单 (won)
  E 5 created 07-16 需求确认 50000 close 09-30 (new)
  F 6 created 07-03 初步接洽 30000 close 08-15; 07-19 -> 输单 (lost)
  G 7 created 07-04 商务谈判 60000 close 08-10; 07-17 close -> 09-10 (slipped, same amount)
Leads (July 2026): 展会 L1 -> D (1 day to convert), L2 -> E (6 days), L3, L4 unconverted;
官网 L5 -> F.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from case_dbt import run_case_dbt
from company_fixtures import COMPANY_MODELS, write_company_resolution

from kernel.config import BusinessSettings
from pipelines.sources.settings.tables import write_settings_tables

REPO = Path(__file__).resolve().parents[1]

HISTORY = [
    # id, opp, from, to, amount, close, changed_at
    (101, 1, None, "初步接洽", 100000, "2026-09-15", "2026-07-01 10:00:00"),
    (102, 1, "初步接洽", "需求确认", 100000, "2026-09-15", "2026-07-10 09:00:00"),
    (103, 1, "需求确认", "需求确认", 120000, "2026-09-15", "2026-07-20 14:00:00"),
    (201, 2, None, "初步接洽", 150000, "2026-10-20", "2026-06-20 10:00:00"),
    (202, 2, "初步接洽", "方案报价", 150000, "2026-09-20", "2026-07-15 11:00:00"),
    (301, 3, None, "商务谈判", 200000, "2026-08-31", "2026-06-25 10:00:00"),
    (302, 3, "商务谈判", "商务谈判", 200000, "2026-10-15", "2026-07-12 16:00:00"),
    (401, 4, None, "方案报价", 80000, "2026-09-01", "2026-07-02 10:00:00"),
    (402, 4, "方案报价", "赢单", 80000, "2026-07-18", "2026-07-18 15:00:00"),
    (501, 5, None, "需求确认", 50000, "2026-09-30", "2026-07-16 10:00:00"),
    (601, 6, None, "初步接洽", 30000, "2026-08-15", "2026-07-03 10:00:00"),
    (602, 6, "初步接洽", "输单", 30000, "2026-07-19", "2026-07-19 10:00:00"),
    (701, 7, None, "商务谈判", 60000, "2026-08-10", "2026-07-04 10:00:00"),
    (702, 7, "商务谈判", "商务谈判", 60000, "2026-09-10", "2026-07-17 10:00:00"),
]

# opp: owner, lead, stage, status, forecast category, amount, win rate %, close date, created
OPPORTUNITIES = [
    (1, 11, None, "需求确认", "open", "pipeline", 120000, 25, "2026-09-15", "2026-07-01 10:00:00"),
    (2, 11, None, "方案报价", "open", "best_case", 150000, 50, "2026-09-20", "2026-06-20 10:00:00"),
    (3, 12, None, "商务谈判", "open", "commit", 200000, 75, "2026-10-15", "2026-06-25 10:00:00"),
    (4, 12, 1001, "赢单", "won", "closed", 80000, 100, "2026-07-18", "2026-07-02 10:00:00"),
    (5, 11, 1002, "需求确认", "open", "pipeline", 50000, 25, "2026-09-30", "2026-07-16 10:00:00"),
    (6, 12, 1005, "输单", "lost", "omitted", 30000, 0, "2026-07-19", "2026-07-03 10:00:00"),
    (7, 11, None, "商务谈判", "open", "commit", 60000, 75, "2026-09-10", "2026-07-04 10:00:00"),
]

LEADS = [
    # lead, owner, campaign, source, status, converted opp, created, converted
    (1001, 11, 900, "展会", "converted", 4, "2026-07-01 00:00:00", "2026-07-02 00:00:00"),
    (1002, 11, 900, "展会", "converted", 5, "2026-07-10 00:00:00", "2026-07-16 00:00:00"),
    (1003, 11, 900, "展会", "contacted", None, "2026-07-11 00:00:00", None),
    (1004, 12, 900, "展会", "disqualified", None, "2026-07-12 00:00:00", None),
    (1005, 12, None, "官网", "converted", 6, "2026-07-02 00:00:00", "2026-07-03 00:00:00"),
]

AS_OF = "2026-07-20 14:00:00"

SALES_MODELS = [
    "opportunity_versions",
    "int_opportunity_attributes",
    "opportunities",
    "opportunity_stage_history",
    "pipeline_snapshots",
    "pipeline_movement",
    "int_leads_joined_to_outcomes",
    "funnel_conversion",
    "campaign_roi",
    "expenses",  # campaign_roi adds the expenses of its deals
]


def write_staging(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("create schema staging")
    con.execute("create schema intermediate")
    con.execute(
        """create table intermediate.int_opportunity_stage_history_unioned (
            stage_change_id bigint, opportunity_id bigint, from_stage varchar, to_stage varchar,
            amount decimal(18,2), close_date date, changed_at timestamp, changed_by bigint)"""
    )
    con.executemany(
        "insert into intermediate.int_opportunity_stage_history_unioned values (?, ?, ?, ?, ?, ?, ?, 11)", HISTORY
    )
    con.execute(
        """create table intermediate.int_opportunities_unioned (
            opportunity_id bigint, owner_id bigint, lead_id bigint, stage varchar, status varchar,
            forecast_category varchar, amount decimal(18,2), win_rate_pct bigint, close_date date,
            created_at timestamp, account_id bigint, campaign_id bigint, department_id bigint,
            partner_id bigint, opportunity_name varchar, opportunity_type varchar, loss_reason varchar,
            updated_at timestamp)"""
    )
    con.executemany(
        """insert into intermediate.int_opportunities_unioned values
           (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, null, 77, null, '商机', '新客户', null, ?)""",
        [(*row, row[-1]) for row in OPPORTUNITIES],
    )
    con.execute(
        """create table intermediate.int_leads_unioned (
            lead_id bigint, owner_id bigint, campaign_id bigint, lead_source varchar, status varchar,
            converted_opportunity_id bigint, created_at timestamp, converted_at timestamp)"""
    )
    con.executemany("insert into intermediate.int_leads_unioned values (?, ?, ?, ?, ?, ?, ?, ?)", LEADS)
    con.execute("create table intermediate.int_accounts_unioned as select 1::bigint as account_id, '客户甲' as account_name")
    write_company_resolution(con)
    write_settings_tables(con, BusinessSettings())  # default stages and probabilities
    con.execute(
        """create table staging.stg_crm__users as
           select * from (values (11::bigint, '张三', 77::bigint), (12::bigint, '李四', 77::bigint))
           t(user_id, user_name, department_id)"""
    )
    con.execute(
        "create table staging.stg_crm__departments as select 77::bigint as department_id, '华东销售一组' as department_name"
    )
    # sales expenses (campaign_roi reads them through sales.expenses); tests/expense_fixtures.py fills it
    con.execute(
        """create table staging.stg_crm__expenses (expense_id bigint, owner_id bigint, expense_no varchar,
           account_id bigint, opportunity_id bigint, expense_type varchar, status varchar,
           amount decimal(18,2), expense_date date)"""
    )
    con.execute(
        """create table staging.stg_crm__campaigns as select 900::bigint as campaign_id, '秋季展会' as campaign_name,
           '展会' as campaign_type, 'completed' as status, 20000.00::decimal(18,2) as cost,
           date '2026-06-01' as start_date, date '2026-07-31' as end_date"""
    )
    con.close()


def build_sales_models(workdir: Path) -> Path:
    """Staging fixture + `dbt build` of the sales models; returns the warehouse path."""
    warehouse = workdir / "warehouse.duckdb"
    write_staging(warehouse)
    result = run_case_dbt(
        warehouse,
        ["build", "--select", *SALES_MODELS, *COMPANY_MODELS, "--exclude", "test_type:unit"],
        # the snapshot's as-of: the fixture history's last change (2026-07-20 14:00)
        f"{{as_of: '{AS_OF}'}}",
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return warehouse
