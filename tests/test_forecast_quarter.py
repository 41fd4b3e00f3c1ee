"""The quarter the forecast page opens on, also on a thin snapshot (issue 16 review)."""

import datetime as dt

from apps.sales_data import current_quarter

Q3, Q4, Q1 = dt.date(2026, 7, 1), dt.date(2026, 10, 1), dt.date(2027, 1, 1)


def test_the_as_of_quarter():
    assert current_quarter([Q1, Q4, Q3], dt.date(2026, 10, 31)) == Q4
    assert current_quarter([Q1, Q4, Q3], dt.date(2026, 9, 30)) == Q3


def test_no_activity_or_only_later_quarters_open_on_the_latest():
    assert current_quarter([Q1, Q4], None) == Q1  # targets only: no as-of to date the snapshot
    assert current_quarter([Q1, Q4], dt.date(2026, 9, 30)) == Q1  # targets set for quarters ahead
