"""The channel manager decides on registrations and special prices seeing the deal (issue 17):
the partner and product by name, the list price, the discount, the net (requested) price and the
amount, not partner and product ids. AppTest on the small published reference snapshot."""

from __future__ import annotations

from decimal import Decimal

import pytest
from app_login import as_viewer
from reference_screen_fixtures import APPS, open_store, published_reference
from store_workflow_fixtures import viewer
from streamlit.testing.v1 import AppTest

from operational.db import dispose_all, session_scope


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    return published_reference(tmp_path_factory.mktemp("channel_deal"))


@pytest.fixture
def store(published, monkeypatch, tmp_path):
    yield open_store(published, monkeypatch, tmp_path)
    dispose_all()


def test_channel_approvals_show_partner_product_prices_and_amount(store):
    from operational.workflows import partners

    with session_scope(store) as s:
        reg = partners.create_deal_registration(s, viewer("partner1"), "杭州明达机械有限公司", estimated_amount="500000").id
    with session_scope(store) as s:
        partners.approve_registration(s, viewer("channel1"), reg)
        partners.request_special_price(s, viewer("partner1"), 2, "10", "1200", registration_id=reg)  # list 1450
    with session_scope(store) as s:
        partners.create_deal_registration(s, viewer("partner1"), "天津海川化工有限公司", estimated_amount="80000")

    at = as_viewer(AppTest.from_file(str(APPS / "views" / "entry" / "channel_approvals.py"), default_timeout=60),
                   viewer("channel1")).run()
    assert not at.exception, at.exception
    registrations = next(d.value for d in at.dataframe if "customer_name" in d.value.columns
                         and "partner_name" in d.value.columns and "product" not in d.value.columns)
    assert list(registrations["partner_name"]) == ["P0001 宁波天恒自动化有限公司"]
    assert "partner_id" not in registrations.columns
    prices = next(d.value for d in at.dataframe if "requested_price" in d.value.columns)
    row = prices.iloc[0]
    assert row["partner_name"] == "P0001 宁波天恒自动化有限公司"
    assert row["customer_name"] == "杭州明达机械有限公司"
    assert row["product"] == "10.03.0002 振动传感器 VS-3"
    assert Decimal(str(row["list_price"])) == Decimal("1450.00")
    assert Decimal(str(row["requested_price"])) == Decimal("1200.00")
    assert row["discount_rate"] == pytest.approx(1 - 1200 / 1450)
    assert row["amount"] == pytest.approx(12000.0)
    assert "product_id" not in prices.columns
