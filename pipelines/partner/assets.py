"""Dagster assets of the partner area: ``partner/company_resolution``.

Reads every typed company name from staging (CRM leads and accounts, partner deal registrations
and sales reports, ERP shipments, invoices and bank receipts), resolves it against the business
registry (``kernel.company_names.resolution``), applies the channel managers' review decisions
from the operational store (read-only, ``pipelines.partner.decisions``) and writes
``partner.company_resolution`` to the warehouse; the partner dbt marts read it back through a dbt source whose
``meta.dagster.asset_key`` is this asset's key.
"""


import time

import dagster as dg
import duckdb
import polars as pl

from kernel.company_names.registry import BusinessRegistry, HttpRegistry, LocalRegistry
from kernel.company_names.resolution import ResolutionConfig, resolve
from kernel.outcomes import missing_inputs, record_outcome
from pipelines import duckdb_session
from pipelines.partner.decisions import load_decisions
from pipelines.resources import LakehouseResource

# (schema, dbt model, column, label of the source in company_resolution.sources); leads, accounts
# and registrations are also entered in the store: their unioned models hold both
NAME_SOURCES = (
    ("intermediate", "int_leads_unioned", "company_name", "crm.leads"),
    ("intermediate", "int_accounts_unioned", "account_name", "crm.accounts"),
    ("intermediate", "int_deal_registrations_unioned", "customer_name", "partners.deal_registrations"),
    ("staging", "stg_partners__sales_reports", "end_customer_name", "partners.sales_reports"),
    ("staging", "stg_erp__shipments", "customer_name", "erp.shipments"),
    ("staging", "stg_erp__invoices", "customer_name", "erp.invoices"),
    ("staging", "stg_erp__bank_receipts", "payer_name", "erp.bank_receipts"),
)
REGISTRY_MODEL = "stg_partners__business_registry"


class CompanyResolutionConfig(dg.Config):
    auto_merge_threshold: float = 95.0
    review_threshold: float = 90.0
    registry_url: str = ""  # an online registry service; empty: the local registry extract


def typed_names(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    union = " union all ".join(
        f"select {col} as typed_name, '{label}' as source from {schema}.{model} where {col} is not null"
        for schema, model, col, label in NAME_SOURCES
    )
    return con.execute(union).pl()


def local_registry(con: duckdb.DuckDBPyConnection) -> LocalRegistry:
    return LocalRegistry(
        con.execute(
            f"select unified_social_credit_code, legal_name, city, short_names from staging.{REGISTRY_MODEL}"
        ).pl()
    )


@dg.asset(
    key=["partner", "company_resolution"],
    group_name="partner",
    deps=[dg.AssetKey([schema, m]) for schema, m, _, _ in NAME_SOURCES] + [dg.AssetKey(["staging", REGISTRY_MODEL])],
    description="Every typed company name → one company, with method (exact/registry/fuzzy), score and review status.",
    kinds={"python", "duckdb"},
)
def company_resolution(
    context: dg.AssetExecutionContext, config: CompanyResolutionConfig, lakehouse: LakehouseResource
) -> dg.MaterializeResult:
    started = time.perf_counter()
    path = lakehouse.settings.warehouse_path
    con = duckdb_session.connect(str(path))
    try:
        names = typed_names(con)
        registry: BusinessRegistry = (
            HttpRegistry(config.registry_url) if config.registry_url else local_registry(con)
        )
        decisions = load_decisions(lakehouse.settings.operational_url)
        context.log.info("resolving %d name occurrences, %d review decisions", names.height, decisions.height)
        result = resolve(
            names,
            registry,
            ResolutionConfig(auto_merge=config.auto_merge_threshold, review=config.review_threshold),
            decisions,
        )
        con.execute("create schema if not exists partner")
        con.register("resolution_frame", result.to_arrow())
        con.execute("create or replace table partner.company_resolution as select * from resolution_frame")
        con.unregister("resolution_frame")
        missing = missing_inputs(con, "partner.company_resolution")
        record_outcome(con, "partner.company_resolution", "not_computed" if missing else "computed",
                       "; ".join(missing), typed_names=result.height)
    finally:
        con.close()
    counts = result.group_by("status").len().to_dicts()
    by_status = {r["status"]: r["len"] for r in counts}
    by_method = {r["method"]: r["len"] for r in result.group_by("method").len().to_dicts()}
    context.log.info("company resolution: %s in %.1fs", by_status, time.perf_counter() - started)
    return dg.MaterializeResult(
        metadata={
            "typed_names": result.height,
            "companies": result["company_key"].n_unique(),
            "review": by_status.get("review", 0),
            "review_decisions": decisions.height,
            "by_method": dg.MetadataValue.json(by_method),
            "seconds": round(time.perf_counter() - started, 2),
        }
    )


defs = dg.Definitions(assets=[company_resolution])
