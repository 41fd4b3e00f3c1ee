"""Business settings: the company's calendar, SLA policies, aging buckets, commission plans and
thresholds, kept in one folder outside the code (``CRMLAKE_CONFIG_DIR``, written by
``crmlake init``) and validated before a run starts.

This package imports nothing else of the project but :mod:`kernel.settings`, so the
pipeline, the operational store and the apps can all read it.
"""

from kernel.config.calendar import (
    calendar_coverage_warning,
    calendar_exceptions,
    known_through_year,
)
from kernel.config.loader import ConfigError, current_business_settings, load_business_settings
from kernel.config.model import FILES, BusinessSettings
from kernel.config.render import write_default_settings, write_settings

__all__ = [
    "FILES",
    "BusinessSettings",
    "ConfigError",
    "calendar_coverage_warning",
    "calendar_exceptions",
    "current_business_settings",
    "known_through_year",
    "load_business_settings",
    "write_default_settings",
    "write_settings",
]
