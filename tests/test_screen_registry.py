"""The screen registry (operational.screens) is the one home of pages and roles: every page it
names exists and guards itself with its own screen, every page file is registered, every screen
has roles that exist, and the apps' and the store's checks both read it."""

from __future__ import annotations

import re
from pathlib import Path

from operational.models import ROLES
from operational.screens import REGISTRY, SCREENS, SECTIONS, menu

APPS = Path(__file__).resolve().parents[1] / "apps"


def test_every_registered_page_exists_and_guards_itself_with_its_screen():
    for screen in REGISTRY:
        if screen.page is None:
            continue
        path = APPS / screen.page
        assert path.is_file(), screen
        assert screen.title and screen.icon and screen.section in SECTIONS, screen
        guards = re.findall(r"require_screen\(\"(\w+)\"\)", path.read_text(encoding="utf-8"))
        assert guards == [screen.key], (screen.page, guards)


def test_every_page_file_is_registered():
    pages = {str(p.relative_to(APPS)) for p in APPS.glob("views/**/*.py") if p.name != "__init__.py"}
    assert pages == {s.page for s in REGISTRY if s.page}


def test_every_screen_has_known_roles_and_a_unique_key():
    assert len(SCREENS) == len(REGISTRY)
    for screen in REGISTRY:
        assert screen.roles, screen.key
        assert set(screen.roles) <= set(ROLES), screen.key
        assert "admin" in screen.roles, screen.key


def test_the_menu_lists_every_page_once_in_its_section():
    listed = [s.key for screens in menu().values() for s in screens]
    assert sorted(listed) == sorted(s.key for s in REGISTRY if s.page)


def test_the_apps_and_the_store_read_the_same_roles():
    from apps import auth
    from operational import scope

    for screen in REGISTRY:
        for role in ROLES:
            who = scope.Viewer(user_id=None, username="x", role=role)
            assert auth.can_open(who, screen.key) == scope.can_open(who, screen.key) == (role in screen.roles)
    assert set(auth.DASHBOARDS) == {s.key for s in REGISTRY if s.is_dashboard}
