"""The apps' page list for one viewer: every registered page's URL is always known, so a bookmark
or a refresh never meets Streamlit's "Page not found".

- Logged out: the login form answers at every page's URL (``/forecast`` shows the login, and after
  the login the same URL runs the real page: a page's identity is its URL path).
- Logged in: the pages the role may open, its home page (``operational.screens.home_of``) as the
  default, and at the URL of every other page a hidden stand-in that sends the viewer home with a
  Chinese message instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from apps import auth
from apps import data_access as data
from operational.scope import Viewer
from operational.screens import REGISTRY, SCREENS, Screen, home_of, menu

NAV_MESSAGE_KEY = "nav_message"
# pages that say themselves what they can show before the first publish
ANSWER_WITHOUT_SNAPSHOT = {"pipeline_status", "my_work"}
NOTHING_PUBLISHED = ("尚无发布数据，看板暂不计算。请先运行 `crmlake run`（管理员：数据状态页）。 "
                     "Not computed: nothing is published yet; run `crmlake run` first.")
LOGIN_PATH = "login"
REFUSED = "您的角色无权打开「{title}」，已转到您的首页。 Your role may not open {title}; this is your home page."


def _page(screen: Screen, *, default: bool = False) -> st.Page:
    return st.Page(screen.page, title=screen.title, icon=screen.icon, default=default)


def url_path(screen: Screen) -> str:
    """The URL path Streamlit gives the screen's page (from its file name)."""
    return _page(screen).url_path


def _stand_in(screen: Screen, run: Callable[[], None]) -> st.Page:
    """A hidden page at ``screen``'s URL that runs ``run`` instead of the page."""
    return st.Page(run, title=screen.title, icon=screen.icon, url_path=url_path(screen), visibility="hidden")


def logged_out_pages(login_form: Callable[[], None]) -> list[st.Page]:
    """The login form at the root and at every page's URL (the URL is kept for after the login)."""
    login = st.Page(login_form, title="登录 Log in", icon="🔐", url_path=LOGIN_PATH, default=True)
    return [login, *(_stand_in(s, login_form) for s in REGISTRY if s.page)]


def _send_home(screen: Screen, home: st.Page) -> Callable[[], None]:
    def refuse() -> None:
        st.session_state[NAV_MESSAGE_KEY] = REFUSED.format(title=screen.title)
        st.switch_page(home)

    return refuse


@dataclass(frozen=True)
class Menu:
    """What ``st.navigation`` gets (``sections``) and which screen each of its pages shows."""

    sections: dict[str, list[st.Page]]
    screens: dict[int, Screen]  # id(page) -> screen (the default page's url_path is empty)

    def screen_of(self, page: st.Page) -> Screen | None:
        return self.screens.get(id(page))


def logged_in_pages(viewer: Viewer) -> Menu:
    """Menu sections of the pages the role may open (its home page the default), and hidden
    stand-ins at the URLs of the others."""
    home_key = home_of(viewer.role).key
    shown: dict[int, Screen] = {}
    sections: dict[str, list[st.Page]] = {}
    home: st.Page | None = None
    refused: list[Screen] = []
    for section, screens in menu().items():
        for s in screens:
            if not auth.can_open(viewer, s.key):
                refused.append(s)
                continue
            page = _page(s, default=s.key == home_key)
            shown[id(page)] = s
            home = page if s.key == home_key else home
            sections.setdefault(section, []).append(page)
    if home is None:  # a role without its registered home would land on its first page
        home = next(iter(sections.values()))[0]
    # hidden pages show in no section; the first one holds them
    hidden = next(iter(sections.values()))
    hidden.extend(_stand_in(s, _send_home(s, home)) for s in refused)
    # the login form's own URL (a login started at the root) leads home
    hidden.append(st.Page(lambda: st.switch_page(home), title="登录 Log in", url_path=LOGIN_PATH, visibility="hidden"))
    return Menu(sections, shown)


def show_message() -> None:
    """The message a refused deep link left for the home page."""
    message = st.session_state.pop(NAV_MESSAGE_KEY, None)
    if message:
        st.warning(message)


def needs_a_snapshot(menu: Menu, page: st.Page) -> Screen | None:
    """The dashboard ``page`` shows, when it would read a snapshot that is not published yet: the
    router then says so once for every dashboard instead of each page failing its own way."""
    screen = menu.screen_of(page)
    if screen is None or not screen.is_dashboard or screen.key in ANSWER_WITHOUT_SNAPSHOT:
        return None
    return screen if data.snapshot_version() == 0.0 else None


def nothing_published(screen: Screen) -> None:
    st.title(screen.title or screen.key)
    st.info(NOTHING_PUBLISHED)


def link_to(viewer: Viewer, key: str, label: str, icon: str | None = None) -> None:
    """A link to another screen's page, if the viewer may open it and the menu has it (a page run on
    its own, as tests and the latency probe run them, has no menu to link into)."""
    from streamlit.errors import StreamlitAPIException

    target = SCREENS[key]
    if target.page is None or not auth.can_open(viewer, key):
        return
    try:
        st.page_link(target.page, label=label, icon=icon)
    except StreamlitAPIException:  # not in this run's navigation: no link, nothing else changes
        return
