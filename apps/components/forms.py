"""Form helpers of the entry screens: errors beside their fields, typed values kept.

A form's submit button runs a callback (``on_click``) before the script reruns, so the
errors of the last submit are in ``st.session_state`` when the fields are drawn again and
each field can show its own message directly below it. Widgets carry keys, so Streamlit keeps
what the user typed after an error; ``clear`` empties them only after a successful save.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import streamlit as st

GENERAL = "_form"  # errors that belong to no single field


def errors_key(form: str) -> str:
    return f"{form}__errors"


def errors(form: str) -> dict[str, str]:
    return st.session_state.get(errors_key(form)) or {}


def set_errors(form: str, messages: dict[str, str]) -> None:
    st.session_state[errors_key(form)] = dict(messages)


def field_error(form: str, field: str) -> None:
    """The message of ``field`` (if the last submit had one), drawn right below the field."""
    message = errors(form).get(field)
    if message:
        st.error(f"{field}: {message}", icon="⚠️")


def form_errors(form: str, fields: Iterable[str]) -> None:
    """Messages for errors not tied to a drawn field (the form's general message first)."""
    drawn = set(fields)
    for field, message in errors(form).items():
        if field not in drawn:
            st.error(message if field == GENERAL else f"{field}: {message}", icon="⚠️")


def values(keys: dict[str, str]) -> dict[str, Any]:
    """Field name → current widget value, from the widget keys (inside a submit callback)."""
    return {field: st.session_state.get(key) for field, key in keys.items()}


def clear(keys: Iterable[str]) -> None:
    """Forget the typed values (after a successful save) so the form starts empty."""
    for key in keys:
        st.session_state.pop(key, None)


def flash(form: str, message: str | None = None) -> str | None:
    """Set (with ``message``) or pop the one-time success message of a form."""
    key = f"{form}__flash"
    if message is not None:
        st.session_state[key] = message
        return message
    return st.session_state.pop(key, None)


def show_flash(form: str) -> None:
    message = flash(form)
    if message:
        st.success(message)


def text(form: str, field: str, label: str, key: str, **kwargs: Any) -> str:
    value = st.text_input(label, key=key, **kwargs)
    field_error(form, field)
    return value


def number(form: str, field: str, label: str, key: str, **kwargs: Any) -> float:
    value = st.number_input(label, key=key, **kwargs)
    field_error(form, field)
    return value


def select(form: str, field: str, label: str, options: list, key: str, **kwargs: Any) -> Any:
    value = st.selectbox(label, options, key=key, **kwargs)
    field_error(form, field)
    return value


def date(form: str, field: str, label: str, key: str, **kwargs: Any) -> Any:
    value = st.date_input(label, key=key, **kwargs)
    field_error(form, field)
    return value


def area(form: str, field: str, label: str, key: str, **kwargs: Any) -> str:
    value = st.text_area(label, key=key, **kwargs)
    field_error(form, field)
    return value


def submit(form: str, label: str, action: Callable[[], None], key: str | None = None) -> bool:
    """Submit button whose callback first clears the form's old messages, then runs ``action``."""

    def _run() -> None:
        set_errors(form, {})
        action()

    return st.form_submit_button(label, on_click=_run, key=key)


def keys(form: str, fields: Iterable[str]) -> dict[str, str]:
    """Widget key of each field of a form (``<form>.<field>``)."""
    return {field: f"{form}.{field}" for field in fields}


def cleaned(values_: dict[str, Any]) -> dict[str, Any]:
    """Typed values with blank text as ``None`` (optional fields left empty)."""
    return {k: (v.strip() or None) if isinstance(v, str) else v for k, v in values_.items()}


def button(form: str, label: str, action: Callable[[], None], key: str) -> bool:
    """A plain button (outside ``st.form``) with the same callback behaviour as ``submit``."""

    def _run() -> None:
        set_errors(form, {})
        action()

    return st.button(label, on_click=_run, key=key)
