"""Fixtures of the operational-store tests: a fresh store per test and a small org chart.

``store_url`` is a new SQLite file per test, and additionally a new PostgreSQL schema per test
when ``CRMLAKE_TEST_POSTGRES_URL`` is set (``postgresql+psycopg://user:pw@host:port/db``), so
the same tests prove both back ends. The reference data is built here (no published snapshot
needed): a company, a sales department with two teams, service/finance/product/channel people,
two partners.
"""

from __future__ import annotations

import os
import uuid

import polars as pl
import pytest
import sqlalchemy as sa

from operational.db import dispose_all
from operational.reference import Reference
from operational.scope import Viewer

POSTGRES_URL = os.environ.get("CRMLAKE_TEST_POSTGRES_URL")

# -- org chart: departments (id, parent, name)
COMPANY, SALES, TEAM_A, TEAM_B, SERVICE, FINANCE, PRODUCT, CHANNEL = 100, 110, 111, 112, 120, 130, 140, 150
DEPARTMENTS = [
    (COMPANY, None, "公司 Company", "company"),
    (SALES, COMPANY, "销售部 Sales", "sales"),
    (TEAM_A, SALES, "销售一组 Team A", "sales"),
    (TEAM_B, SALES, "销售二组 Team B", "sales"),
    (SERVICE, COMPANY, "客户服务部 Service", "service"),
    (FINANCE, COMPANY, "财务部 Finance", "finance"),
    (PRODUCT, COMPANY, "产品部 Product", "product"),
    (CHANNEL, COMPANY, "渠道部 Channel", "channel"),
]
# CRM users (id, department, manager, name, position)
ADMIN, DIRECTOR, MGR_A, REP1, REP2, MGR_B, REP3 = 1, 2, 10, 11, 12, 20, 21
SVC_MGR, AGENT, FIN, PM, CHAN = 30, 31, 40, 50, 60
USERS = [
    (ADMIN, COMPANY, None, "管理员", "admin"),
    (DIRECTOR, SALES, None, "总监", "sales_director"),
    (MGR_A, TEAM_A, DIRECTOR, "甲经理", "sales_manager"),
    (REP1, TEAM_A, MGR_A, "甲一", "sales_rep"),
    (REP2, TEAM_A, MGR_A, "甲二", "sales_rep"),
    (MGR_B, TEAM_B, DIRECTOR, "乙经理", "sales_manager"),
    (REP3, TEAM_B, MGR_B, "乙一", "sales_rep"),
    (SVC_MGR, SERVICE, None, "服务经理", "service_manager"),
    (AGENT, SERVICE, SVC_MGR, "客服", "service_agent"),
    (FIN, FINANCE, None, "财务", "finance"),
    (PM, PRODUCT, None, "产品", "product_manager"),
    (CHAN, CHANNEL, None, "渠道", "channel_manager"),
]
PARTNER_1, PARTNER_2, PARTNER_3 = 900, 901, 902
PARTNERS = [
    (PARTNER_1, "P001", CHAN, "北京源峰信息技术有限公司"),
    (PARTNER_2, "P002", CHAN, "宁波天恒自动化有限公司"),
    (PARTNER_3, "P003", None, "无锡通中科技有限公司"),
]


def make_reference(accounts: list[dict] | None = None, registry: list[dict] | None = None) -> Reference:
    """Reference data of the org chart above, plus optional extracted accounts and registry rows."""
    frames = {
        "departments": pl.DataFrame(
            DEPARTMENTS, schema=["department_id", "parent_department_id", "department_name", "department_type"],
            orient="row",
        ),
        "users": pl.DataFrame(
            [(u, d, m, n, p, True) for u, d, m, n, p in USERS],
            schema=["user_id", "department_id", "manager_id", "user_name", "position", "is_active"],
            orient="row",
        ),
        "partners": pl.DataFrame(
            PARTNERS, schema=["partner_id", "partner_code", "channel_manager_id", "partner_name"], orient="row"
        ),
    }
    if accounts:
        frames["accounts"] = pl.DataFrame(
            accounts,
            schema={"account_id": pl.Int64, "owner_id": pl.Int64, "partner_id": pl.Int64,
                    "unified_social_credit_code": pl.String, "account_name": pl.String},
        )
    if registry:
        frames["registry"] = pl.DataFrame(
            registry,
            schema={"unified_social_credit_code": pl.String, "legal_name": pl.String, "city": pl.String,
                    "short_names": pl.String},
        )
    return Reference(frames=frames, source="tests")


def viewer(role: str, crm_user_id: int | None = None, partner_id: int | None = None,
           user_id: int | None = None) -> Viewer:
    """A viewer without a login row (the workflows only need who and what role)."""
    dept = {u: d for u, d, *_ in USERS}.get(crm_user_id)
    name = f"{role}-{crm_user_id or partner_id or 'x'}"
    return Viewer(user_id=user_id or (crm_user_id or 0) + 10_000, username=name, role=role,
                  crm_user_id=crm_user_id, department_id=dept, partner_id=partner_id)


def _postgres_schema_url(base: str) -> tuple[str, str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    url = sa.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), schema


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """A fresh, migrated-on-first-use store: SQLite file, or a PostgreSQL schema when configured."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'operational.sqlite'}"
        dispose_all()
        return
    if not POSTGRES_URL:
        pytest.skip("CRMLAKE_TEST_POSTGRES_URL not set: PostgreSQL variant not run")
    url, schema = _postgres_schema_url(POSTGRES_URL)
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield url
    finally:
        dispose_all()
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def reference() -> Reference:
    return make_reference()
