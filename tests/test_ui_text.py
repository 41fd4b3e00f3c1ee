"""Streamlit's own words in Chinese where a page may choose them (apps/ui_text.py), as Streamlit
renders them, and the toolbar without "Deploy" or Streamlit's English menu."""

from __future__ import annotations

import tomllib
from pathlib import Path

from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[1]


def _widgets():
    import datetime as dt

    import streamlit as st

    from apps import ui_text

    st.selectbox("客户 Customer", ["甲", "乙"], index=None, key="one", **ui_text.choice())
    st.multiselect("部门 Department", ["华东", "华北"], key="many", **ui_text.filter_choices())
    st.date_input("日期 Date", dt.date(2026, 12, 5), key="day", **ui_text.date())
    with st.form("f", **ui_text.form()):
        st.text_input("名称 Name", key="name")
        st.form_submit_button("保存 Save")


def test_pages_get_chinese_placeholders_and_dates():
    from apps import ui_text

    at = AppTest.from_function(_widgets)
    at.run()
    assert not at.exception
    assert at.selectbox(key="one").proto.placeholder == ui_text.CHOOSE
    assert at.multiselect(key="many").proto.placeholder == ui_text.ALL
    assert at.date_input(key="day").proto.format == ui_text.DATE_FORMAT
    assert "Choose an option" not in (ui_text.CHOOSE, ui_text.ALL)


def test_the_toolbar_shows_no_deploy_or_developer_menu():
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["toolbarMode"] == "minimal"
