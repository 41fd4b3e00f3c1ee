"""The system Chromium for Playwright (never a downloaded browser), or a clear failure in CI.

CI installs ``chromium`` with apt (``.ci/run``); a developer machine without it skips the browser
test, but under ``CI=true`` a missing browser is a failure, so the test cannot silently vanish.
"""

from __future__ import annotations

import os
from pathlib import Path

from ci_requirements import unavailable

CHROMIUM = Path(os.environ.get("CRMLAKE_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
]


def require_chromium() -> Path:
    """The Chromium executable; fail under CI, skip elsewhere, when it is not installed."""
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    unavailable(f"Chromium not found at {CHROMIUM}: install it (apt-get install chromium) or set CRMLAKE_CHROMIUM")


def launch(playwright):
    """A headless Chromium from the system package; Playwright never downloads one."""
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    return playwright.chromium.launch(executable_path=str(require_chromium()), args=ARGS)
