"""Each page's URL path is the name of the module that draws it, and has its title texts."""

from __future__ import annotations

import pytest

from vis.i18n import TEXTS
from vis.pages.shell import LOGIN_PATH, PAGES


@pytest.mark.parametrize("path", list(PAGES))
def test_page_url_path_is_its_module_name(path: str) -> None:
    assert PAGES[path].main.__module__ == f"vis.pages.{path}"


@pytest.mark.parametrize("path", [*PAGES, LOGIN_PATH])
def test_page_url_path_has_a_dutch_and_english_title(path: str) -> None:
    key = "login.title" if path == LOGIN_PATH else f"page.{path}"
    dutch, english = TEXTS[key]
    assert dutch and english


def test_login_url_path_is_the_login_module_name() -> None:
    from vis.pages import login

    assert login.__name__ == f"vis.pages.{LOGIN_PATH}"
