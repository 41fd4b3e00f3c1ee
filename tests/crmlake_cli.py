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


def user_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a user whose lakehouse is ``home`` (and ``extra``), nothing of the session's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRMLAKE_", "DAGSTER_HOME"))}
    return {**env, "CRMLAKE_HOME": str(home), "DAGSTER_HOME": str(home / "dagster"), **extra}


def crmlake_ok(env: dict[str, str], *args: str) -> str:
    """Run the installed ``crmlake`` command in ``env``; it must succeed; its standard output."""
    done = subprocess.run([str(Path(sys.executable).with_name("crmlake")), *args],
                          env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, f"crmlake {' '.join(args)}:\n{done.stdout[-4000:]}\n{done.stderr[-3000:]}"
    return done.stdout
