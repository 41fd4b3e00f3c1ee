"""Shared setup of the screen tests that run on a small published snapshot (the reference data
the workflows read, ``store_workflow_fixtures.build_reference_db``) and a fresh SQLite store per
test, pointed at through the settings' environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_workflow_fixtures import build_reference_db

APPS = Path(__file__).resolve().parents[1] / "apps"


def published_reference(home: Path) -> Path:
    """``home`` with ``published/crmlake.duckdb`` holding the reference data."""
    (home / "published").mkdir()
    build_reference_db(home / "published" / "crmlake.duckdb")
    return home


def open_store(published: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """Point the apps at ``published`` and a new store in ``tmp_path``; the store's URL.

    The caller disposes the store's engines (``operational.db.dispose_all``) after the test.
    """
    from kernel.settings import get_settings

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    settings = get_settings({"CRMLAKE_HOME": str(published), "CRMLAKE_OPERATIONAL_URL": url})
    for key, value in settings.as_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.syspath_prepend(str(APPS))
    import streamlit as st

    st.cache_data.clear()
    return url
