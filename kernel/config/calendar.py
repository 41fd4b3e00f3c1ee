"""The company calendar as dated exceptions: China's public holidays and make-up working days
(调休) for every year chinese-calendar knows, then the company's own overrides, which win.

One function expands the settings for everyone: the ``settings`` warehouse tables that dbt
measures SLA business time on, the tests' Python reference calendar (``tests/business_calendar_reference.py``)
and the coverage warning ``crmlake status`` shows.

Known years: :func:`known_through_year` is the last year whose public holidays the calendar
holds. With ``china_public_holidays: true`` it is the last year of the installed chinese-calendar,
or ``holidays_known_through`` when the company entered later years' holidays as overrides (the
model checks each such year has a holiday override). With ``china_public_holidays: false`` the
company keeps all its holidays itself: ``holidays_known_through``, else the last year with a
holiday override, else no year at all is "unknown" (a calendar without holidays cannot go stale).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kernel.config import china
from kernel.config.model import BusinessSettings, Calendar

NEVER_STALE = dt.MAXYEAR


@dataclass(frozen=True)
class CalendarException:
    """One day that differs from the weekly hours: a holiday, or a worked day with its hours."""

    date: dt.date
    day_type: str  # holiday | makeup_workday
    name: str
    source: str  # china_public_holidays | company
    hours: tuple[str, ...] = ()  # HH:MM-HH:MM intervals of a makeup_workday


def calendar_exceptions(calendar: Calendar) -> list[CalendarException]:
    """Every dated exception of the calendar, by date; an override replaces the public day."""
    days: dict[dt.date, CalendarException] = {}
    if calendar.china_public_holidays:
        for day, name in china.holidays().items():
            days[day] = CalendarException(day, "holiday", name, "china_public_holidays")
        makeup = tuple(calendar.makeup_workday_hours)
        for day, name in china.workdays().items():
            days[day] = CalendarException(day, "makeup_workday", f"{name} 调休", "china_public_holidays", makeup)
    for o in calendar.overrides:
        if o.type == "holiday":
            days[o.date] = CalendarException(o.date, "holiday", o.name or "公司假日 company holiday", "company")
        else:
            hours = tuple(o.hours if o.hours is not None else calendar.makeup_workday_hours)
            days[o.date] = CalendarException(o.date, "makeup_workday", o.name or "公司工作日 company workday",
                                             "company", hours)
    return [days[d] for d in sorted(days)]


def known_through_year(bs: BusinessSettings) -> int:
    """The last year whose public holidays the calendar holds (rule: module docstring)."""
    cal = bs.calendar
    if cal.china_public_holidays:
        return max(china.last_year(), cal.holidays_known_through or 0)
    if cal.holidays_known_through is not None:
        return cal.holidays_known_through
    entered = [o.date.year for o in cal.overrides if o.type == "holiday"]
    return max(entered) if entered else NEVER_STALE


def calendar_coverage_warning(bs: BusinessSettings, last_data_date: dt.date | None) -> str | None:
    """A warning when the data runs past the last year with known holidays, else None."""
    if last_data_date is None:
        return None
    known = known_through_year(bs)
    if last_data_date.year <= known:
        return None
    years = (str(known + 1) if last_data_date.year == known + 1
             else f"{known + 1}-{last_data_date.year}")
    source = (f"chinese-calendar {china.package_version()} knows up to {china.last_year()}"
              if bs.calendar.china_public_holidays else "the overrides in calendar.yml")
    return (
        f"data runs to {last_data_date}, but the company calendar knows public holidays only "
        f"through {known} ({source}): business hours in {years} count holidays as working days. "
        f"Upgrade chinese-calendar (pip install -U chinese-calendar) once it has {years}, or enter "
        f"the holidays and make-up days of {years} as overrides in calendar.yml and set "
        f"holidays_known_through: {last_data_date.year} (docs/settings.md)."
    )
