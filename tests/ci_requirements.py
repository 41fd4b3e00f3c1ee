"""A system program a test needs (Chromium, Java): skip without it locally, fail under CI.

``.ci/run`` installs both with apt, so under ``CI=true`` a missing program is a broken setup and
the test fails instead of vanishing as a skip.
"""

from __future__ import annotations

import os

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def unavailable(message: str) -> None:
    """Fail (under CI) or skip (elsewhere) the calling test with ``message``."""
    if in_ci():
        pytest.fail(message + " -- CI=true, so the test fails instead of skipping", pytrace=False)
    pytest.skip(message)
