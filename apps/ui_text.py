"""Streamlit's own words, in Chinese where Streamlit lets a page choose them.

Streamlit draws some text itself, in English: "Choose an option" in an empty selectbox, "Choose
options" in a multiselect, "Press Enter to submit form" under a form's text field, the date format
"YYYY/MM/DD". A page can replace these only per widget, so every page passes the same words from
here (``st.selectbox(..., **ui_text.choice())``). What Streamlit does not let a page choose is
handled once elsewhere: the toolbar's developer menu and "Deploy" (``client.toolbarMode`` in
``.streamlit/config.toml``), "View N more" in the menu (``st.navigation(expanded=True)``) and "Page
not found" for bookmarked pages (``apps.navigation``). Still English, with no switch in Streamlit
1.67: the "Running…" indicator, the file uploader's "Drag and drop file here" / "Browse files", and
the data grid's own menus (sort, hide column, search).
"""

from __future__ import annotations

from typing import Any

CHOOSE = "请选择 Choose"
CHOOSE_SEVERAL = "请选择（可多选） Choose one or more"
ALL = "全部 All"  # a filter left empty means every value
DATE_FORMAT = "YYYY-MM-DD"


def choice(placeholder: str = CHOOSE, **kwargs: Any) -> dict[str, Any]:
    """Keyword arguments for ``st.selectbox``: a Chinese placeholder instead of "Choose an option"."""
    return {"placeholder": placeholder, **kwargs}


def choices(placeholder: str = CHOOSE_SEVERAL, **kwargs: Any) -> dict[str, Any]:
    """Keyword arguments for ``st.multiselect``: a Chinese placeholder instead of "Choose options"."""
    return {"placeholder": placeholder, **kwargs}


def filter_choices(**kwargs: Any) -> dict[str, Any]:
    """``st.multiselect`` used as a filter: empty reads as "all", so the placeholder says so."""
    return choices(ALL, **kwargs)


def date(**kwargs: Any) -> dict[str, Any]:
    """Keyword arguments for ``st.date_input``: dates as 2026-12-05, the format of every table."""
    return {"format": DATE_FORMAT, **kwargs}


def form(**kwargs: Any) -> dict[str, Any]:
    """Keyword arguments for ``st.form``: no English "Press Enter to submit form" hint; the form is
    sent with its button only (also no half-filled form sent by an Enter in the first field)."""
    return {"enter_to_submit": False, **kwargs}
