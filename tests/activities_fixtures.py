"""Hand-computed activities, stalled deals and quote discounts (issue 20 items 2 and 3): the sales
fixture's staging (tests/sales_fixtures.py, as-of 2026-07-20 14:00) plus activities, accounts,
quotes, quote lines and store approvals, then a dbt build of the new sales marts on it.

Settings: stalled_deal_days 5, inactive_account_days 10, default bands. Every figure the tests
assert is worked out by hand in tests/test_activities_discounts.py.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
from case_dbt import run_case_dbt
from company_fixtures import COMPANY_MODELS, write_company_resolution
from sales_fixtures import AS_OF, write_staging

from kernel.config import BusinessSettings
from kernel.config.model import Sales
from pipelines.sources.settings.tables import write_settings_tables

STALLED_DAYS, INACTIVE_DAYS = 5, 10

MODELS = [
    "opportunity_versions", "int_opportunity_attributes", "opportunities",
    "activities_weekly", "account_activity", "opportunity_idle_days",
    "quote_discounts", "quote_discount_monthly", "discount_band_outcomes", "approval_turnaround",
]

# two more closed deals beside the sales fixture's (opp, owner, lead, stage, status, category,
# amount, win %, close date, created) and their stage history
EXTRA_OPPORTUNITIES = [
    (8, 11, None, "赢单", "won", "closed", 40000, 100, "2026-07-11", "2026-07-01 10:00:00"),
    (9, 11, None, "输单", "lost", "omitted", 20000, 0, "2026-07-12", "2026-07-02 10:00:00"),
]
EXTRA_HISTORY = [
    (801, 8, None, "初步接洽", 40000, "2026-07-31", "2026-07-01 10:00:00"),
    (802, 8, "初步接洽", "赢单", 40000, "2026-07-11", "2026-07-11 10:00:00"),
    (901, 9, None, "初步接洽", 20000, "2026-07-31", "2026-07-02 10:00:00"),
    (902, 9, "初步接洽", "输单", 20000, "2026-07-12", "2026-07-12 10:00:00"),
]

ACCOUNTS = [  # id, name, owner, created
    (1, "客户甲", 11, "2026-06-01 09:00:00"),
    (2, "客户乙", 12, "2026-06-01 09:00:00"),
    (3, "客户丙", 12, "2026-06-01 09:00:00"),
    (4, "客户丁", 11, "2026-07-15 09:00:00"),
    (5, "客户戊", 11, "2026-06-01 09:00:00"),
]

ACTIVITIES = [  # id, owner, type, account, opportunity, time, minutes
    (1, 11, "visit", 5, None, "2026-07-10 10:00:00", 90),
    (2, 12, "call", 2, None, "2026-07-11 15:00:00", 10),
    (3, 11, "visit", None, 3, "2026-07-16 09:00:00", 60),
    (4, 11, "wechat", None, 7, "2026-07-25 10:00:00", 5),  # after the as-of
    (5, 12, "meeting", 1, 4, "2026-07-14 11:00:00", 45),
    (6, 11, "call", 1, None, "2026-07-13 08:00:00", 5),
]

PRODUCTS = [(501, "A", 10000), (502, "B", 5000)]  # id, product line, list price

QUOTES = [  # id, opportunity, owner, status, date
    (8001, 4, 12, "accepted", "2026-07-05"),
    (8002, 6, 12, "rejected", "2026-07-10"),
    (8003, 6, 12, "rejected", "2026-07-15"),
    (8004, 8, 11, "accepted", "2026-07-08"),
    (8005, 9, 11, "rejected", "2026-07-09"),
    (8006, 3, 12, "pending_approval", "2026-07-18"),
    (8007, 1, 11, "draft", "2026-07-19"),
    (8008, 5, 11, "approved", "2026-07-25"),  # after the as-of
]

QUOTE_LINES = [  # id, quote, product, quantity, list price on the line, unit price, line amount
    (1, 8001, 501, 2, 10000, 9000, 18000),
    (2, 8001, 502, 1, 5000, 4000, 4000),
    (3, 8002, 501, 1, 10000, 9700, 9700),
    (4, 8003, 501, 1, 10000, 8000, 8000),
    (5, 8004, 502, 2, 5000, 4400, 8800),
    (6, 8005, 501, 1, None, 8600, 8600),  # no list price on the line: the product's
    (7, 8006, 501, 1, 10000, 9500, 9500),
    (8, 8007, 501, 1, 10000, 5000, 5000),
    (9, 8008, 501, 1, 10000, 1000, 1000),
]

APPROVALS = [  # id, quote, owner, status, requested, decided
    (9001, 8006, 12, "approved", "2026-07-18 10:00:00", "2026-07-19 16:00:00"),
    (9002, 8001, 12, "approved", "2026-07-04 09:00:00", "2026-07-04 11:30:00"),
    (9003, 8007, 11, "pending", "2026-07-20 08:00:00", None),
    (9004, 8007, 11, "approved", "2026-07-20 12:00:00", "2026-07-21 09:00:00"),  # decided after the as-of
]


def write_activity_staging(path: Path) -> None:
    write_staging(path)
    con = duckdb.connect(str(path))
    con.executemany(
        """insert into intermediate.int_opportunities_unioned values
           (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, null, 77, null, '商机', '新客户', null, ?)""",
        [(*row, row[-1]) for row in EXTRA_OPPORTUNITIES])
    con.executemany("insert into intermediate.int_opportunity_stage_history_unioned values (?, ?, ?, ?, ?, ?, ?, 11)",
                    EXTRA_HISTORY)
    con.execute("drop table intermediate.int_accounts_unioned")
    con.execute("create table intermediate.int_accounts_unioned (account_id bigint, account_name varchar, "
                "owner_id bigint, created_at timestamp)")
    con.executemany("insert into intermediate.int_accounts_unioned values (?, ?, ?, ?)", ACCOUNTS)
    write_company_resolution(con)
    con.execute(
        """create table staging.stg_crm__activities (activity_id bigint, owner_id bigint, activity_type varchar,
           account_id bigint, opportunity_id bigint, activity_time timestamp, duration_minutes bigint,
           lead_id bigint, contact_id bigint)""")
    con.executemany("insert into staging.stg_crm__activities values (?, ?, ?, ?, ?, ?, ?, null, null)", ACTIVITIES)
    con.execute("create table staging.stg_crm__products (product_id bigint, product_line varchar, list_price decimal(18,2))")
    con.executemany("insert into staging.stg_crm__products values (?, ?, ?)", PRODUCTS)
    con.execute(
        """create table intermediate.int_quotes_unioned (quote_id bigint, opportunity_id bigint, owner_id bigint,
           status varchar, quote_date date, quote_no varchar, account_id bigint, approved_by bigint,
           created_at timestamp)""")
    con.executemany("insert into intermediate.int_quotes_unioned values (?, ?, ?, ?, ?, 'QT' || ?, 1, null, "
                    "cast(? as date) + interval 10 hour)", [(*q, q[0], q[-1]) for q in QUOTES])
    con.execute(
        """create table intermediate.int_quote_lines_unioned (quote_line_id bigint, quote_id bigint,
           product_id bigint, quantity decimal(18,3), list_price decimal(18,2), unit_price decimal(18,2),
           line_amount decimal(18,2))""")
    con.executemany("insert into intermediate.int_quote_lines_unioned values (?, ?, ?, ?, ?, ?, ?)", QUOTE_LINES)
    con.execute(
        """create table staging.stg_ops__approvals (approval_id bigint, object_id bigint, owner_id bigint,
           status varchar, created_at timestamp, decided_at timestamp, object_type varchar, approver_role varchar)""")
    con.executemany("insert into staging.stg_ops__approvals values (?, ?, ?, ?, ?, ?, 'quote', 'sales_manager')",
                    APPROVALS)
    write_settings_tables(con, BusinessSettings(sales=Sales(
        stalled_deal_days=STALLED_DAYS, inactive_account_days=INACTIVE_DAYS)))
    con.close()


def build_activity_models(workdir: Path) -> Path:
    """Staging fixture + `dbt build` of the activity and discount marts; the warehouse path."""
    warehouse = workdir / "warehouse.duckdb"
    write_activity_staging(warehouse)
    result = run_case_dbt(
        warehouse,
        ["build", "--select", *MODELS, *COMPANY_MODELS, "--exclude", "test_type:unit"],
        f"{{as_of: '{AS_OF}'}}",
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return warehouse


__all__ = ["build_activity_models", "Decimal"]
