"""The settings folder as a source: one asset per ``settings.<table>``, all written together.

Runs first in every full run (dbt reads these tables through sources keyed to these assets,
``dbt_project/models/settings/_settings__sources.yml``), so a changed setting reaches every
figure on the next run. An invalid folder fails here, naming the file and the key, before
anything downstream runs.
"""

import dagster as dg

from kernel.config import load_business_settings
from kernel.config.calendar import known_through_year
from pipelines import duckdb_session
from pipelines.resources import LakehouseResource
from pipelines.sources.settings.tables import SCHEMA, TABLES, write_settings_tables


@dg.multi_asset(
    specs=[
        dg.AssetSpec(dg.AssetKey([SCHEMA, table]), group_name="settings", description=description)
        for table, (description, _) in TABLES.items()
    ],
)
def business_settings(context: dg.AssetExecutionContext, lakehouse: LakehouseResource):
    config_dir = lakehouse.settings.config_dir
    bs = load_business_settings(config_dir)
    with duckdb_session.connect(str(lakehouse.settings.warehouse_path)) as con:
        counts = write_settings_tables(con, bs)
    origin = str(config_dir) if config_dir.is_dir() else f"{config_dir} (absent: product defaults)"
    context.log.info(f"business settings from {origin}: {counts}")
    for table in TABLES:
        yield dg.MaterializeResult(
            asset_key=dg.AssetKey([SCHEMA, table]),
            metadata={"rows": counts[table], "config_dir": origin,
                      "holidays_known_through": known_through_year(bs)},
        )


defs = dg.Definitions(assets=[business_settings])
