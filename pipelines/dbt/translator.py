"""Maps dbt resources to Dagster asset keys so lineage runs raw -> staging -> marts.

dbt sources ``<system>.<entity>`` are the raw assets ``raw/<system>/<entity>``; models are keyed
``<schema>/<model>`` and grouped by schema (staging, sales, finance, ...). A source or model may
name its asset key explicitly with ``meta: {dagster: {asset_key: [...]}}`` (tables that Python
assets such as ML scoring write and dbt reads back). A model's dbt tests are one asset check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator

DBT_TESTS_CHECK = "dbt_tests"


class CrmlakeDbtTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        explicit = (dbt_resource_props.get("meta") or {}).get("dagster", {}).get("asset_key")
        if explicit:  # e.g. a table written by a Python asset (ML scores) read back by dbt
            return dg.AssetKey(explicit)
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(["raw", dbt_resource_props["source_name"], dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or dbt_resource_props["schema"]
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return f"raw_{dbt_resource_props['source_name']}"
        return dbt_resource_props.get("config", {}).get("schema") or "dbt"

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project) -> dg.AssetCheckSpec | None:
        """All dbt tests of a model are its one ``dbt_tests`` check (pipelines/dbt/data_tests.py)."""
        per_test = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if per_test is None:
            return None
        return dg.AssetCheckSpec(
            name=DBT_TESTS_CHECK, asset=per_test.asset_key,
            description="the model's dbt data tests, run together after the model is built",
        )
