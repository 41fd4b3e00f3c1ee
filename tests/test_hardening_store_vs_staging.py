"""Issue 14: a valid entry in a screen must never fail a blocking staging test.

The unioned models (models/intermediate/unioned) join the CRM's delivered rows with the rows
entered in the operational store (``source_system = 'ops'``). Their blocking ``not_null`` tests
come from the source contract (the loaders quarantine delivered rows that lack a required
field). Before this test, an opportunity saved at the first stage without an amount (the screens
allow it: amount is only required from 需求确认 on), an order line without a unit, a lead without a
source … reached staging with NULL and failed ``not_null_stg_crm__opportunities_amount`` (the
union then lived in staging): nothing was published.

Rule checked here, from the dbt manifest and the store's SQLAlchemy models: every error-severity
``not_null`` test of a store-fed staging or unioned column either has a store column declared
NOT NULL, or is limited to the delivered rows (``where: source_system <> 'ops'``), the store's
rows being held to the screens' own rules (e.g. an opportunity's stage requirements).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import operational.models  # noqa: F401  (registers every table on Base.metadata)
from operational.models.base import Base

REPO = Path(__file__).resolve().parents[1]
STORE_ROWS_EXCLUDED = "source_system <> 'ops'"
LINEAGE = {"source_file", "source_row_number", "loaded_at", "entity_type"}


@pytest.fixture(scope="module")
def manifest(dbt_manifest) -> dict:
    return json.loads((REPO / "dbt_project" / "target" / "manifest.json").read_text(encoding="utf-8"))


def _store_fed_not_null_tests(manifest: dict):
    nodes = manifest["nodes"]
    tables = {t.name: t for t in Base.metadata.sorted_tables}
    for test in nodes.values():
        meta = test.get("test_metadata") or {}
        if test["resource_type"] != "test" or meta.get("name") != "not_null":
            continue
        model = nodes.get(test.get("attached_node") or "")
        store_fed = model is not None and (model["name"].startswith("stg_") or model["name"].endswith("_unioned"))
        if not store_fed or test["column_name"] in LINEAGE:
            continue
        for parent in model["depends_on"]["nodes"]:
            if ".stg_ops__" in parent and not model["name"].startswith("stg_ops__"):
                table = tables[parent.split("stg_ops__")[1]]
                yield model["name"], test, table


def test_no_nullable_store_column_feeds_a_blocking_not_null(manifest):
    checked, offending = 0, []
    for model, test, table in _store_fed_not_null_tests(manifest):
        column = test["column_name"]
        if column not in table.c:  # renamed keys (id -> <entity>_id) are NOT NULL primary keys
            continue
        checked += 1
        blocking = test["config"]["severity"].upper() == "ERROR"
        if blocking and table.c[column].nullable and test["config"].get("where") != STORE_ROWS_EXCLUDED:
            offending.append(f"{model}.{column} <- store {table.name}.{column} (nullable)")
    assert checked >= 20
    assert offending == []
