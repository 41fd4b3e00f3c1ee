"""Drill-down by click: a table row picked with the mouse opens its detail, and the pick is kept
in the address (``url_state``) so the drilled view can be bookmarked, shared and reloaded.

A row is named in the address by its key column's value (a statement key, a requirement id, a
customer), never by its position, so a link still points at the same row when a new snapshot
sorts the table differently; a key the table does not hold selects nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from apps import charts, display, url_state


def row(frame: pd.DataFrame, key_column: str, *, name: str, key: str,
        labels: Mapping[str, str] | None = None, kinds: Mapping[str, str] | None = None,
        show_ids: Any = False, first_by_default: bool = False) -> pd.Series | None:
    """Show ``frame`` (``display.table``) with single-row selection; the selected row, or ``None``.

    ``name``: the address parameter holding the selected row's ``key_column`` value;
    ``first_by_default``: the first row is selected when the address names none (a ranking opens
    on its top entry)."""
    frame = frame.reset_index(drop=True)
    keys = [url_state.as_text(v) for v in frame[key_column]]
    wanted = url_state.raw(name)
    if wanted is None and first_by_default and keys:
        wanted = keys[0]
    default = {"selection": {"rows": [keys.index(wanted)], "columns": []}} if wanted in keys else None
    event = display.table(frame, labels=labels, kinds=kinds, show_ids=show_ids, key=key, on_select="rerun",
                          selection_mode="single-row", selection_default=default)
    rows = charts.selected_rows(event)  # the default counts as selected on the first draw
    if not rows or rows[0] >= len(frame):
        url_state.keep(**{name: None})
        return None
    picked = frame.iloc[rows[0]]
    url_state.keep(**{name: keys[rows[0]]})
    return picked

