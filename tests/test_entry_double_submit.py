"""A saved entry form cannot be saved twice (issue 17): a double click on "create" (the browser
sends the same submit again before the page redrew) leaves one lead and one quote, and the form is
empty for the next record. AppTest on the published S=1 snapshot and a fresh SQLite store."""

from __future__ import annotations

import pytest
from entry_fixtures import errors, make_entry_env, page, successes
from test_entry_sales_screens import _create_opportunity, _product

pytestmark = pytest.mark.slow


@pytest.fixture
def env(pipeline_run, monkeypatch, tmp_path):
    return make_entry_env(pipeline_run, monkeypatch, tmp_path)


def _double_click(at, label_start: str):
    """Click a submit button, then send the very same browser message once more (what a double
    click does when the second click leaves before the page shows the saved state)."""
    button = next(b for b in at.button if b.label.startswith(label_start))
    button.click()
    sent = at._tree.get_widget_states()  # the browser's message of this click
    at._tree.run()
    assert not at.exception, at.exception
    first = successes(at)
    at._run(sent)  # the same message again
    assert not at.exception, at.exception
    return first


def test_double_click_on_create_lead_saves_one_lead_and_empties_the_form(env):
    at = page(env, "leads", "rep1")
    at.text_input(key="lead_new.lead_name").input("王小明")
    at.text_input(key="lead_new.company_name").input("杭州明远科技有限公司")
    first = _double_click(at, "创建 Create")
    assert any("已创建" in s for s in first), first
    assert len(env.rows("select id from leads")) == 1  # one row, not two
    at.run()
    assert at.text_input(key="lead_new.lead_name").value == ""

    # the next lead is a new submit of the redrawn form and saves normally
    at.text_input(key="lead_new.lead_name").input("李四")
    next(b for b in at.button if b.label.startswith("创建 Create")).click().run()
    assert [r["lead_name"] for r in env.rows("select lead_name from leads order by id")] == ["王小明", "李四"]


def test_double_click_on_create_quote_saves_one_quote(env):
    opp = _create_opportunity(env, "rep1")
    product = _product(env, "rep1")
    at = page(env, "quotes", "rep1")
    at.selectbox(key="quote_new.opportunity_id").select(opp["id"])
    at.selectbox(key="quote_new.lines[1].product_id").select(product)
    at.number_input(key="quote_new.lines[1].quantity").set_value(3.0)
    at.number_input(key="quote_new.lines[1].discount_pct").set_value(22.0)
    first = _double_click(at, "创建报价 Create quote")
    assert any("已创建" in s for s in first), (first, errors(at))
    assert len(env.rows("select id from quotes")) == 1
    at.run()
    # the form starts empty: no product and no 22 % discount left over for the next quote
    assert at.selectbox(key="quote_new.lines[1].product_id").value is None
    assert at.number_input(key="quote_new.lines[1].discount_pct").value == 0.0
