"""Playwright waits and inputs for Streamlit pages: a script rerun is asynchronous, so every
action waits until the app is idle again before the next one looks at the page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

RUNNING = '[data-testid="stStatusWidget"]'


def wait_idle(page, timeout: float = 60_000) -> None:
    """Until the script has run: the app view is there and the "running" widget is gone."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_timeout(300)  # a rerun starts a moment after the input event
    page.wait_for_selector(RUNNING, state="detached", timeout=timeout)


def fill(page, label: str, value: str) -> None:
    """Type into the text input labelled ``label`` and commit it (Tab, as a user leaving the field)."""
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Tab")
    wait_idle(page)


def type_date(page, label: str, day) -> None:
    """Type a date into the date input labelled ``label`` (segments: year, month, day)."""
    field = page.get_by_label(label, exact=True).first
    segments = field.get_by_role("spinbutton")
    target = segments.first if segments.count() else field
    target.click()
    page.keyboard.type(day.strftime("%Y%m%d"))
    page.keyboard.press("Escape")


def click(page, name: str) -> None:
    page.get_by_role("button", name=name).first.click()
    wait_idle(page)


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox labelled ``label``."""
    page.get_by_label(label).first.click()
    page.get_by_role("option", name=option).first.click()
    wait_idle(page)


def open_page(page, title: str) -> None:
    """Open a page through its sidebar link (a new URL would start a new, logged-out session)."""
    link = page.get_by_role("link", name=title).first
    more = page.get_by_role("button", name=re.compile(r"View \d+ more"))
    if not link.is_visible() and more.count():  # long sections are folded in the sidebar
        more.first.click()
    link.click()
    wait_idle(page)


@contextmanager
def screenshots_on_failure(page, folder: Path, name: str) -> Iterator[None]:
    """On any failure inside the block, save a full-page screenshot and name it in the error."""
    try:
        yield
    except BaseException as error:
        folder.mkdir(parents=True, exist_ok=True)
        shot = folder / f"{name}.png"
        try:
            page.screenshot(path=str(shot), full_page=True)
            (folder / f"{name}.html").write_text(page.content(), encoding="utf-8")
        except Exception:  # the page may be gone; the original error matters more
            raise error from None
        raise AssertionError(f"{error}\n(screenshot: {shot})") from error
