"""Every dbt model as a Dagster asset, built with ``dbt build`` (models and their tests).

dbt tests become asset checks; a failing error-severity test fails the step, so nothing
downstream (publish) runs on bad data.
"""


import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from pipelines.dbt.project import dbt_project
from pipelines.dbt.translator import CrmlakeDbtTranslator


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=CrmlakeDbtTranslator())
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    yield from dbt.cli(["build"], context=context).stream()


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, profiles_dir=str(dbt_project.profiles_dir))


defs = dg.Definitions(assets=[dbt_models])
