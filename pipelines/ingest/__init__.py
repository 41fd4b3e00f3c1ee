"""Raw ingestion: landing files -> typed, lineage-stamped Parquet in the raw layer.

Why a library of its own: the Dagster assets, the quality suites and the dbt sources all need
the same answers (where is the raw table, which files were loaded, what was quarantined and
why), and those answers must not depend on how a run was orchestrated. This package is pure
Python over DuckDB and polars; the Dagster wiring calls :func:`load_entity` per entity.

    from kernel.contracts import entity
    from pipelines.ingest import load_entity
    from kernel.settings import get_settings

    report = load_entity(entity("crm.accounts"), get_settings())
    report.to_metadata()  # files/rows loaded, quarantined, rejected
"""

from pipelines.ingest.errors import ContractError, InvariantError
from pipelines.ingest.layout import (
    SCHEMA_FILE,
    quarantine_dir_of,
    quarantine_glob,
    raw_dir_of,
    raw_glob,
)
from pipelines.ingest.loader import (
    EntityLoadReport,
    FileLoadResult,
    check_invariants,
    load_entity,
    read_ledger,
)

__all__ = [
    "SCHEMA_FILE",
    "ContractError",
    "EntityLoadReport",
    "FileLoadResult",
    "InvariantError",
    "check_invariants",
    "load_entity",
    "quarantine_dir_of",
    "quarantine_glob",
    "raw_dir_of",
    "raw_glob",
    "read_ledger",
]
