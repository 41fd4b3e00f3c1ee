"""Dagster resources: where the lakehouse lives and which engine builds it, chosen in one place.

The code location reads the settings once (:func:`kernel.settings.get_settings`, environment
variables with ``./data`` defaults, and :func:`kernel.engine.get_engine`) and builds one
:class:`LakehouseResource` from them; assets and sensors take that resource as a parameter, so a
run's paths and engine are the ones shown in the Dagster UI, and nothing downstream reads the
environment again.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from kernel.engine import ENGINES, Engine, get_engine
from kernel.settings import ENV_PREFIX, Settings, get_settings

OPERATIONAL_URL_ENV = f"{ENV_PREFIX}OPERATIONAL_URL"


class LakehouseResource(dg.ConfigurableResource):
    """Every path of the lakehouse, the operational store's URL and the engine.

    Built with :meth:`from_settings`. A field left empty (a resource written by hand in a test)
    takes the environment's default for it.
    """

    landing_dir: str
    lakehouse_dir: str
    published_dir: str
    config_dir: str = ""  # business settings folder (CRMLAKE_CONFIG_DIR)
    home: str = ""  # CRMLAKE_HOME
    dagster_home: str = ""  # CRMLAKE_DAGSTER_HOME
    operational_url: str = ""  # CRMLAKE_OPERATIONAL_URL
    engine: str = "duckdb"  # CRMLAKE_ENGINE: duckdb | spark (kernel/engine.py)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> LakehouseResource:
        settings = settings or get_settings()
        return cls(
            landing_dir=str(settings.landing_dir),
            lakehouse_dir=str(settings.lakehouse_dir),
            published_dir=str(settings.published_dir),
            config_dir=str(settings.config_dir),
            home=str(settings.home),
            dagster_home=str(settings.dagster_home),
            operational_url=_operational_url(settings),
            engine=get_engine(),
        )

    @property
    def engine_name(self) -> Engine:
        """The validated engine (a typo in the run config fails here, naming the choices)."""
        return get_engine({"CRMLAKE_ENGINE": self.engine or ENGINES[0]})

    @property
    def settings(self) -> Settings:
        """The settings this resource was built from."""
        needs_defaults = not (self.config_dir and self.home and self.dagster_home and self.operational_url)
        base = get_settings() if needs_defaults else None
        return Settings(
            home=Path(self.home) if self.home else base.home,
            landing_dir=Path(self.landing_dir),
            lakehouse_dir=Path(self.lakehouse_dir),
            published_dir=Path(self.published_dir),
            operational_url=self.operational_url or base.operational_url,
            dagster_home=Path(self.dagster_home) if self.dagster_home else base.dagster_home,
            config_dir=Path(self.config_dir) if self.config_dir else base.config_dir,
        )


def _operational_url(settings: Settings) -> str | dg.EnvVar:
    """The store's URL; one set in the environment stays there (it may carry a password, and the
    Dagster UI shows a resource's values but only the name of an ``EnvVar``)."""
    if os.environ.get(OPERATIONAL_URL_ENV) == settings.operational_url:
        return dg.EnvVar(OPERATIONAL_URL_ENV)
    return settings.operational_url
