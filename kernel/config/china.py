"""Mainland China's public holidays and make-up working days (调休), from ``chinese-calendar``.

The package transcribes the State Council's (国务院) yearly holiday notice; this module is the
one place that reads it, so the settings validation, the calendar tables and the docs agree on
which years it knows.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache


@lru_cache(maxsize=1)
def _data() -> tuple[dict[dt.date, str], dict[dt.date, str], str]:
    import chinese_calendar
    from chinese_calendar import constants

    version = getattr(chinese_calendar, "__version__", "") or "?"
    return dict(constants.holidays), dict(constants.workdays), version


def holidays() -> dict[dt.date, str]:
    """Every day of a public holiday period (weekend days inside the period included) -> name."""
    return _data()[0]


def workdays() -> dict[dt.date, str]:
    """Make-up working days (调休: weekend days that are worked) -> the holiday they belong to."""
    return _data()[1]


def package_version() -> str:
    return _data()[2]


def first_year() -> int:
    return min(holidays()).year


def last_year() -> int:
    """The last year whose holidays the installed package knows (its data ends with it)."""
    return max(holidays()).year
