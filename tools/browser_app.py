"""The apps in a real browser, for the screenshot tool and the browser tests: `streamlit run
apps/Home.py` on a free local port (stopped, its own process group only, when the block ends) and
the system Chromium driven by Playwright (never a downloaded browser).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("CRMLAKE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def streamlit_app(env: dict[str, str], log_path: Path, timeout: float = 90) -> Iterator[str]:
    """Serve the apps on 127.0.0.1 with ``env`` (a lakehouse's settings); yields the base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "streamlit", "run", str(REPO / "apps" / "Home.py"),
        "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]
    full_env = {**os.environ, **env, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=REPO, env=full_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + timeout
            while not _healthy(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"streamlit did not start on {url} (exit {process.poll()}):\n"
                        + log_path.read_text(encoding="utf-8", errors="replace")[-4000:]
                    )
                time.sleep(0.5)
            yield url
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def launch_chromium(playwright, executable: Path = CHROMIUM):
    """A headless Chromium from the system package; Playwright never downloads one."""
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    return playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
