"""The service business calendar as data, shared by dbt (seeds) and Python.

The calendar lives in two seeds under ``dbt_project/seeds/service/``:

- ``service_working_hours.csv``: working intervals per ISO weekday (1 = Monday), ``HH:MM``;
  several rows per weekday give split shifts (e.g. a lunch break).
- ``service_calendar_exceptions.csv``: dated exceptions — ``holiday`` (no working time) and
  ``makeup_workday`` (调休, a weekend day that is worked, with its own hours).

Times are wall-clock times in the calendar's zone (``var('service_calendar_timezone')``, by
default the warehouse's local zone, Asia/Shanghai), the zone every warehouse timestamp is in.

Run ``python -m pipelines.service.calendar`` to regenerate the exceptions seed for a range of
years from the ``chinese-calendar`` package (official 国务院 holiday notices); edit the CSV by
hand for company-specific days. Python code (QA, tests) reads the same CSVs with
:func:`load_calendar` and computes business time with :func:`business_seconds`.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

SEED_DIR = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "service"
WORKING_HOURS_SEED = SEED_DIR / "service_working_hours.csv"
EXCEPTIONS_SEED = SEED_DIR / "service_calendar_exceptions.csv"
DEFAULT_MAKEUP_HOURS = ("09:00", "18:00")


def _minutes(text: str) -> int:
    hours, minutes = text.strip().split(":")
    return int(hours) * 60 + int(minutes)


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


def load_calendar(
    working_hours: Path = WORKING_HOURS_SEED, exceptions: Path = EXCEPTIONS_SEED
) -> BusinessCalendar:
    """The calendar from the seed CSVs (the same files dbt seeds into ``service``)."""
    weekly: dict[int, list[tuple[int, int]]] = {}
    with working_hours.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            weekly.setdefault(int(row["iso_weekday"]), []).append(
                (_minutes(row["start_time"]), _minutes(row["end_time"]))
            )
    holidays: set[dt.date] = set()
    makeup: dict[dt.date, list[tuple[int, int]]] = {}
    with exceptions.open(encoding="utf-8") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            day = dt.date.fromisoformat(row["calendar_date"])
            if row["day_type"] == "holiday":
                holidays.add(day)
            elif row["day_type"] == "makeup_workday":
                start = row.get("start_time") or DEFAULT_MAKEUP_HOURS[0]
                end = row.get("end_time") or DEFAULT_MAKEUP_HOURS[1]
                makeup.setdefault(day, []).append((_minutes(start), _minutes(end)))
            else:
                raise ValueError(
                    f"{exceptions}:{n}: day_type {row['day_type']!r} must be holiday or makeup_workday"
                )
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


def exception_rows(first_year: int, last_year: int) -> list[dict[str, str]]:
    """Holidays and make-up working days of mainland China from ``chinese-calendar``."""
    import chinese_calendar

    rows = []
    day = dt.date(first_year, 1, 1)
    while day <= dt.date(last_year, 12, 31):
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
        if is_holiday and name:  # a named public holiday (weekends alone are not exceptions)
            rows.append({"calendar_date": day.isoformat(), "day_type": "holiday", "name": name,
                         "start_time": "", "end_time": ""})
        elif not is_holiday and day.isoweekday() >= 6:
            rows.append({"calendar_date": day.isoformat(), "day_type": "makeup_workday",
                         "name": f"{name or ''} 调休".strip(),
                         "start_time": DEFAULT_MAKEUP_HOURS[0], "end_time": DEFAULT_MAKEUP_HOURS[1]})
        day += dt.timedelta(days=1)
    return rows


def write_exceptions_seed(first_year: int = 2024, last_year: int = 2026, path: Path = EXCEPTIONS_SEED) -> int:
    rows = exception_rows(first_year, last_year)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["calendar_date", "day_type", "name", "start_time", "end_time"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


if __name__ == "__main__":
    import sys

    years = [int(a) for a in sys.argv[1:3]] or [2024, 2026]
    print(f"wrote {write_exceptions_seed(years[0], years[-1])} rows to {EXCEPTIONS_SEED}")
