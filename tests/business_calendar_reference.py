"""Test oracle: the service business calendar re-implemented in Python from the same settings.

The product measures SLA business time in dbt only (int_service_* models); this independent
re-implementation lives with the tests, which compare the dbt figures with it.

The calendar is the settings folder's ``calendar.yml`` (docs/settings.md): weekly working
intervals, China's public holidays and make-up working days (调休) from chinese-calendar, and
the company's overrides, expanded once by :func:`kernel.config.calendar_exceptions` for both
the ``settings`` warehouse tables (dbt) and :func:`load_calendar` here.

Times are wall-clock times in the warehouse's local zone (Asia/Shanghai), the zone every
warehouse timestamp is in. :func:`business_seconds` is the reference the SLA tests compare
the dbt models with.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from kernel.config import BusinessSettings, calendar_exceptions, load_business_settings


def _minutes(text: str) -> int:
    hours, minutes = text.strip().split(":")
    return int(hours) * 60 + int(minutes)


def _span(interval: str) -> tuple[int, int]:
    start, end = interval.split("-")
    return _minutes(start), _minutes(end)


@dataclass(frozen=True)
class BusinessCalendar:
    """Working intervals per weekday plus dated holidays and make-up working days."""

    weekly: dict[int, list[tuple[int, int]]]  # ISO weekday -> [(start_minute, end_minute)]
    holidays: frozenset[dt.date]
    makeup_days: dict[dt.date, list[tuple[int, int]]]

    def intervals(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """Working intervals of one calendar day as local datetimes."""
        if day in self.makeup_days:
            spans = self.makeup_days[day]
        elif day in self.holidays:
            spans = []
        else:
            spans = self.weekly.get(day.isoweekday(), [])
        midnight = dt.datetime.combine(day, dt.time())
        return [(midnight + dt.timedelta(minutes=s), midnight + dt.timedelta(minutes=e)) for s, e in spans]


def load_calendar(settings: BusinessSettings | None = None, config_dir: Path | None = None) -> BusinessCalendar:
    """The company calendar of ``settings`` (default: the settings folder ``config_dir``, else
    ``CRMLAKE_CONFIG_DIR``)."""
    bs = settings if settings is not None else load_business_settings(config_dir)
    weekly = {day: [_span(s) for s in spans] for day, spans in bs.calendar.working_hours.items()}
    holidays: set[dt.date] = set()
    makeup: dict[dt.date, list[tuple[int, int]]] = {}
    for exception in calendar_exceptions(bs.calendar):
        if exception.day_type == "holiday":
            holidays.add(exception.date)
        else:
            makeup[exception.date] = [_span(s) for s in exception.hours]
    return BusinessCalendar(weekly, frozenset(holidays), makeup)


def business_seconds(calendar: BusinessCalendar, start: dt.datetime, end: dt.datetime) -> int:
    """Working seconds between two local datetimes (a reference for tests and QA checks)."""
    total = 0
    day = start.date()
    while day <= end.date():
        for s, e in calendar.intervals(day):
            overlap = (min(e, end) - max(s, start)).total_seconds()
            total += max(0, int(overlap))
        day += dt.timedelta(days=1)
    return total
