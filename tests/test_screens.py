"""`make screens` in the browser test run (issue 17): every page of two roles, at phone width and
desktop width, photographed in the system Chromium on the session's S=1 snapshot, with no page
reporting a problem (an exception on the page, or a page that would not open).

Every role at both widths is `make screens` (216 shots, ~10 minutes); the test keeps to a rep
(entry screens and the rep's home) and finance (the most figures) so `make test` stays short. The
PNGs go to bench/screens/test-run/ when CRMLAKE_KEEP_SCREENS is set (a CI artifact), else to tmp.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from browser import chromium

from tools import screens

REPO = Path(__file__).resolve().parents[1]


def _until_the_script_ran(page, timeout: float = 60_000) -> None:
    """The tool's wait_idle without its last 0.6 s, which lets charts finish drawing."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_timeout(400)  # as the tool: a rerun starts a moment after the input event
    page.wait_for_selector(screens.RUNNING, state="detached", timeout=timeout)


@pytest.fixture
def pages_judged_when_their_script_ran(monkeypatch):
    """A page is judged (an exception shown, a page that would not open) once its script has
    run, as before; only the pause for charts to draw is left out (100 waits, a minute of CI)
    unless the pictures are kept (CRMLAKE_KEEP_SCREENS, a CI artifact)."""
    if not os.environ.get("CRMLAKE_KEEP_SCREENS"):
        monkeypatch.setattr(screens, "wait_idle", _until_the_script_ran)


@pytest.fixture(scope="module")
def lakehouse(pipeline_run, tmp_path_factory):
    """A copy of the session's lakehouse (its own store gets the demo logins)."""
    from kernel.settings import get_settings

    home = tmp_path_factory.mktemp("screens_home")
    source = pipeline_run.settings
    for name, path in {"lakehouse": source.lakehouse_dir, "published": source.published_dir,
                       "config": source.config_dir}.items():
        shutil.copytree(path, home / name)
    return get_settings({"CRMLAKE_HOME": str(home)})


def test_every_page_of_a_rep_and_finance_photographs_cleanly(lakehouse, pages_judged_when_their_script_ran, tmp_path):
    chromium.require_chromium()
    out = REPO / "bench" / "screens" / "test-run" if os.environ.get("CRMLAKE_KEEP_SCREENS") else tmp_path / "shots"
    shots = screens.take(lakehouse, out, logins=("rep1", "finance1"), widths=(390, 1440))
    by_login = {login: [s for s in shots if s.login == login] for login in ("rep1", "finance1")}
    for login, taken in by_login.items():
        role = taken[0].role if taken else None
        expected = {key for key, _ in screens.pages_of(role)} if role else set()
        assert expected and {s.screen for s in taken if s.width == 390} == expected, login
        assert {s.screen for s in taken if s.width == 1440} == expected, login
    problems = [f"{s.login} {s.width}px {s.screen}: {s.problem}" for s in shots if s.problem]
    assert not problems, "\n".join(problems)
    assert all(s.path.is_file() and s.path.stat().st_size > 10_000 for s in shots)
    assert (out / "index.md").is_file()
