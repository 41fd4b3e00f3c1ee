"""One store call per submit key (issue 17): a repeated click that the server handles while the
first click is still saving (a second script thread) waits for it and gets its outcome instead of
saving again; a first attempt that failed lets the repeat try for itself. Fast: no store, no app."""

from __future__ import annotations

import contextlib
import threading
import time

import pytest

from apps import entry_data
from operational.errors import ValidationError


@pytest.fixture
def keyed(monkeypatch):
    """``act`` under one fixed submit key, with a dummy transaction and no Streamlit state."""
    key = ("session", "lead_new", 0, 1, time.monotonic())  # unique per test
    monkeypatch.setattr(entry_data.forms, "submission_key", lambda: key)
    monkeypatch.setattr(entry_data.forms, "set_errors", lambda form, errors: None)
    monkeypatch.setattr(entry_data, "session_scope", lambda: contextlib.nullcontext(object()))
    return key


def _both(action) -> list[entry_data.Outcome]:
    outcomes: list = [None, None]

    def click(n: int) -> None:
        outcomes[n] = entry_data.act("lead_new", action)

    threads = [threading.Thread(target=click, args=(n,)) for n in range(2)]
    threads[0].start()
    time.sleep(0.05)  # the second click arrives while the first is saving
    threads[1].start()
    for t in threads:
        t.join(10)
    return outcomes


def test_a_click_during_the_first_save_does_not_save_again(keyed):
    saved = []

    def save(session):
        saved.append(1)
        time.sleep(0.3)
        return {"id": len(saved)}

    first, second = _both(save)
    assert saved == [1]
    assert first.ok and second.ok and first.value == second.value == {"id": 1}


def test_a_failed_first_attempt_lets_the_repeat_try(keyed):
    calls = []

    def save(session):
        calls.append(1)
        time.sleep(0.2)
        if len(calls) == 1:
            raise ValidationError({"lead_name": "必填 Required"})
        return {"id": 7}

    first, second = _both(save)
    assert len(calls) == 2
    assert first.errors == {"lead_name": "必填 Required"} and second.ok and second.value == {"id": 7}


def test_without_a_submit_key_every_call_saves(monkeypatch):
    monkeypatch.setattr(entry_data.forms, "submission_key", lambda: None)
    monkeypatch.setattr(entry_data.forms, "set_errors", lambda form, errors: None)
    monkeypatch.setattr(entry_data, "session_scope", lambda: contextlib.nullcontext(object()))
    saved = []
    _both(lambda session: saved.append(1))
    assert saved == [1, 1]
