"""sales.yml bands: half-open, contiguous, open at both ends, so every amount or depth falls in
exactly one band (the SQL joins on [lower, upper) and would drop or double a value otherwise)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from kernel.config.model import Sales


def test_defaults_cover_everything_in_order():
    s = Sales()
    assert [b.name for b in s.amount_bands] == ["<5万", "5万-20万", "20万-100万", "≥100万"]
    assert s.amount_bands[1].min == s.amount_bands[0].max == Decimal(50_000)
    assert s.discount_bands[0].min is None and s.discount_bands[-1].max is None
    assert (s.stalled_deal_days, s.inactive_account_days) == (30, 60)


@pytest.mark.parametrize(("bands", "message"), [
    ([{"name": "a", "max": 5}, {"name": "b", "min": 6}], "must start (min) where 'a' ends"),
    ([{"name": "a", "min": 1, "max": 5}, {"name": "b", "min": 5}], "the first band has no min"),
    ([{"name": "a", "max": 5}, {"name": "b", "min": 5, "max": 9}], "the last band has no max"),
    ([{"name": "a", "max": 5}, {"name": "a", "min": 5}], "band names must be unique"),
    ([{"name": "a", "max": 5}, {"name": "b", "min": 5, "max": 5}, {"name": "c", "min": 5}], "must be above min"),
    ([], "at least one band"),
])
def test_a_gap_an_overlap_or_a_closed_end_is_refused_naming_the_band(bands, message):
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Sales(amount_bands=bands)


def test_stalled_days_must_be_positive():
    with pytest.raises(ValidationError, match="stalled_deal_days"):
        Sales(stalled_deal_days=0)
