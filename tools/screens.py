"""`make screens`: a screenshot of every page per demo role, at 1440 px and 390 px, in Chromium.

Why: whether a figure is cut off, a label rotated or a chart too wide for a phone only shows in
a browser. This serves the apps on a lakehouse (``--home``, else ``CRMLAKE_HOME``, else the
repository's ``data/``), logs in as each demo role in the system Chromium (Playwright with
``executable_path``; no browser is ever downloaded) and saves, per role and width,
``<out>/<width>/<role>/<NN>_<screen>.png``. Chinese text and emoji need ``fonts-noto-cjk`` and
``fonts-noto-color-emoji``; they are installed with apt when missing (as root; otherwise the
command says what to install and goes on, with boxes instead of characters).

    python -m tools.screens [--out bench/screens] [--home DIR] [--roles admin,finance1] [--widths 1440,390]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tools.browser_app import CHROMIUM, REPO, launch_chromium, streamlit_app

FONT_PACKAGES = ("fonts-noto-cjk", "fonts-noto-color-emoji")
WIDTHS = (1440, 390)
HEIGHT = {1440: 1000, 390: 844}
RUNNING = '[data-testid="stStatusWidget"]'
# one login per role (the second rep and partner would show the same pages)
ROLE_LOGINS = ("admin", "rep1", "manager1", "finance1", "agent1", "service_mgr1", "pm1", "channel1", "partner1")


@dataclass(frozen=True)
class Shot:
    login: str
    role: str
    width: int
    screen: str
    path: Path
    seconds: float
    problem: str | None = None


# -- fonts ----------------------------------------------------------------------------------------

def missing_fonts() -> list[str]:
    """The font packages of ``FONT_PACKAGES`` that are not installed (dpkg's view)."""
    if shutil.which("dpkg-query") is None:
        return []  # not Debian: nothing we can check or install
    missing = []
    for package in FONT_PACKAGES:
        result = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True)
        if "install ok installed" not in result.stdout:
            missing.append(package)
    return missing


def ensure_fonts() -> None:
    """Install the CJK and emoji fonts with apt when missing (root only; otherwise say how)."""
    missing = missing_fonts()
    if not missing:
        return
    if os.geteuid() != 0:
        print(f"screens: fonts missing ({' '.join(missing)}): run `sudo apt-get install {' '.join(missing)}`;"
              " Chinese text will show as boxes", file=sys.stderr)
        return
    print(f"screens: installing {' '.join(missing)} (apt)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], check=True, env=env)
    subprocess.run(["fc-cache", "-f"], check=False, capture_output=True)


# -- the lakehouse and its logins -----------------------------------------------------------------

def demo_logins(settings, wanted: tuple[str, ...]) -> list:
    """The demo logins (seeded into the store if this is their first time) that ``wanted`` names
    and that the seeding created: a login that existed before has an unknown password."""
    from operational.db import session_scope
    from operational.demo_users import seed_demo_users
    from operational.reference import Reference

    reference = Reference.from_duckdb(settings.published_database)
    with session_scope(settings.operational_url) as session:
        seeded = seed_demo_users(session, reference)
    usable = {demo.username: demo for demo, state in seeded if state != "taken"}
    for name in wanted:
        if name not in usable:
            print(f"screens: no demo login {name!r} to use (taken by a real login, or not in this data)", file=sys.stderr)
    return [usable[name] for name in wanted if name in usable]


def pages_of(role: str) -> list[tuple[str, str]]:
    """(screen key, menu title) of every page the role may open, in menu order."""
    from operational.scope import Viewer, can_open
    from operational.screens import menu

    who = Viewer(user_id=None, username=role, role=role, crm_user_id=None, department_id=None, partner_id=None,
                 display_name=role)
    return [(s.key, s.title or s.key) for screens in menu().values() for s in screens if can_open(who, s.key)]


# -- the browser ----------------------------------------------------------------------------------

def wait_idle(page, timeout: float = 60_000) -> None:
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_timeout(400)  # a rerun starts a moment after the input event
    page.wait_for_selector(RUNNING, state="detached", timeout=timeout)
    page.wait_for_timeout(600)  # charts draw after the script is done


def log_in(page, url: str, username: str, password: str) -> None:
    page.goto(url)
    wait_idle(page)
    page.locator('input[type="text"]').first.fill(username)
    page.locator('input[type="password"]').first.fill(password)
    page.locator('[data-testid="stFormSubmitButton"] button').first.click()
    page.locator('input[type="password"]').first.wait_for(state="detached", timeout=60_000)
    page.locator('[data-testid="stSidebarNav"]').first.wait_for(state="attached", timeout=60_000)
    wait_idle(page)


def _open_sidebar(page) -> None:
    expand = page.locator('[data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapsedControl"] button')
    if expand.count() and expand.first.is_visible():
        expand.first.click()
        page.wait_for_timeout(400)


def open_page(page, title: str) -> None:
    """Open a page through its sidebar link (a new URL may start a new session)."""
    link = page.locator('[data-testid="stSidebarNavLink"]').filter(has_text=title).first
    _open_sidebar(page)  # a collapsed sidebar (phones) keeps its links "visible" off-screen
    if not link.is_visible():
        more = page.locator('[data-testid="stSidebarNavViewButton"]')
        if more.count():
            more.first.click()
            page.wait_for_timeout(300)
    link.click()
    wait_idle(page)


def _collapse_sidebar_on_phone(page, width: int) -> None:
    if width >= 768:
        return
    close = page.locator('[data-testid="stSidebarCollapseButton"] button, [data-testid="stSidebarCollapseButton"]')
    if close.count() and close.first.is_visible():
        close.first.click()
        page.wait_for_timeout(400)


def screenshot(page, path: Path, width: int, longest: int = 12_000) -> None:
    """The whole page: Streamlit scrolls inside its main block, not the document, so a full-page
    shot of the document would stop at the viewport; the viewport grows to the content instead."""
    height = HEIGHT.get(width, 900)
    content = page.evaluate(
        "() => Math.max(0, ...[...document.querySelectorAll("
        "'[data-testid=\"stAppViewContainer\"], [data-testid=\"stMain\"], [data-testid=\"stMainBlockContainer\"]')]"
        ".map(e => e.scrollHeight))")
    page.set_viewport_size({"width": width, "height": max(height, min(int(content or 0), longest))})
    page.wait_for_timeout(500)  # charts re-fit to the new size
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": width, "height": height})


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_") or "page"


def capture(url: str, demo, password: str, width: int, out: Path, playwright) -> list[Shot]:
    """Every page of ``demo``'s role at ``width``: one full-page PNG each."""
    browser = launch_chromium(playwright)
    shots: list[Shot] = []
    try:
        page = browser.new_page(viewport={"width": width, "height": HEIGHT.get(width, 900)}, locale="zh-CN")
        page.set_default_timeout(30_000)
        log_in(page, url, demo.username, password)
        folder = out / str(width) / demo.username
        folder.mkdir(parents=True, exist_ok=True)
        for number, (key, title) in enumerate(pages_of(demo.role), start=1):
            path = folder / f"{number:02d}_{_slug(key)}.png"
            started = time.monotonic()
            problem = None
            try:
                open_page(page, title)
                _collapse_sidebar_on_phone(page, width)
                exception = page.locator('[data-testid="stException"]')
                if exception.count():
                    problem = "exception: " + exception.first.inner_text()[:200]
            except Exception as error:  # noqa: BLE001 -- one page failing must not lose the others' shots
                problem = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
            screenshot(page, path, width)
            shots.append(Shot(demo.username, demo.role, width, key, path, time.monotonic() - started, problem))
    finally:
        browser.close()
    return shots


def take(settings, out: Path, logins: tuple[str, ...] = ROLE_LOGINS, widths: tuple[int, ...] = WIDTHS) -> list[Shot]:
    """Serve the apps on ``settings``' lakehouse and photograph every page of every login."""
    from playwright.sync_api import sync_playwright

    from operational.demo_users import DEMO_PASSWORD

    if not settings.published_database.exists():
        raise SystemExit(f"screens: nothing published at {settings.published_database}: run `make run` first")
    if not CHROMIUM.is_file():
        raise SystemExit(f"screens: no Chromium at {CHROMIUM}: apt-get install chromium (or set CRMLAKE_CHROMIUM)")
    ensure_fonts()
    demos = demo_logins(settings, logins)
    out.mkdir(parents=True, exist_ok=True)
    shots: list[Shot] = []
    with streamlit_app(settings.as_env(), out / "streamlit.log") as url, sync_playwright() as pw:
        for demo in demos:
            for width in widths:
                taken = capture(url, demo, DEMO_PASSWORD, width, out, pw)
                shots += taken
                bad = [s for s in taken if s.problem]
                print(f"screens: {demo.username} ({demo.role}) at {width} px: {len(taken)} pages"
                      + (f", {len(bad)} with problems" if bad else ""))
    _index(shots, out)
    return shots


def _index(shots: list[Shot], out: Path) -> None:
    """``index.md``: every shot with its role, width, page, time and any problem."""
    rows = ["| login | role | width | page | seconds | file | problem |", "| --- | --- | --- | --- | --- | --- | --- |"]
    rows += [f"| {s.login} | {s.role} | {s.width} | {s.screen} | {s.seconds:.1f} | {s.path.relative_to(out)} | "
             f"{s.problem or ''} |" for s in shots]
    (out / "index.md").write_text("# Screens\n\n" + "\n".join(rows) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.screens", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "screens", help="folder for the PNGs")
    parser.add_argument("--home", type=Path, default=None, help="CRMLAKE_HOME of the lakehouse to show")
    parser.add_argument("--roles", default=",".join(ROLE_LOGINS), help="demo logins, comma-separated")
    parser.add_argument("--widths", default=",".join(str(w) for w in WIDTHS), help="viewport widths in px")
    args = parser.parse_args(argv)
    from kernel.settings import get_settings

    settings = get_settings({**os.environ, "CRMLAKE_HOME": str(args.home)} if args.home else None)
    shots = take(settings, args.out, tuple(r for r in args.roles.split(",") if r),
                 tuple(int(w) for w in args.widths.split(",") if w))
    bad = [s for s in shots if s.problem]
    print(f"screens: {len(shots)} screenshots in {args.out} ({len(bad)} with problems; see index.md)")
    return 1 if bad or not shots else 0


if __name__ == "__main__":
    raise SystemExit(main())
