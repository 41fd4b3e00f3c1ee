"""Form helpers of the entry screens: errors beside their fields, typed values kept.

A form's submit button runs a callback (``on_click``) before the script reruns, so the
errors of the last submit are in ``st.session_state`` when the fields are drawn again and
each field can show its own message directly below it. Widgets carry keys, so Streamlit keeps
what the user typed after an error; ``clear`` empties them only after a successful save.

Saving twice is not possible from one drawn form: ``submit`` binds the form's generation (a counter
in ``st.session_state``) into its button's key and callback, and a save that ends without errors
moves the generation on. A second click on the same drawn form (a double click, or a click sent
before the page redrew) then either reaches no button at all or carries the old generation and is
refused, so it never creates a second row. A click that reaches the server while the first one's
save is still running is handled in a second script thread (Streamlit starts a new run and stops
the old one, whose session-state writes then fail, so the generation may never move on): for that
case every submit carries a key (session, form, drawn generation) and the store call saves once
per key (``apps.entry_data.act`` waits for the first and hands back its result). ``clear`` sets each field
back to the default it was drawn with (through the Session State API, so the browser's copy is
reset too: only removing the key would leave the old text in the browser, ready to be sent again).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import streamlit as st

GENERAL = "_form"  # errors that belong to no single field
DEFAULTS = "__form_defaults"  # widget key -> the value the field was first drawn with
REPEATED = "已保存，重复提交已忽略 Already saved: the repeated submit was ignored."


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


def _remember_default(key: str, value: Any) -> None:
    defaults = st.session_state.setdefault(DEFAULTS, {})
    defaults.setdefault(key, value)


def _empty_like(value: Any) -> Any:
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        return ""
    return None


def clear(keys: Iterable[str]) -> None:
    """Put every field back to the value it was first drawn with (after a successful save), in
    the browser too, so the form starts empty and the same input cannot be sent again."""
    defaults = st.session_state.get(DEFAULTS) or {}
    for key in keys:
        if key in defaults:
            st.session_state[key] = defaults[key]
        elif key in st.session_state:
            st.session_state[key] = _empty_like(st.session_state[key])


def generation(form: str) -> int:
    """How many times ``form`` was saved in this session (part of its submit button's key)."""
    return int(st.session_state.get(f"{form}__generation", 0))


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
    _remember_default(key, kwargs.get("value") or "")
    value = st.text_input(label, key=key, **kwargs)
    field_error(form, field)
    return value


def number(form: str, field: str, label: str, key: str, **kwargs: Any) -> float:
    _remember_default(key, kwargs["value"] if "value" in kwargs and kwargs["value"] != "min"
                      else kwargs.get("min_value", 0.0))
    value = st.number_input(label, key=key, **kwargs)
    field_error(form, field)
    return value


def select(form: str, field: str, label: str, options: list, key: str, **kwargs: Any) -> Any:
    index = kwargs.get("index", 0)
    options = list(options)
    _remember_default(key, options[index] if index is not None and 0 <= index < len(options) else None)
    kwargs.setdefault("placeholder", "请选择 Choose")  # not Streamlit's own "Choose an option"
    value = st.selectbox(label, options, key=key, **kwargs)
    field_error(form, field)
    return value


def date(form: str, field: str, label: str, key: str, **kwargs: Any) -> Any:
    default = kwargs.get("value", "today")
    _remember_default(key, dt.date.today() if default == "today" else default)
    value = st.date_input(label, key=key, **kwargs)
    field_error(form, field)
    return value


def checkbox(form: str, field: str, label: str, key: str, value: bool = False, **kwargs: Any) -> bool:
    _remember_default(key, bool(value))
    checked = st.checkbox(label, value=value, key=key, **kwargs)
    field_error(form, field)
    return checked


def area(form: str, field: str, label: str, key: str, **kwargs: Any) -> str:
    _remember_default(key, kwargs.get("value") or "")
    value = st.text_area(label, key=key, **kwargs)
    field_error(form, field)
    return value


def submit(form: str, label: str, action: Callable[[], None], key: str | None = None) -> bool:
    """Submit button whose callback first clears the form's old messages, then runs ``action``
    once per drawn form: a save without errors moves the form's generation on, and a submit
    carrying an older generation is refused (no second row from a double click)."""
    drawn, _run = _guarded(form, action)
    return st.form_submit_button(label, on_click=_run, args=(drawn,), key=f"{key or form + ':' + label}__submit_{drawn}")


def keys(form: str, fields: Iterable[str]) -> dict[str, str]:
    """Widget key of each field of a form (``<form>.<field>``)."""
    return {field: f"{form}.{field}" for field in fields}


def cleaned(values_: dict[str, Any]) -> dict[str, Any]:
    """Typed values with blank text as ``None`` (optional fields left empty)."""
    return {k: (v.strip() or None) if isinstance(v, str) else v for k, v in values_.items()}


_SUBMISSION: contextvars.ContextVar[tuple[tuple, list] | None] = contextvars.ContextVar("entry_submission", default=None)


def submission_key() -> tuple | None:
    """The key of the next store call of the submit being handled (session, form, drawn generation,
    call number within the callback), or ``None`` outside a submit: each saves once per key
    (``apps.entry_data.act``)."""
    current = _SUBMISSION.get()
    if current is None:
        return None
    key, calls = current
    calls.append(None)
    return (*key, len(calls))


def _session_id() -> str:
    """This browser session's id plus a nonce kept in its state (test harnesses reuse session ids)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    nonce = st.session_state.setdefault("__entry_session_nonce", uuid.uuid4().hex)
    return f"{ctx.session_id if ctx is not None else 'no-session'}:{nonce}"


def _guarded(form: str, action: Callable[[], None]) -> tuple[int, Callable[[int], None]]:
    """The form's drawn generation and a callback that runs ``action`` once for it (see module doc)."""
    drawn = generation(form)
    _session_id()  # the nonce exists before any callback reads it

    def _run(drawn_generation: int) -> None:
        if drawn_generation != generation(form):
            set_errors(form, {GENERAL: REPEATED})
            # the repeated message brought the saved input back: empty the form again
            clear([k for k in st.session_state.get(DEFAULTS) or {} if k.startswith(f"{form}.")])
            return
        set_errors(form, {})
        token = _SUBMISSION.set(((_session_id(), form, drawn_generation), []))
        try:
            action()
        finally:
            _SUBMISSION.reset(token)
        if not errors(form):
            st.session_state[f"{form}__generation"] = drawn_generation + 1

    return drawn, _run


def button(form: str, label: str, action: Callable[[], None], key: str) -> bool:
    """A plain button (outside ``st.form``) with the same once-per-drawn-form behaviour as ``submit``."""
    drawn, run = _guarded(form, action)
    return st.button(label, on_click=run, args=(drawn,), key=f"{key}__{drawn}")
