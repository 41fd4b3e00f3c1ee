"""Shared setup of the entry-screen tests: the published S=1 snapshot and a fresh store per test.

``make_entry_env`` points the apps at the ``pipeline_run`` snapshot and a new SQLite store in
``tmp_path`` with the demo logins seeded (rep1, rep2, manager1, ...); ``page`` opens an entry
screen as one of them; ``click`` presses a button by the start of its label.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from app_login import as_viewer
from streamlit.testing.v1 import AppTest

APPS = Path(__file__).resolve().parents[1] / "apps"
ENTRY = APPS / "views" / "entry"


@dataclass
class EntryEnv:
    url: str
    settings: object

    def viewer(self, username: str):
        from operational.auth import viewer_for
        from operational.db import session_scope
        from operational.models import AppUser

        with session_scope(self.url, readonly=True) as session:
            return viewer_for(session.scalar(sa.select(AppUser).where(AppUser.username == username)))

    def rows(self, sql: str, **params) -> list[dict]:
        from operational.db import engine_for

        with engine_for(self.url).connect() as con:
            return [dict(r._mapping) for r in con.execute(sa.text(sql), params)]

    def execute(self, sql: str, **params) -> None:
        from operational.db import session_scope

        with session_scope(self.url) as session:
            session.execute(sa.text(sql), params)


def make_entry_env(pipeline_run, monkeypatch, tmp_path) -> EntryEnv:
    """Env vars of the snapshot, a fresh store in ``tmp_path`` with the demo logins (call from a fixture)."""
    import streamlit as st

    from operational.db import session_scope
    from operational.demo_users import seed_demo_users
    from operational.reference import Reference

    settings = pipeline_run.settings
    for key, value in settings.as_env().items():
        monkeypatch.setenv(key, value)
    url = f"sqlite:///{tmp_path / 'ops.sqlite'}"
    monkeypatch.setenv("CRMLAKE_OPERATIONAL_URL", url)
    monkeypatch.syspath_prepend(str(APPS))
    st.cache_data.clear()
    with session_scope(url) as session:
        seed_demo_users(session, Reference.load(settings.published_database))
    return EntryEnv(url=url, settings=settings)


def page(env: EntryEnv, name: str, username: str) -> AppTest:
    at = as_viewer(AppTest.from_file(str(ENTRY / f"{name}.py"), default_timeout=90), env.viewer(username))
    at.run()
    assert not at.exception, at.exception
    return at


def click(at: AppTest, label_start: str) -> AppTest:
    button = next((b for b in at.button if b.label.startswith(label_start)), None)
    assert button is not None, f"no button {label_start!r} in {[b.label for b in at.button]}"
    button.click().run()
    assert not at.exception, at.exception
    return at


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def successes(at: AppTest) -> list[str]:
    return [s.value for s in at.success]


def audit_table(at: AppTest):
    """The audit-history table of the selected record (its expander's table)."""
    box = next((e for e in at.expander if "Audit history" in e.label), None)
    assert box is not None, f"no audit history in {[e.label for e in at.expander]}"
    return box.dataframe[0].value
