"""Business settings: the company's calendar, SLA policies, aging buckets, commission plans and
thresholds, kept in one folder outside the code (``CRMLAKE_CONFIG_DIR``, written by
``crmlake init``) and validated before a run starts.

This package imports nothing else of the project but :mod:`pipelines.settings`, so the
pipeline, the operational store and the apps can all read it.
"""

from pipelines.config.loader import ConfigError, load_business_settings
from pipelines.config.model import FILES, BusinessSettings

__all__ = ["FILES", "BusinessSettings", "ConfigError", "load_business_settings"]
