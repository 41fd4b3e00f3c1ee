"""Links from one entry screen to a record on another (``?account=<id>`` opens it there).

``st.page_link`` only knows the pages of the running navigation; a page run on its own (a test,
or a screen the viewer may not open) gets the record named in plain text instead of an error.
"""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAPIException


def to_record(page: str, param: str, record_id: int, label: str, icon: str | None = None) -> None:
    try:
        st.page_link(page, label=label, icon=icon, query_params={param: str(record_id)})
    except (StreamlitAPIException, KeyError):
        st.markdown(f"{icon or ''} {label}")


def requested(param: str) -> int | None:
    """The record id a link asked this page to open (``?<param>=<id>``), if any."""
    value = st.query_params.get(param)
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
