"""Per-record pieces of the entry screens: stale-version notice and the audit history."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from apps import display

STALE_KEY = "__stale"


def remember_stale(form: str, current: dict) -> None:
    st.session_state[f"{form}{STALE_KEY}"] = dict(current)


def stale_notice(form: str) -> None:
    """Tell the user someone else saved first, showing the newer values (then forget them)."""
    current = st.session_state.pop(f"{form}{STALE_KEY}", None)
    if current is None:
        return
    st.warning(
        "This record was changed by someone else since you opened it (now version "
        f"{current.get('version', '—')}). Your input is kept below; check the newer values and save again. "
        "记录已被他人修改，请核对最新值后重新保存。"
    )
    shown = {k: ("" if v is None else str(v)) for k, v in current.items()}
    display.table(pd.DataFrame([shown]), show_ids=["id"])


def audit_history(frame: pd.DataFrame, title: str = "审计记录 Audit history") -> None:
    """An expander with every audit entry of one record, newest first."""
    with st.expander(f"{title} ({len(frame)})"):
        if frame.empty:
            st.caption("No changes recorded yet. 暂无记录。")
        else:
            display.table(frame, show_ids=["id"])
