"""Case warehouse for the partner marts: the partner.md and names.md scenarios as staging rows.

``build_case_warehouse(tmp)`` writes a DuckDB warehouse holding exactly the staging tables the
partner models read, filled with the hand-computed scenarios, resolves the typed names with the
real resolver, writes a raw parquet for the report uploads, and runs the real ``dbt build`` of
the partner models on it.
"""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
from case_dbt import run_case_dbt

from kernel.company_names.registry import LocalRegistry
from kernel.company_names.resolution import resolve
from kernel.config import BusinessSettings
from pipelines.sources.settings.tables import write_settings_tables

AS_OF = "2026-10-31"

REGISTRY = pl.DataFrame(
    {
        "unified_social_credit_code": ["91440300YFKS000001", "91110000YESS000002"],
        "legal_name": ["深圳市益富可视（中国）有限公司", "北京一二三四科技有限公司"],
        "city": ["深圳", "北京"],
        "short_names": ["益富可视", "一二三四科技"],
    }
)

DDL = """
create schema staging;
create schema intermediate;
create schema partner;
create table staging.stg_partners__partners (partner_id bigint, partner_code varchar, partner_name varchar, tier varchar);
create table intermediate.int_accounts_unioned (account_id bigint, account_name varchar);
create table intermediate.int_leads_unioned (lead_id bigint, company_name varchar);
create table staging.stg_crm__products (product_id bigint, product_code varchar);
create table intermediate.int_opportunities_unioned (opportunity_id bigint, account_id bigint, owner_id bigint, status varchar, created_at timestamp);
create table intermediate.int_orders_unioned (order_id bigint, order_no varchar, account_id bigint, opportunity_id bigint, partner_id bigint, status varchar, total_amount decimal(18,2), order_date timestamp, created_at timestamp);
create table intermediate.int_order_lines_unioned (order_line_id bigint, order_id bigint, product_id bigint, quantity decimal(18,3), unit_price decimal(18,2), line_amount decimal(18,2));
create table staging.stg_erp__invoices (invoice_no varchar, crm_order_no varchar, status varchar, amount_incl_tax decimal(18,2), invoice_date timestamp);
create table intermediate.int_deal_registrations_unioned (registration_id varchar, partner_id bigint, customer_name varchar, product_line varchar, status varchar, estimated_amount decimal(18,2), submitted_at timestamp, approved_at timestamp, protection_days bigint, crm_opportunity_id bigint);
create table staging.stg_partners__special_prices (request_id varchar, partner_id bigint, registration_id varchar, product_code varchar, approved_price decimal(18,2), status varchar, decided_at timestamp, valid_until date);
create table staging.stg_partners__channel_funds (fund_id varchar, partner_id bigint, fund_type varchar, period varchar, description varchar, product_code varchar, amount decimal(18,2), unit_subsidy decimal(18,2), approved_at timestamp);
create table staging.stg_partners__rebate_policies (policy_code varchar, tier_no bigint, policy_name varchar, period_type varchar, semantics varchar, partner_tier varchar, threshold_from decimal(18,2), threshold_to decimal(18,2), rate decimal(18,4), effective_from date, effective_to date);
create table staging.stg_partners__sales_reports (partner_code varchar, report_month varchar, line_no bigint, product_code varchar, end_customer_name varchar, product_name varchar, order_ref varchar, quantity decimal(18,3), unit_price decimal(18,2), amount decimal(18,2), sale_date date, source_file varchar, source_row_number bigint, loaded_at timestamp);
"""

# -- partners: R2 on P1 (no special price) and P4 (approved special price 4,200.00 for SKU-C);
#    R1 on G1..G3 (gold, policy Q-2026); X and Y register the same company (conflict)
PARTNERS = [
    (1, "P1", "伙伴一", "silver"),
    (4, "P4", "伙伴四", "silver"),
    (11, "G1", "R1 P1", "gold"),
    (12, "G2", "R1 P2", "gold"),
    (13, "G3", "R1 P3", "gold"),
    (21, "X", "伙伴X", "bronze"),
    (22, "Y", "伙伴Y", "bronze"),
]
VENDOR_CUSTOMER = "深圳市益富可视（中国）有限公司"  # typed by the rep
REPORT_CUSTOMER = "深圳市益富可视(中国)有限公司"  # typed by the partner
REPORT_UPLOADS = {  # (partner, month) -> (first upload, corrected re-upload)
    "P1": (("load-1", "hash-first", datetime(2026, 10, 3, 1, 0)), ("load-2", "hash-corrected", datetime(2026, 10, 5, 1, 0))),
    "P4": (("load-1", "hash-p4", datetime(2026, 10, 3, 1, 0)), None),
}


def _r2_rows(partner_id: int, code: str, order_base: int, with_special_price: bool):
    orders = [(order_base, f"SO-{code}-1", 1, 100 + partner_id, partner_id, "delivered", 30800, datetime(2026, 9, 10), datetime(2026, 9, 10))]
    lines = [
        (order_base * 10 + 1, order_base, 501, 10, 1000, 10000),  # case 1 SKU-A
        (order_base * 10 + 2, order_base, 502, 5, 2000, 10000),  # case 2 SKU-B
        (order_base * 10 + 3, order_base, 503, 2, 5000, 10000),  # case 3 SKU-C
        (order_base * 10 + 4, order_base, 504, 1, 800, 800),  # case 4 SKU-D
    ]
    regs = [(f"DR-{code}", partner_id, REPORT_CUSTOMER, "hardware", "won", 30800, datetime(2026, 8, 1), datetime(2026, 8, 2), 90, 100 + partner_id)]
    prices = [(f"SP-{code}", partner_id, f"DR-{code}", "SKU-C", 4200, "approved", datetime(2026, 8, 20))] if with_special_price else []
    src = f"partners/sales_reports/{code}/2026-09.xlsx"
    up = REPORT_UPLOADS[code][1] or REPORT_UPLOADS[code][0]
    report = [
        (code, "2026-09", 1, "SKU-A", REPORT_CUSTOMER, "A", f"SO-{code}-1", 10, 1000, 10000, datetime(2026, 9, 12).date(), src, 1, up[2]),
        (code, "2026-09", 2, "SKU-B", REPORT_CUSTOMER, "B", None, 4, 2000, 8000, datetime(2026, 9, 12).date(), src, 2, up[2]),
        (code, "2026-09", 3, "SKU-C", REPORT_CUSTOMER, "C", f"SO-{code}-1", 2, 4200, 8400, datetime(2026, 9, 12).date(), src, 3, up[2]),
        (code, "2026-09", 4, "SKU-E", REPORT_CUSTOMER, "E", None, 3, 300, 900, datetime(2026, 9, 20).date(), src, 4, up[2]),
    ]
    return orders, lines, regs, prices, report


def case_rows() -> dict[str, list[tuple]]:
    rows: dict[str, list[tuple]] = {k: [] for k in ("orders", "lines", "regs", "prices", "report", "invoices", "opps")}
    for pid, code, base, sp in ((1, "P1", 1000, False), (4, "P4", 4000, True)):
        o, l_, r, p, rep = _r2_rows(pid, code, base, sp)
        rows["orders"] += o
        rows["lines"] += l_
        rows["regs"] += r
        rows["prices"] += p
        rows["report"] += rep
        rows["opps"].append((100 + pid, 1, 9001, "won", datetime(2026, 7, 1)))
    # R1: Q3-2026 purchases; G1 has a 100,000.00 return (红冲 invoice against its order)
    r1 = [(11, [1_300_000, 1_300_000]), (12, [1_000_000, 2_000_000]), (13, [900_000])]
    n = 5000
    for pid, amounts in r1:
        for k, amt in enumerate(amounts):
            n += 1
            rows["orders"].append((n, f"SO-R1-{n}", 1, None, pid, "closed", amt, datetime(2026, 7 + k, 15), datetime(2026, 7 + k, 15)))
    rows["invoices"].append(("INV-RED-1", "SO-R1-5001", "红冲", -100_000, datetime(2026, 9, 30)))
    # a Q4 order of G1 must not count in Q3
    rows["orders"].append((5999, "SO-R1-5999", 1, None, 11, "closed", 777_777, datetime(2026, 10, 2), datetime(2026, 10, 2)))
    # conflict (撞单): X registers the company first, Y under another spelling, a rep has an opportunity
    rows["regs"] += [
        ("DR-X", 21, "北京一二三四科技有限公司", "hardware", "approved", 500000, datetime(2026, 9, 1, 9), datetime(2026, 9, 1, 10), None, None),
        ("DR-Y", 22, "北京一二三四科技有限责任公司", "hardware", "approved", 480000, datetime(2026, 9, 14, 9), datetime(2026, 9, 15, 10), 90, None),
    ]
    rows["opps"].append((300, 2, 9002, "open", datetime(2026, 10, 1)))
    return rows


def build_case_warehouse(tmp: Path) -> Path:
    warehouse = tmp / "warehouse.duckdb"
    raw_dir = tmp / "raw"
    rows = case_rows()
    con = duckdb.connect(str(warehouse))
    con.execute(DDL)
    con.executemany("insert into staging.stg_partners__partners values (?, ?, ?, ?)", PARTNERS)
    con.executemany(
        "insert into intermediate.int_accounts_unioned values (?, ?)", [(1, VENDOR_CUSTOMER), (2, "北京一二三四科技有限公司")]
    )
    con.executemany(
        "insert into staging.stg_crm__products values (?, ?)",
        [(500 + i, f"SKU-{c}") for i, c in enumerate("ABCDE", start=1)],
    )
    con.executemany("insert into intermediate.int_opportunities_unioned values (?, ?, ?, ?, ?)", rows["opps"])
    con.executemany("insert into intermediate.int_orders_unioned values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows["orders"])
    con.executemany("insert into intermediate.int_order_lines_unioned values (?, ?, ?, ?, ?, ?)", rows["lines"])
    con.executemany("insert into staging.stg_erp__invoices values (?, ?, ?, ?, ?)", rows["invoices"])
    con.executemany(
        "insert into intermediate.int_deal_registrations_unioned values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows["regs"]
    )
    con.executemany("insert into staging.stg_partners__special_prices (request_id, partner_id, registration_id, product_code, "
                    "approved_price, status, decided_at) values (?, ?, ?, ?, ?, ?, ?)", rows["prices"])
    tiers = [(0, 1_000_000, 0), (1_000_000, 3_000_000, 0.02), (3_000_000, None, 0.035)]
    con.executemany(
        "insert into staging.stg_partners__rebate_policies values (?, ?, ?, 'quarter', ?, 'gold', ?, ?, ?, date '2026-01-01', null)",
        [
            (code, i, name, sem, lo, hi, rate)
            for code, name, sem in (("Q-2026", "季度返点", "retroactive"), ("Q-2026-M", "季度返点(超额累进)", "marginal"))
            for i, (lo, hi, rate) in enumerate(tiers, start=1)
        ],
    )
    con.executemany("insert into staging.stg_partners__sales_reports values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows["report"])
    # company resolution with the real resolver and a registry holding the two companies
    names = con.execute(
        "select account_name as typed_name from intermediate.int_accounts_unioned union all "
        "select customer_name from intermediate.int_deal_registrations_unioned union all "
        "select end_customer_name from staging.stg_partners__sales_reports"
    ).pl()
    resolution = resolve(names, LocalRegistry(REGISTRY))
    con.register("resolution_frame", resolution.to_arrow())
    con.execute("create table partner.company_resolution as select * from resolution_frame")
    write_settings_tables(con, BusinessSettings())  # registration protection: the default 90 days
    con.close()
    # raw report uploads (lineage columns): P1 uploaded twice, the second supersedes
    (raw_dir / "partners" / "sales_reports").mkdir(parents=True, exist_ok=True)
    raw = []
    for code, uploads in REPORT_UPLOADS.items():
        for up in uploads:
            if up:
                # raw keeps _loaded_at in UTC; staging shows it in Asia/Shanghai (+8h)
                raw.append({"_source_file": f"partners/sales_reports/{code}/2026-09.xlsx", "_load_id": up[0], "_file_hash": up[1], "_loaded_at": _utc(up[2])})
    pl.DataFrame(raw).write_parquet(raw_dir / "partners" / "sales_reports" / "uploads.parquet")
    return warehouse


def _utc(local: datetime) -> datetime:
    from datetime import timedelta

    return local - timedelta(hours=8)


def run_partner_dbt(tmp: Path, warehouse: Path, command: str = "build",
                    select: tuple[str, ...] = ("path:models/intermediate/partner", "path:models/marts/partner"),
                    ) -> subprocess.CompletedProcess:
    """dbt ``command`` of ``select`` on the case warehouse ``tmp/warehouse.duckdb`` (raw in tmp/raw)."""
    assert warehouse == tmp / "warehouse.duckdb", warehouse
    return run_case_dbt(warehouse, [command, "--select", *select], f"{{as_of: '{AS_OF}'}}")
