"""The 提成调整 screen (finance): pick a CRM user, month, amount and reason; the form empties after a
save so a second click cannot duplicate it; bad input stays beside its field; edit and void with
the record's audit history; other roles get no form. AppTest on a real SQLite store and a small
published snapshot."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from app_login import as_viewer
from reference_screen_fixtures import open_store, published_reference
from store_workflow_fixtures import viewer
from streamlit.testing.v1 import AppTest

from operational.db import dispose_all, session_scope

PAGE = Path(__file__).resolve().parents[1] / "apps" / "views" / "entry" / "commission_adjustments.py"


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    home = published_reference(tmp_path_factory.mktemp("adjustment_screen"))
    (home / "config").mkdir()
    (home / "config" / "finance.yml").write_text("commission:\n  lock_through: 2026-06-30\n", encoding="utf-8")
    return home


@pytest.fixture
def store(published, monkeypatch, tmp_path):
    yield open_store(published, monkeypatch, tmp_path)
    dispose_all()


def page(who: str = "finance1") -> AppTest:
    at = as_viewer(AppTest.from_file(str(PAGE), default_timeout=60), viewer(who))
    at.run()
    assert not at.exception, at.exception
    return at


def click(at: AppTest, label_start: str) -> AppTest:
    next(b for b in at.button if b.label.startswith(label_start)).click().run()
    assert not at.exception, at.exception
    return at


def rows(url: str) -> list[dict]:
    with session_scope(url, readonly=True) as s:
        return [dict(r._mapping) for r in s.execute(sa.text(
            "select id, user_id, period, amount, reason, author, version, deleted_at from commission_adjustments"))]


def fill(at: AppTest, user_id=101, period="2026-09", amount="1,500.00", reason="大客户回款攻坚奖励") -> AppTest:
    at.selectbox(key="ca_user").set_value(user_id)
    at.text_input(key="ca_period").input(period)
    at.text_input(key="ca_amount").input(amount)
    at.text_area(key="ca_reason").input(reason)
    return at


def test_save_then_the_form_is_empty_and_a_second_click_saves_nothing(store):
    at = page()
    assert "2026-06-30" in at.caption[0].value  # says which months are closed
    click(fill(at), "保存调整")
    assert any("已保存调整" in s.value for s in at.success), [s.value for s in at.success]
    (row,) = rows(store)
    assert (row["user_id"], row["period"], Decimal(str(row["amount"])), row["author"]) == (
        101, "2026-09", Decimal("1500.00"), "finance1")
    assert at.text_input(key="ca_amount").value == "" and at.text_area(key="ca_reason").value == ""
    assert at.selectbox(key="ca_user").value is None
    click(at, "保存调整")  # the same click again: an empty form, nothing saved twice
    assert len(rows(store)) == 1
    assert any("Required" in e.value for e in at.error)


def test_bad_input_is_shown_beside_the_field_and_kept(store):
    at = click(fill(page(), period="2026-06", amount="0"), "保存调整")
    shown = [e.value for e in at.error]
    assert any(e.startswith("period") and "closed" in e for e in shown), shown
    assert any(e.startswith("amount") and "must not be 0" in e for e in shown), shown
    assert at.text_input(key="ca_period").value == "2026-06"  # kept for correcting
    assert rows(store) == []


def test_edit_and_void_with_history(store):
    at = click(fill(page()), "保存调整")
    (row,) = rows(store)
    at.run()
    assert at.selectbox(key="ca_pick").value == row["id"]
    at.text_input(key=f"ca_edit_amount_{row['id']}").input("1800.00")
    click(at, "保存修改")
    assert any("已保存修改" in s.value for s in at.success)
    (row,) = rows(store)
    assert (Decimal(str(row["amount"])), row["version"]) == (Decimal("1800.00"), 2)
    history = next(e for e in at.expander if "Audit history" in e.label).dataframe[0].value
    assert list(history["action"]) == ["update", "insert"] and "amount: 1500.00 → 1800.00" in history["changes"][0]
    click(at, "作废")  # without a reason
    assert any(e.startswith("void_reason") for e in (x.value for x in at.error))
    at.text_input(key=f"ca_void_reason_{row['id']}").input("录错了")
    click(at, "作废")
    (row,) = rows(store)
    assert row["deleted_at"] is not None and row["version"] == 3
    assert any("暂无调整" in i.value for i in at.info)


@pytest.mark.parametrize("who", ["rep1", "manager1", "channel1"])
def test_other_roles_get_no_form(store, who):
    at = as_viewer(AppTest.from_file(str(PAGE), default_timeout=60), viewer(who))
    at.run()
    assert not at.text_input and not at.button
