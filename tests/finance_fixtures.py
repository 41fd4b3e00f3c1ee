"""Hand-computed finance cases (AR aging A1-A3, commission C1-C5, plans by position,
delivery/revenue, refund signs RF1-RF2) as a tiny staging warehouse, and a helper that builds the finance dbt models on it.

The staging tables are created with the real staging column types; only the columns the
cases need are filled. dbt then runs exactly the finance models (intermediate and marts)
against this warehouse, as of 2026-07-31, with the business settings of the cases
(``CASE_SETTINGS``: the product defaults plus the cases' position plans) written as the
``settings`` tables the pipeline's settings asset writes.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
from case_dbt import run_case_dbt
from company_fixtures import COMPANY_MODELS, write_company_resolution

# re-exported for the case tests (the "as" form marks it as an explicit re-export for ruff)
from apps.finance_data import AGING_AS_OF_SQL as AGING_AS_OF_SQL
from kernel.config import BusinessSettings
from kernel.config.model import Commission, Finance, PositionPlan
from pipelines.sources.settings.tables import write_settings_tables

REPO = Path(__file__).resolve().parents[1]

AS_OF = "2026-07-31"

STAGING_COLUMNS = {
    "int_payment_plans_unioned": "payment_plan_id BIGINT, owner_id BIGINT, plan_no VARCHAR, contract_id BIGINT, order_id BIGINT, account_id BIGINT, entity_type VARCHAR, total_amount DECIMAL(18,2), installment_count BIGINT, created_at TIMESTAMP, updated_at TIMESTAMP, source_file VARCHAR, source_row_number BIGINT, loaded_at TIMESTAMP",
    "int_payment_installments_unioned": "installment_id BIGINT, owner_id BIGINT, payment_plan_id BIGINT, contract_id BIGINT, order_id BIGINT, account_id BIGINT, batch_no BIGINT, entity_type VARCHAR, amount DECIMAL(18,2), due_date DATE, created_at TIMESTAMP, updated_at TIMESTAMP, source_file VARCHAR, source_row_number BIGINT, loaded_at TIMESTAMP",
    "int_receipts_unioned": "receipt_id BIGINT, owner_id BIGINT, receipt_no VARCHAR, account_id BIGINT, contract_id BIGINT, order_id BIGINT, installment_id BIGINT, bank_txn_no VARCHAR, entity_type VARCHAR, receipt_type VARCHAR, payment_method VARCHAR, amount DECIMAL(18,2), receipt_date DATE, created_at TIMESTAMP, updated_at TIMESTAMP, source_file VARCHAR, source_row_number BIGINT, loaded_at TIMESTAMP",
    "stg_erp__bank_receipts": "bank_txn_no VARCHAR, crm_receipt_no VARCHAR, payer_name VARCHAR, payer_account VARCHAR, memo VARCHAR, claim_status VARCHAR, amount DECIMAL(18,2), txn_date DATE, source_file VARCHAR, source_row_number BIGINT, loaded_at TIMESTAMP",
    "stg_crm__contracts": "contract_id BIGINT, owner_id BIGINT, contract_no VARCHAR, account_id BIGINT, opportunity_id BIGINT, entity_type VARCHAR, payment_terms VARCHAR, status VARCHAR, total_amount DECIMAL(18,2), sign_date DATE, start_date DATE, end_date DATE, created_at TIMESTAMP, updated_at TIMESTAMP, source_file VARCHAR, source_row_number BIGINT, loaded_at TIMESTAMP",
    "int_orders_unioned": "order_id BIGINT, owner_id BIGINT, order_no VARCHAR, account_id BIGINT, opportunity_id BIGINT, quote_id BIGINT, contract_id BIGINT, partner_id BIGINT, department_id BIGINT, entity_type VARCHAR, status VARCHAR, total_amount DECIMAL(18,2), order_date DATE, created_at TIMESTAMP, updated_at TIMESTAMP, source_file VARCHAR, source_row_number BIGINT, loaded_at TIMESTAMP",
    "int_order_lines_unioned": "order_line_id BIGINT, owner_id BIGINT, order_id BIGINT, product_id BIGINT, price_book_id BIGINT, entity_type VARCHAR, unit VARCHAR, tolerance_type VARCHAR, quantity DECIMAL(18,3), list_price DECIMAL(18,2), discount_rate DECIMAL(18,4), unit_price DECIMAL(18,2), line_amount DECIMAL(18,2), tolerance_value DECIMAL(18,3), created_at TIMESTAMP, updated_at TIMESTAMP, source_file VARCHAR, source_row_number BIGINT, loaded_at TIMESTAMP",
    "stg_crm__order_splits": "order_split_id BIGINT, owner_id BIGINT, order_id BIGINT, user_id BIGINT, entity_type VARCHAR, split_pct DECIMAL(18,2), created_at TIMESTAMP, updated_at TIMESTAMP, source_file VARCHAR, source_row_number BIGINT, loaded_at TIMESTAMP",
    "stg_crm__commission_plans": "commission_plan_id BIGINT, owner_id BIGINT, plan_code VARCHAR, entity_type VARCHAR, plan_name VARCHAR, rate_type VARCHAR, tier_mode VARCHAR, basis VARCHAR, period_type VARCHAR, flat_rate DECIMAL(18,4), plan_version BIGINT, created_at TIMESTAMP, updated_at TIMESTAMP, source_file VARCHAR, source_row_number BIGINT, loaded_at TIMESTAMP",
    "stg_crm__commission_plan_rules": "commission_plan_rule_id BIGINT, owner_id BIGINT, commission_plan_id BIGINT, entity_type VARCHAR, product_line VARCHAR, tier_from DECIMAL(18,4), tier_to DECIMAL(18,4), rate DECIMAL(18,4), created_at TIMESTAMP, updated_at TIMESTAMP, source_file VARCHAR, source_row_number BIGINT, loaded_at TIMESTAMP",
    "stg_crm__commission_assignments": "commission_assignment_id BIGINT, owner_id BIGINT, user_id BIGINT, commission_plan_id BIGINT, entity_type VARCHAR, effective_from DATE, effective_to DATE, created_at TIMESTAMP, updated_at TIMESTAMP, source_file VARCHAR, source_row_number BIGINT, loaded_at TIMESTAMP",
    "stg_crm__sales_targets": "sales_target_id BIGINT, owner_id BIGINT, user_id BIGINT, department_id BIGINT, entity_type VARCHAR, target_amount DECIMAL(18,2), period_month DATE, created_at TIMESTAMP, updated_at TIMESTAMP, source_file VARCHAR, source_row_number BIGINT, loaded_at TIMESTAMP",
    "stg_crm__users": "user_id BIGINT, owner_id BIGINT, employee_code VARCHAR, department_id BIGINT, manager_id BIGINT, entity_type VARCHAR, user_name VARCHAR, position VARCHAR, email VARCHAR, phone VARCHAR, is_active BOOLEAN, hire_date DATE, created_at TIMESTAMP, updated_at TIMESTAMP, source_file VARCHAR, source_row_number BIGINT, loaded_at TIMESTAMP",
    "stg_crm__departments": "department_id BIGINT, owner_id BIGINT, department_code VARCHAR, parent_department_id BIGINT, entity_type VARCHAR, department_name VARCHAR, department_type VARCHAR, created_at TIMESTAMP, updated_at TIMESTAMP, source_file VARCHAR, source_row_number BIGINT, loaded_at TIMESTAMP",
    "int_accounts_unioned": "account_id BIGINT, owner_id BIGINT, partner_id BIGINT, unified_social_credit_code VARCHAR, entity_type VARCHAR, account_name VARCHAR, short_name VARCHAR, industry VARCHAR, level VARCHAR, province VARCHAR, city VARCHAR, address VARCHAR, phone VARCHAR, is_in_pool BOOLEAN, created_at TIMESTAMP, updated_at TIMESTAMP, source_file VARCHAR, source_row_number BIGINT, loaded_at TIMESTAMP",
    "stg_crm__products": "product_id BIGINT, owner_id BIGINT, product_code VARCHAR, entity_type VARCHAR, product_name VARCHAR, product_line VARCHAR, unit VARCHAR, is_bulk BOOLEAN, is_active BOOLEAN, list_price DECIMAL(18,2), created_at TIMESTAMP, updated_at TIMESTAMP, source_file VARCHAR, source_row_number BIGINT, loaded_at TIMESTAMP",
    "stg_erp__shipments": "shipment_no VARCHAR, line_no BIGINT, crm_order_no VARCHAR, crm_order_line_id BIGINT, material_code VARCHAR, tracking_no VARCHAR, customer_name VARCHAR, unit VARCHAR, warehouse VARCHAR, quantity DECIMAL(18,3), ship_date DATE, source_file VARCHAR, source_row_number BIGINT, loaded_at TIMESTAMP",
    # ERP invoices (the invoice reconciliation models of marts/finance read them; tests/invoice_fixtures.py fills them)
    "stg_erp__invoices": "invoice_no VARCHAR, tax_id VARCHAR, crm_order_no VARCHAR, e_invoice_no VARCHAR, customer_name VARCHAR, invoice_type VARCHAR, status VARCHAR, amount_ex_tax DECIMAL(18,2), tax_amount DECIMAL(18,2), amount_incl_tax DECIMAL(18,2), invoice_date DATE, source_file VARCHAR, source_row_number BIGINT, loaded_at TIMESTAMP",
    "stg_ops__commission_adjustments": "commission_adjustment_id BIGINT, user_id BIGINT, period VARCHAR, reason VARCHAR, author VARCHAR, source_system VARCHAR, version BIGINT, amount DECIMAL(18,2), created_by BIGINT, updated_by BIGINT, created_at TIMESTAMP, updated_at TIMESTAMP, deleted_at TIMESTAMP, source_file VARCHAR, source_row_number BIGINT, loaded_at TIMESTAMP",
}

D = date.fromisoformat

ROWS: dict[str, list[dict]] = {
    # manual commission adjustments entered in the store (staging leaves voided ones out): one for
    # A (E003), one naming a person the CRM users do not have (reviewed, not applied)
    "stg_ops__commission_adjustments": [
        dict(commission_adjustment_id=9_000_000_000_000_001, user_id=3, period="2026-05", amount=800,
             reason="季度激励", author="财务 李", source_system="ops", version=1),
        dict(commission_adjustment_id=9_000_000_000_000_002, user_id=999, period="2026-05", amount=300,
             reason="离职人员补发", author="财务 李", source_system="ops", version=2),
    ],
    "stg_crm__departments": [dict(department_id=1, department_name="华东销售部")],
    "stg_crm__users": [
        dict(user_id=uid, employee_code=f"E{uid:03d}", user_name=name, department_id=1, position="sales_rep")
        for uid, name in [
            (1, "甲"), (2, "乙"), (3, "A"), (4, "B"), (5, "A2"), (6, "B2"), (7, "C"), (8, "D"),
            (9, "E"), (10, "F"), (11, "G"), (20, "王会计"),
        ]
    ]
    + [
        # plans by position (finance.yml commission.position_plans: CASE_SETTINGS below)
        dict(user_id=uid, employee_code=f"E{uid:03d}", user_name=name, department_id=1, position=pos)
        for uid, name, pos in [(12, "H", "key_account_rep"), (13, "J", "key_account_rep"), (14, "M", "regional_rep")]
    ],
    "int_accounts_unioned": [
        dict(account_id=400, account_name="通用客户有限公司"),
        dict(account_id=401, account_name="A1客户有限公司"),
        dict(account_id=402, account_name="C4客户有限公司"),
        dict(account_id=403, account_name="矿石客户有限公司"),
        dict(account_id=404, account_name="K客户有限公司"),
        # refund sign cases (RF1: refund written +1,500.00; RF2: written -1,500.00, and a negative receipt)
        dict(account_id=405, account_name="东海退款测试有限公司"),
        dict(account_id=406, account_name="西岭负号测试有限公司"),
    ],
    "stg_crm__products": [
        dict(product_id=201, product_line="hardware", is_bulk=False),
        dict(product_id=202, product_line="software", is_bulk=False),
        dict(product_id=203, product_line="service", is_bulk=False),
        dict(product_id=204, product_line="material", is_bulk=True),
    ],
    "stg_crm__commission_plans": [
        dict(commission_plan_id=101, plan_code="P-flat", rate_type="flat", tier_mode="none", basis="booking", period_type="month", flat_rate=0.05, plan_version=1),
        dict(commission_plan_id=102, plan_code="P-tier", rate_type="tiered", tier_mode="marginal", basis="booking", period_type="month", plan_version=1),
        dict(commission_plan_id=103, plan_code="P-tier-R", rate_type="tiered", tier_mode="retroactive", basis="booking", period_type="month", plan_version=1),
        dict(commission_plan_id=104, plan_code="P-prod", rate_type="product_line", tier_mode="none", basis="booking", period_type="month", plan_version=1),
        dict(commission_plan_id=105, plan_code="P-cash", rate_type="flat", tier_mode="none", basis="collection", period_type="month", flat_rate=0.05, plan_version=1),
        dict(commission_plan_id=106, plan_code="P-flat8", rate_type="flat", tier_mode="none", basis="booking", period_type="month", flat_rate=0.08, plan_version=1),
    ],
    "stg_crm__commission_plan_rules": [
        *[
            dict(commission_plan_rule_id=plan * 10 + i, commission_plan_id=plan, tier_from=f, tier_to=t, rate=r)
            for plan in (102, 103)
            for i, (f, t, r) in enumerate([(0, 1.0, 0.03), (1.0, 1.2, 0.05), (1.2, None, 0.08)])
        ],
        dict(commission_plan_rule_id=1041, commission_plan_id=104, product_line="hardware", rate=0.02),
        dict(commission_plan_rule_id=1042, commission_plan_id=104, product_line="software", rate=0.06),
        dict(commission_plan_rule_id=1043, commission_plan_id=104, product_line="service", rate=0.04),
    ],
    "stg_crm__commission_assignments": [
        dict(commission_assignment_id=aid, user_id=u, commission_plan_id=p, effective_from=D(f), effective_to=D(t) if t else None)
        for aid, u, p, f, t in [
            (1, 1, 101, "2026-01-01", None), (2, 2, 101, "2026-01-01", None),
            (3, 3, 102, "2026-01-01", None), (4, 4, 102, "2026-01-01", None),
            (5, 5, 103, "2026-01-01", None), (6, 6, 103, "2026-01-01", None),
            (7, 7, 104, "2026-01-01", None), (8, 8, 105, "2026-01-01", None),
            (9, 9, 101, "2026-01-01", "2026-03-31"), (10, 9, 102, "2026-04-01", None),
            (11, 11, 101, "2026-01-01", None), (12, 11, 104, "2026-02-01", None),
            (13, 13, 106, "2026-05-01", "2026-05-31"),  # J: own plan for May beats the position rule
        ]
    ],
    "stg_crm__sales_targets": [
        dict(sales_target_id=i, user_id=u, target_amount=t, period_month=D(m))
        for i, (u, t, m) in enumerate(
            [(3, 1_000_000, "2026-03-01"), (4, 600_000, "2026-03-01"), (5, 1_000_000, "2026-03-01"),
             (6, 600_000, "2026-03-01"), (9, 300_000, "2026-04-01")]
        )
    ],
    "int_orders_unioned": [
        dict(order_id=oid, order_no=no, owner_id=owner, account_id=acc, status="closed", total_amount=amt, order_date=D(d))
        for oid, no, owner, acc, amt, d in [
            (301, "O-1", 1, 400, 500_000, "2026-03-10"), (302, "O-1X", 1, 400, 100_000, "2026-03-12"),
            (303, "O-2A", 3, 400, 800_000, "2026-03-15"), (304, "O-2B", 4, 400, 800_000, "2026-03-15"),
            (305, "O-2A2", 5, 400, 800_000, "2026-03-15"), (306, "O-2B2", 6, 400, 800_000, "2026-03-15"),
            (307, "O-3", 7, 400, 175_000, "2026-03-05"), (308, "O-4", 8, 402, 200_000, "2026-01-20"),
            (309, "O-5a", 9, 400, 100_000, "2026-03-28"), (310, "O-5b", 9, 400, 400_000, "2026-04-02"),
            (311, "O-4N", 10, 400, 50_000, "2026-02-01"), (312, "O-G", 11, 400, 10_000, "2026-03-01"),
            (320, "O-L", 20, 403, 100_000, "2026-05-01"),
            (330, "O-A1", 20, 401, 265_000, "2025-11-01"), (331, "O-A2", 20, 404, 80_000, "2026-01-01"),
            # plans by position: H and J (key_account_rep), M (regional_rep)
            (340, "O-H1", 12, 400, 100_000, "2026-04-15"), (341, "O-H2", 12, 400, 100_000, "2026-05-15"),
            (342, "O-H3", 12, 400, 100_000, "2026-05-16"), (343, "O-J1", 13, 400, 100_000, "2026-04-20"),
            (344, "O-J2", 13, 400, 100_000, "2026-05-10"), (345, "O-J3", 13, 400, 100_000, "2026-06-05"),
            (346, "O-M", 14, 400, 10_000, "2026-03-03"),
        ]
    ],
    "int_order_lines_unioned": [
        dict(order_line_id=lid, order_id=oid, product_id=pid, quantity=1, unit_price=amt, line_amount=amt, unit="套", tolerance_type="none")
        for lid, oid, pid, amt in [
            (401, 301, 202, 500_000), (402, 302, 202, 100_000), (403, 303, 202, 800_000),
            (404, 304, 202, 800_000), (405, 305, 202, 800_000), (406, 306, 202, 800_000),
            (407, 307, 201, 100_000), (408, 307, 202, 50_000), (409, 307, 203, 25_000),
            (410, 308, 203, 200_000), (411, 309, 202, 100_000), (412, 310, 202, 400_000),
            (413, 311, 203, 50_000), (414, 312, 202, 10_000),
            (420, 340, 202, 100_000), (421, 341, 202, 100_000), (422, 342, 202, 100_000),
            (423, 343, 202, 100_000), (424, 344, 202, 100_000), (425, 345, 202, 100_000),
            (426, 346, 202, 10_000),
        ]
    ]
    + [
        # delivery.md: 20 t of ore with tolerance +-20 kg, in kg; unit price 1.25 per kg
        dict(order_line_id=lid, order_id=320, product_id=204, quantity=20_000, unit_price=1.25,
             line_amount=25_000, unit="kg", tolerance_type="absolute", tolerance_value=20)
        for lid in (501, 502, 503, 504)
    ],
    "stg_erp__shipments": [
        dict(shipment_no=f"S{lid}", line_no=n, crm_order_line_id=lid, unit="kg", quantity=q, ship_date=D("2026-05-10"))
        for lid, second in [(501, 7_990), (502, 7_970), (503, 8_015), (504, 8_040)]
        for n, q in [(1, 12_000), (2, second)]
    ],
    "stg_crm__order_splits": [
        dict(order_split_id=1, order_id=301, user_id=1, split_pct=80),
        dict(order_split_id=2, order_id=301, user_id=2, split_pct=20),
        dict(order_split_id=3, order_id=302, user_id=1, split_pct=60),
        dict(order_split_id=4, order_id=302, user_id=2, split_pct=30),
    ],
    "stg_crm__contracts": [
        dict(contract_id=601, contract_no="HT-A1", account_id=401, status="active", sign_date=D("2025-11-01")),
        dict(contract_id=602, contract_no="HT-A2", account_id=404, status="active", sign_date=D("2026-01-01")),
        dict(contract_id=603, contract_no="HT-RF1", account_id=405, status="active", sign_date=D("2026-04-01")),
        dict(contract_id=604, contract_no="HT-RF2", account_id=406, status="active", sign_date=D("2026-04-01")),
    ],
    "int_payment_plans_unioned": [
        dict(payment_plan_id=650, plan_no="HKJH-A1", contract_id=601, order_id=330, account_id=401, total_amount=265_000, installment_count=6),
        dict(payment_plan_id=651, plan_no="HKJH-A2", contract_id=602, order_id=331, account_id=404, total_amount=80_000, installment_count=2),
        dict(payment_plan_id=652, plan_no="HKJH-RF1", contract_id=603, order_id=None, account_id=405, total_amount=10_000, installment_count=1),
        dict(payment_plan_id=653, plan_no="HKJH-RF2", contract_id=604, order_id=None, account_id=406, total_amount=10_000, installment_count=1),
    ],
    "int_payment_installments_unioned": [
        dict(installment_id=iid, owner_id=20, payment_plan_id=plan, contract_id=c, order_id=o, account_id=acc,
             batch_no=b, amount=amt, due_date=D(due), created_at=pd.Timestamp(created))
        for iid, plan, c, o, acc, b, amt, due, created in [
            (701, 650, 601, 330, 401, 1, 100_000, "2026-06-15", "2025-11-01"),  # I1
            (702, 650, 601, 330, 401, 2, 50_000, "2026-07-15", "2025-11-01"),  # I2
            (703, 650, 601, 330, 401, 3, 80_000, "2026-04-01", "2025-11-01"),  # I3
            (704, 650, 601, 330, 401, 4, 20_000, "2026-03-31", "2025-11-01"),  # I4
            (705, 650, 601, 330, 401, 5, 10_000, "2025-12-01", "2025-11-01"),  # I5
            (706, 650, 601, 330, 401, 6, 5_000, "2026-06-30", "2025-11-01"),  # I6
            (711, 651, 602, 331, 404, 1, 40_000, "2026-05-01", "2026-01-01"),  # J1
            (712, 651, 602, 331, 404, 2, 40_000, "2026-06-01", "2026-01-01"),  # J2
            # due after the as-of date: open but not overdue, so no warning
            (713, 652, 603, None, 405, 1, 10_000, "2026-08-31", "2026-04-01"),  # RF1
            (714, 653, 604, None, 406, 1, 10_000, "2026-08-31", "2026-04-01"),  # RF2
        ]
    ],
    "int_receipts_unioned": [
        dict(receipt_id=rid, receipt_no=no, owner_id=20, account_id=acc, contract_id=c, order_id=o,
             installment_id=inst, receipt_type=kind, amount=amt, receipt_date=D(d), bank_txn_no=txn)
        for rid, no, acc, c, o, inst, kind, amt, d, txn in [
            (801, "R-I1", 401, 601, 330, 701, "receipt", 30_000, "2026-06-20", "B801"),
            (803, "R-I3", 401, 601, 330, 703, "receipt", 80_000, "2026-07-02", "B803"),
            (806, "R-I6", 401, 601, 330, 706, "receipt", 5_000, "2026-06-30", None),
            (810, "R-K", 404, 602, 331, None, "receipt", 100_000, "2026-06-10", None),
            (821, "R-O4-1", 402, None, 308, None, "receipt", 80_000, "2026-02-15", None),
            (822, "R-O4-2", 402, None, 308, None, "receipt", 120_000, "2026-03-20", None),
            (823, "R-O4-3", 402, None, 308, None, "refund", -50_000, "2026-04-05", None),
            (831, "R-O4N", 400, None, 311, None, "receipt", 50_000, "2026-02-20", None),
            (841, "R-BAD", 400, 999, 311, None, "receipt", 1_000, "2026-03-01", None),
            # refunds: money paid back, whichever sign the file used; a negative receipt is reviewed
            (851, "R-RF1", 405, 603, None, 713, "receipt", 10_000, "2026-05-20", None),
            (852, "R-RF1-BACK", 405, 603, None, 713, "refund", 1_500, "2026-06-10", None),
            (853, "R-RF2", 406, 604, None, 714, "receipt", 10_000, "2026-05-20", None),
            (854, "R-RF2-BACK", 406, 604, None, 714, "refund", -1_500, "2026-06-10", None),
            (855, "R-NEG", 406, 604, None, 714, "receipt", -2_000, "2026-06-15", None),
        ]
    ],
    "stg_erp__bank_receipts": [
        dict(bank_txn_no="B801", crm_receipt_no="R-I1", claim_status="已认领", amount=30_000, txn_date=D("2026-06-20")),
        dict(bank_txn_no="B803", crm_receipt_no=None, claim_status="已认领", amount=80_000, txn_date=D("2026-07-02")),
        dict(bank_txn_no="B999", crm_receipt_no=None, claim_status="未认领", payer_name="某公司", amount=12_345.67, txn_date=D("2026-07-05")),
    ],
}


# the cases' business settings: defaults, plus commission plans by position
CASE_POSITION_PLANS = [
    PositionPlan(position=pos, plan_code=code, plan_version=ver, effective_from=D(f), effective_to=D(t) if t else None)
    for pos, code, ver, f, t in [
        # key_account_rep: P-flat up to and including 2026-05-15, P-prod (latest version) from 05-16
        ("key_account_rep", "P-flat", 1, "2026-01-01", "2026-05-15"),
        ("key_account_rep", "P-prod", None, "2026-05-16", None),
        # regional_rep: two rules on the same dates -> overlapping plans, reviewed
        ("regional_rep", "P-flat", 1, "2026-01-01", None),
        ("regional_rep", "P-flat8", 1, "2026-01-01", None),
        # a plan code the CRM does not have: assigns nobody (F stays without a plan), reviewed
        ("sales_rep", "P-nope", None, "2026-01-01", None),
    ]
]
CASE_SETTINGS = BusinessSettings(finance=Finance(commission=Commission(position_plans=CASE_POSITION_PLANS)))


def create_case_warehouse(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists staging")
        con.execute("create schema if not exists intermediate")
        for table, columns in STAGING_COLUMNS.items():
            schema = "intermediate" if table.endswith("_unioned") else "staging"
            con.execute(f"create table {schema}.{table} ({columns})")
            rows = ROWS.get(table, [])
            if rows:
                frame = pd.DataFrame(rows)
                con.register("rows_in", frame)
                cols = ", ".join(frame.columns)
                con.execute(f"insert into {schema}.{table} ({cols}) select {cols} from rows_in")
                con.unregister("rows_in")
        write_company_resolution(con)
    return path


def run_finance_dbt(warehouse: Path, as_of: str = AS_OF, settings: BusinessSettings = CASE_SETTINGS) -> None:
    """The ``settings`` tables of ``settings``, then dbt run of the finance folders only
    (staging is already there) on the case warehouse ``<folder>/warehouse.duckdb``."""
    with duckdb.connect(str(warehouse)) as con:
        write_settings_tables(con, settings)
    done = run_case_dbt(
        warehouse,
        ["run", "--select", "path:models/intermediate/finance", "path:models/marts/finance", *COMPANY_MODELS],
        f"{{as_of: '{as_of}'}}",
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
