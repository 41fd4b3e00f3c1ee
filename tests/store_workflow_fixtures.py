"""A real operational store (SQLite in tmp_path; PostgreSQL too when CRMLAKE_TEST_POSTGRES_URL is
set) and a small reference snapshot for the workflow tests (quotes, orders, deliveries, payments,
partners, tickets).

The reference is a real DuckDB file with the published tables the workflows read (departments,
users, price books, products, partners, accounts, registry, requirements and the matching model's
suggestions), loaded through ``Reference.from_duckdb`` like the published snapshot.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from store_fixtures import store_url as store_url  # noqa: F401  (fixture: SQLite and PostgreSQL)

from operational import records
from operational.db import session_scope
from operational.models.sales import Account, Opportunity
from operational.reference import Reference
from operational.scope import Viewer

D = Decimal

# departments: company 1 > 华东销售部 10 > 华东销售一组 11; 华北销售部 20; service 50; channel 60
DEPARTMENTS = [
    (1, None, "衡信智造", "company"), (10, 1, "华东销售部", "sales"), (11, 10, "华东销售一组", "sales"),
    (20, 1, "华北销售部", "sales"), (50, 1, "客户服务部", "service"), (60, 1, "渠道部", "channel"),
    (70, 1, "财务部", "finance"),
]
USERS = [
    (101, 11, 103, "张一", "sales_rep"), (102, 11, 103, "李二", "sales_rep"), (103, 11, None, "王经理", "sales_manager"),
    (201, 20, None, "赵北", "sales_rep"), (301, 70, None, "钱会计", "finance"),
    (401, 50, 403, "孙客服", "service_agent"), (402, 50, 403, "周客服", "service_agent"),
    (403, 50, None, "吴主管", "service_manager"), (501, 60, None, "郑渠道", "channel_manager"),
]
PRICE_BOOKS = [(900, None, "标准价格表", True), (910, 10, "华东价格表", False), (920, 20, "华北价格表", False)]
PRODUCTS = [
    (1, "30.01.0001", "铁精粉", "material", "kg", D("1.30")),
    (2, "10.03.0002", "振动传感器 VS-3", "hardware", "台", D("1450.00")),
    (3, "20.01.0001", "MES制造执行系统 标准版", "software", "套", D("380000.00")),
    (4, "10.07.0001", "视觉检测相机 VC-2", "hardware", "台", D("18500.00")),
]
ENTRIES = [  # (entry, book, product, price)
    (1, 910, 1, D("1.25")), (2, 910, 2, D("1400.00")), (3, 910, 3, D("360000.00")),
    (4, 920, 2, D("1450.00")), (5, 920, 4, D("18000.00")),
    (6, 900, 1, D("1.30")), (7, 900, 2, D("1450.00")), (8, 900, 3, D("380000.00")), (9, 900, 4, D("18500.00")),
]
PARTNERS = [(7001, "P0001", 501, "宁波天恒自动化有限公司", "gold"), (7002, "P0002", 501, "北京源峰信息技术有限公司", "silver"),
            (7003, "P0003", 999, "广州远方科技有限公司", "bronze")]
ACCOUNTS = [(5001, 101, None, None, "杭州明达机械有限公司", "明达", "杭州"),
            (5002, 201, None, None, "天津海川化工有限公司", "海川", "天津")]
REGISTRY = [("91330100MA2ABCDE1X", "杭州明达机械有限公司", "杭州", "明达"),
            ("91120000MA0FGHIJ2Y", "天津海川化工有限公司", "天津", "海川")]
REQUIREMENTS = [("REQ-00001", "报表导出 Excel", "open"), ("REQ-00002", "移动端审批", "open")]


def build_reference_db(path: Path) -> Path:
    """A DuckDB file shaped like the published snapshot (only what the workflows read)."""
    tables = {
        "staging.stg_crm__departments": pd.DataFrame(DEPARTMENTS, columns=["department_id", "parent_department_id", "department_name", "department_type"]),
        "staging.stg_crm__users": pd.DataFrame(USERS, columns=["user_id", "department_id", "manager_id", "user_name", "position"]).assign(is_active=True),
        "staging.stg_crm__price_books": pd.DataFrame(PRICE_BOOKS, columns=["price_book_id", "department_id", "price_book_name", "is_standard"]).assign(effective_from=None, effective_to=None),
        "staging.stg_crm__products": pd.DataFrame(PRODUCTS, columns=["product_id", "product_code", "product_name", "product_line", "unit", "list_price"]).assign(is_active=True),
        "staging.stg_crm__price_book_entries": pd.DataFrame(ENTRIES, columns=["price_book_entry_id", "price_book_id", "product_id", "unit_price"]),
        "staging.stg_partners__partners": pd.DataFrame(PARTNERS, columns=["partner_id", "partner_code", "channel_manager_id", "partner_name", "tier"]).assign(region="华东", status="active"),
        "intermediate.int_accounts_unioned": pd.DataFrame(ACCOUNTS, columns=["account_id", "owner_id", "partner_id", "unified_social_credit_code", "account_name", "short_name", "city"]),
        "staging.stg_partners__business_registry": pd.DataFrame(REGISTRY, columns=["unified_social_credit_code", "legal_name", "city", "short_names"]),
        "staging.stg_callcenter__requirements": pd.DataFrame(REQUIREMENTS, columns=["requirement_id", "title", "status"]),
        # 撞单 claims the partner area published: a rep's open opportunity on 天津海川化工
        "intermediate.int_partner_claims": pd.DataFrame(
            [("91120000MA0FGHIJ2Y", "天津海川化工有限公司", "rep", "201", "opportunity", "1000000099999",
              "天津海川化工有限公司", "open", None, None, None)],
            columns=["company_key", "company_name", "owner_type", "owner_id", "claim_type", "claim_id", "typed_name",
                     "claim_status", "claimed_on", "approved_on", "protected_until"]).astype({"protected_until": "datetime64[ns]"}),
        "service.requirement_link_suggestions": pd.DataFrame(
            [("TK-SEEN-1", 1, "REQ-00002", 0.61234), ("TK-SEEN-1", 2, "REQ-00001", 0.2)],
            columns=["ticket_no", "suggestion_rank", "requirement_id", "score"]),
    }
    decimals = {"list_price", "unit_price"}
    with duckdb.connect(str(path)) as con:
        for schema in ("staging", "service", "partner", "intermediate"):
            con.execute(f"create schema if not exists {schema}")
        for name, frame in tables.items():
            con.register("frame_in", frame)
            cols = ", ".join(f"cast({c} as decimal(18,2)) as {c}" if c in decimals else c for c in frame.columns)
            con.execute(f"create table {name} as select {cols} from frame_in")
            if name == "intermediate.int_partner_claims":
                con.execute(f"alter table {name} alter protected_until type date")
            con.unregister("frame_in")
    return path


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Reference:
    return Reference.from_duckdb(build_reference_db(tmp_path_factory.mktemp("reference") / "published.duckdb"))


@pytest.fixture
def store(store_url):
    """The URL of a fresh store: a SQLite file, and a PostgreSQL schema too when
    ``CRMLAKE_TEST_POSTGRES_URL`` is set (the core tests' ``store_url`` fixture)."""
    return store_url


def viewer(username: str) -> Viewer:
    """Test logins (user ids are app-user ids; crm_user_id links to USERS)."""
    return {
        "rep1": Viewer(1, "rep1", "sales_rep", 101, 11),
        "rep2": Viewer(2, "rep2", "sales_rep", 102, 11),
        "manager1": Viewer(3, "manager1", "sales_manager", 103, 11),
        "rep_north": Viewer(4, "rep_north", "sales_rep", 201, 20),
        "finance1": Viewer(5, "finance1", "finance", 301, 70),
        "agent1": Viewer(6, "agent1", "service_agent", 401, 50),
        "agent2": Viewer(7, "agent2", "service_agent", 402, 50),
        "service_mgr1": Viewer(8, "service_mgr1", "service_manager", 403, 50),
        "channel1": Viewer(9, "channel1", "channel_manager", 501, 60),
        "partner1": Viewer(10, "partner1", "partner_user", None, None, 7001),
        "partner2": Viewer(11, "partner2", "partner_user", None, None, 7002),
        "admin": Viewer(12, "admin", "admin"),
    }[username]


def account_and_opportunity(url: str, reference: Reference, who: str = "rep1",
                            name: str = "宁波天恒精密机械有限公司") -> tuple[int, int]:
    """A store account and an open opportunity on it, owned by ``who``."""
    v = viewer(who)
    with session_scope(url) as s:
        account = records.insert(s, v, Account, {"owner_id": v.crm_user_id, "account_name": name}, reference=reference)
        opp = records.insert(s, v, Opportunity, {
            "owner_id": v.crm_user_id, "account_id": account.id, "opportunity_name": f"{name} 项目",
            "stage": "需求确认", "amount": D("100000"), "department_id": v.department_id,
        }, reference=reference)
        return account.id, opp.id
