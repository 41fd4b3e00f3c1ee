"""The system Chromium for Playwright (never a downloaded browser), or a clear failure in CI.

CI installs ``chromium`` with apt (``.ci/run``); a developer machine without it skips the browser
test, but under ``CI=true`` a missing browser is a failure, so the test cannot silently vanish.
"""

from __future__ import annotations

import os
from pathlib import Path

from ci_requirements import unavailable

from tools.browser_app import CHROMIUM, launch_chromium


def require_chromium() -> Path:
    """The Chromium executable; fail under CI, skip elsewhere, when it is not installed."""
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    unavailable(f"Chromium not found at {CHROMIUM}: install it (apt-get install chromium) or set CRMLAKE_CHROMIUM")


def launch(playwright):
    """A headless Chromium from the system package; Playwright never downloads one."""
    return launch_chromium(playwright, require_chromium())
