"""``crmlake`` as a user runs it: a subprocess with only the given home (and ``env``) set, so
nothing of the test session's ``CRMLAKE_*`` environment leaks in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def crmlake(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CRMLAKE_")}
    environ.update(CRMLAKE_HOME=str(home), DAGSTER_HOME=str(home / "dagster"), **env)
    return subprocess.run([sys.executable, "-m", "tools.cli", *args], env=environ, capture_output=True,
                          text=True, timeout=1800, check=False)
