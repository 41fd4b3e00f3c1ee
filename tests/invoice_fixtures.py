"""The invoice cases of tests/test_invoice_cases.py as a tiny staging warehouse (the finance
case warehouse's tables, only these rows), built by the real finance dbt models as of 2026-07-31."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
from case_dbt import run_case_dbt
from company_fixtures import COMPANY_MODELS, write_company_resolution
from finance_fixtures import CASE_SETTINGS, STAGING_COLUMNS

from pipelines.sources.settings.tables import write_settings_tables

D = date.fromisoformat

# the invoice models and the finance steps they read (not the whole finance folder: seconds, not a minute)
INVOICE_MODELS = [
    "int_finance_as_of", "int_receipts_validated", "int_order_lines_delivery_status", "int_invoice_collections",
    "invoices", "invoice_reconciliation", "invoice_aging", "invoice_dso_monthly", *COMPANY_MODELS,
]

ROWS: dict[str, list[dict]] = {
    "stg_crm__departments": [dict(department_id=1, department_name="华东销售部")],
    "stg_crm__users": [dict(user_id=20, employee_code="E020", user_name="王会计", department_id=1, position="sales_rep")],
    "int_accounts_unioned": [dict(account_id=9201, account_name="发票测试有限公司")],
    "stg_crm__contracts": [
        dict(contract_id=cid, contract_no=no, owner_id=20, account_id=9201, status="executing", total_amount=amt,
             sign_date=D("2026-05-01"))
        for cid, no, amt in [(9001, "HT-INV1", 100_000), (9002, "HT-INV2", 30_000), (9003, "HT-INV3", 50_000)]
    ],
    "int_orders_unioned": [
        dict(order_id=oid, order_no=no, owner_id=20, account_id=9201, contract_id=cid, status="delivered",
             total_amount=amt, order_date=D("2026-05-02"))
        for oid, no, cid, amt in [(9101, "DD-INV1", 9001, 100_000), (9102, "DD-INV2", 9002, 30_000),
                                  (9103, "DD-INV3", 9003, 50_000)]
    ],
    "int_receipts_unioned": [
        dict(receipt_id=rid, receipt_no=no, owner_id=20, account_id=9201, order_id=oid, receipt_type="receipt",
             amount=amt, receipt_date=D(d))
        for rid, no, oid, amt, d in [(9501, "R-INV1", 9101, 50_000, "2026-06-10"),
                                     (9502, "R-INV2", 9102, 20_000, "2026-07-01")]
    ],
    "stg_erp__invoices": [
        dict(invoice_no=no, crm_order_no=order, customer_name="发票测试有限公司", invoice_type="增值税专用发票",
             status=status, amount_incl_tax=amt, invoice_date=D(d))
        for no, order, status, amt, d in [
            ("INV-1", "DD-INV1", "正常", 60_000, "2026-05-10"),
            ("INV-2", "DD-INV1", "正常", 40_000, "2026-06-05"),
            ("INV-4", "DD-INV1", "作废", 10_000, "2026-06-25"),
            ("INV-3", "DD-INV1", "红冲", -40_000, "2026-07-05"),
            ("INV-6", "DD-INV3", "正常", 50_000, "2026-07-15"),
            ("INV-9", "DD-GONE", "正常", 7_000, "2026-07-20"),  # names no known order: on no contract
        ]
    ],
}


def build_invoice_cases(work: Path) -> Path:
    warehouse = work / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema staging")
        con.execute("create schema intermediate")
        for table, columns in STAGING_COLUMNS.items():
            schema = "intermediate" if table.endswith("_unioned") else "staging"
            con.execute(f"create table {schema}.{table} ({columns})")
            if ROWS.get(table):
                frame = pd.DataFrame(ROWS[table])
                con.register("rows_in", frame)
                cols = ", ".join(frame.columns)
                con.execute(f"insert into {schema}.{table} ({cols}) select {cols} from rows_in")
                con.unregister("rows_in")
        write_company_resolution(con)
        write_settings_tables(con, CASE_SETTINGS)
    done = run_case_dbt(warehouse, ["run", "--select", *INVOICE_MODELS], "{as_of: '2026-07-31'}")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    return warehouse
