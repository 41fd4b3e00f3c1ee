"""A dashboard's filters in the address bar (``st.query_params``), so a view can be bookmarked and shared.

Why validated here: the address is typed by anyone. A value read from it is only ever returned
if it equals one of the values the page offers (``choice``: the options the page drew from the
snapshot or its own constants) or parses as a date inside the page's bounds (``day``); anything
else gives the page's default. So a hostile query string never reaches a loader, let alone SQL
(and the loaders bind their values as parameters anyway).

Only the page's own keys are written (``keep``); other parameters (a deep link's, a session's)
are left as they are.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import pandas as pd

T = TypeVar("T")
ALL = "(all 全部)"  # a picker's "no filter" option (None would show as an empty picker)
MAX_LENGTH = 200  # nothing a page offers is longer; a longer value is refused unread
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def as_text(value: Any) -> str:
    """How a value is written in the address: dates as 2026-10-01, everything else as its text."""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _params() -> Any:
    import streamlit as st

    return st.query_params


def raw(name: str) -> str | None:
    """The address' value of ``name`` (the last one if repeated), ``None`` if absent or too long."""
    params = _params()
    if name not in params:
        return None
    values = params.get_all(name)
    value = values[-1] if values else None
    return value if isinstance(value, str) and len(value) <= MAX_LENGTH else None


def choice(name: str, options: Sequence[T], default: T) -> T:
    """The option the address names, compared as text; ``default`` if it names none of them."""
    value = raw(name)
    if value is None:
        return default
    by_text = {as_text(o): o for o in options}
    return by_text.get(value, default)


def choices(name: str, options: Sequence[T]) -> list[T]:
    """Several options (comma-separated in the address); unknown ones are dropped."""
    value = raw(name)
    if not value:
        return []
    by_text = {as_text(o): o for o in options}
    return [by_text[v] for v in value.split(",") if v in by_text]


def day(name: str, default: dt.date, earliest: dt.date | None = None, latest: dt.date | None = None) -> dt.date:
    """A date from the address (YYYY-MM-DD) within [earliest, latest]; ``default`` otherwise."""
    value = raw(name)
    if value is None or not _ISO_DAY.match(value):
        return default
    try:
        parsed = dt.date.fromisoformat(value)
    except ValueError:
        return default
    if (earliest and parsed < earliest) or (latest and parsed > latest):
        return default
    return parsed


def index_of(name: str, options: Sequence[T], default: T) -> int:
    """The widget index of ``choice`` (for ``st.selectbox(index=...)``)."""
    return list(options).index(choice(name, options, default))


def unless_all(value: T) -> T | None:
    """A picker's value, ``None`` for the "no filter" option ``ALL``."""
    return None if value == ALL else value


def all_or(label: Callable[[Any], str]) -> Callable[[Any], str]:
    """A picker's ``format_func``: "全部 All" for ``ALL``, ``label`` for the rest."""
    return lambda value: "全部 All" if value == ALL else label(value)


def seed(key: str, value: Any, options: Sequence[Any] | None = None) -> None:
    """Start widget ``key`` at ``value`` (the address' filter) the first time the page draws it;
    a value no longer among ``options`` (a new snapshot) is reset too."""
    import streamlit as st

    if key not in st.session_state or (options is not None and st.session_state[key] not in options):
        st.session_state[key] = value


def follow(key: str, clicked: Sequence[Any], options: Sequence[Any]) -> None:
    """Point widget ``key`` at what was just clicked in a chart or table (a new click only: a
    selection stays set across reruns and must not undo the user's later choice in the widget)."""
    import streamlit as st

    value = clicked[0] if clicked else None
    memory = f"_clicked_{key}"
    if st.session_state.get(memory, None) != value:
        st.session_state[memory] = value
        if value is not None and value in options:
            st.session_state[key] = value


def keep(**values: Any) -> None:
    """Write the page's filters into the address; ``None`` (or an empty list) removes the key.
    A value already there is not rewritten (no needless browser history entry)."""
    params = _params()
    for name, value in values.items():
        if value is None or (isinstance(value, list | tuple) and not value):
            if name in params:
                del params[name]
            continue
        text = ",".join(as_text(v) for v in value) if isinstance(value, list | tuple) else as_text(value)
        if params.get(name) != text:
            params[name] = text


def allowed(values: Iterable[Any]) -> list[Any]:
    """``values`` without blanks, in order, once each (the options a page offers from a frame)."""
    seen: dict[str, Any] = {}
    for v in values:
        if v is None or (isinstance(v, float) and pd.isna(v)):
            continue
        seen.setdefault(as_text(v), v)
    return list(seen.values())
