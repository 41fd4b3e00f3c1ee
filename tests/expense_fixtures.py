"""The expense cases of tests/test_expense_marts.py: the sales fixture's staging
(tests/sales_fixtures.py) plus six expense claims, built by the real dbt sales models."""

from __future__ import annotations

from pathlib import Path

import duckdb
from case_dbt import run_case_dbt
from company_fixtures import COMPANY_MODELS
from sales_fixtures import AS_OF, SALES_MODELS, write_staging

from kernel.config import BusinessSettings
from kernel.config.model import ExpenseBudget, Finance
from pipelines.sources.settings.tables import write_settings_tables

EXPENSE_MODELS = [*SALES_MODELS, "deal_margin", "expense_budget_vs_actual"]

# finance.yml expense_budgets of the case: department 77 by its name
CASE_SETTINGS = BusinessSettings(finance=Finance(expense_budgets=[
    ExpenseBudget(department="华东销售一组", month="2026-07", amount=10_000)]))

# expense_id, owner, expense_no, account, opportunity, type, status, amount, date
EXPENSES = [
    (1, 12, "E1", 1, 4, "差旅", "approved", 2000, "2026-07-10"),
    (2, 12, "E2", 1, 4, "招待", "paid", 1500, "2026-07-12"),
    (3, 12, "E3", 1, 4, "礼品", "rejected", 800, "2026-07-13"),
    (4, 12, "E4", 1, 4, "交通", "submitted", 300, "2026-07-18"),
    (5, 11, "E5", None, 5, "市场活动", "approved", 5000, "2026-07-16"),
    (6, 11, "E6", 1, None, "其他", "paid", 400, "2026-07-17"),
]


def build_expense_cases(work: Path) -> Path:
    warehouse = work / "warehouse.duckdb"
    write_staging(warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.executemany("insert into staging.stg_crm__expenses values (?, ?, ?, ?, ?, ?, ?, ?, ?)", EXPENSES)
        con.execute("alter table staging.stg_crm__departments add column department_code varchar")
        write_settings_tables(con, CASE_SETTINGS)
    done = run_case_dbt(warehouse, ["run", "--select", *EXPENSE_MODELS, *COMPANY_MODELS], f"{{as_of: '{AS_OF}'}}")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    return warehouse
