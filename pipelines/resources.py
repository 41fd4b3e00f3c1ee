"""Dagster resources: where the lakehouse lives, chosen in one place.

The resource is configured from :func:`pipelines.settings.get_settings` (environment variables
with ``./data`` defaults) and shown in the Dagster UI, so a run's paths are visible.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from pipelines.settings import Settings, get_settings


class LakehouseResource(dg.ConfigurableResource):
    """Paths of the landing zone, the lakehouse and the published snapshot."""

    landing_dir: str
    lakehouse_dir: str
    published_dir: str

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> LakehouseResource:
        settings = settings or get_settings()
        return cls(
            landing_dir=str(settings.landing_dir),
            lakehouse_dir=str(settings.lakehouse_dir),
            published_dir=str(settings.published_dir),
        )

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
        )
