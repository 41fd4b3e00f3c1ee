"""Dagster resources: where the lakehouse lives and which engine builds it, chosen in one place.

The resource is configured from :func:`kernel.settings.get_settings` (environment variables
with ``./data`` defaults) and :func:`kernel.engine.get_engine` (``CRMLAKE_ENGINE``), and
shown in the Dagster UI, so a run's paths and engine are visible.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from kernel.engine import ENGINES, Engine, get_engine
from kernel.settings import Settings, get_settings


class LakehouseResource(dg.ConfigurableResource):
    """Paths of the landing zone, the lakehouse, the published snapshot and the settings folder."""

    landing_dir: str
    lakehouse_dir: str
    published_dir: str
    config_dir: str = ""  # business settings folder (CRMLAKE_CONFIG_DIR); empty: the default
    engine: str = "duckdb"  # CRMLAKE_ENGINE: duckdb | spark (kernel/engine.py)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> LakehouseResource:
        settings = settings or get_settings()
        return cls(
            landing_dir=str(settings.landing_dir),
            lakehouse_dir=str(settings.lakehouse_dir),
            published_dir=str(settings.published_dir),
            config_dir=str(settings.config_dir),
            engine=get_engine(),
        )

    @property
    def engine_name(self) -> Engine:
        """The validated engine (a typo in the run config fails here, naming the choices)."""
        return get_engine({"CRMLAKE_ENGINE": self.engine or ENGINES[0]})

    @property
    def settings(self) -> Settings:
        base = get_settings()
        return Settings(
            home=base.home,
            landing_dir=Path(self.landing_dir),
            lakehouse_dir=Path(self.lakehouse_dir),
            published_dir=Path(self.published_dir),
            operational_url=base.operational_url,
            dagster_home=base.dagster_home,
            config_dir=Path(self.config_dir) if self.config_dir else base.config_dir,
        )
