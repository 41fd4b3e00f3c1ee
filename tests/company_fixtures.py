"""Company resolution for the case warehouses of the sales, finance and service tests.

The marts keyed by customer join ``int_account_companies``, which reads
``partner.company_resolution``; a case warehouse gets that table from the real resolver run over
its account names (no registry entries), so the marts build as in the pipeline.
"""

from __future__ import annotations

import duckdb
import polars as pl

from kernel.company_names.registry import LocalRegistry
from kernel.company_names.resolution import resolve

# the int models every mart keyed by customer needs besides its own folder
COMPANY_MODELS = ["int_partner_names_resolved", "int_account_companies"]

_EMPTY_REGISTRY = pl.DataFrame(
    schema={"unified_social_credit_code": pl.String, "legal_name": pl.String, "city": pl.String, "short_names": pl.String}
)


def write_company_resolution(con: duckdb.DuckDBPyConnection) -> None:
    """Resolve ``intermediate.int_accounts_unioned.account_name`` into ``partner.company_resolution``."""
    names = con.execute(
        "select account_name as typed_name, 'crm.accounts' as source from intermediate.int_accounts_unioned"
    ).pl()
    result = resolve(names, LocalRegistry(_EMPTY_REGISTRY))
    con.execute("create schema if not exists partner")
    con.register("resolution_frame", result.to_arrow())
    con.execute("create or replace table partner.company_resolution as select * from resolution_frame")
    con.unregister("resolution_frame")
