"""Download buttons for police data: a click issues a one-time link; nothing before the click.

The pages never give file bytes to ``st.download_button`` (Streamlit would serve them from
``/media/<hash>`` to anyone who has the URL, without login or audit). :func:`download_button`
draws a button; its click issues a grant (:func:`vis.security.downloads.issue`, bound to this
session,
user, role and browser) and shows a link to the audited route of :mod:`vis.web`, valid once and
for :data:`vis.security.downloads.GRANT_TTL` seconds. The file is built, and audited, when the link
is
fetched.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import streamlit as st

from vis.pages.common import client_id, current_user, h, resources, tr
from vis.security import downloads

#: Session-state keys of the links shown start with this.
LINK_KEY = "vis_dl_"


def _session_id() -> str | None:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else None


def _browser() -> str | None:
    try:
        cookie = st.context.cookies.get(downloads.BROWSER_COOKIE)
    except Exception:  # noqa: BLE001 - no client context (test harness): no browser, no link
        return None
    return downloads.browser_hash(cookie if isinstance(cookie, str) else None)


def download_button(
    label: str,
    *,
    build: Callable[[], bytes],
    file_name: str,
    mime: str,
    target: str,
    roles: Iterable[str],
    key: str,
    icon: str | None = None,
    where: Any = None,
) -> None:
    """A button that prepares the file ``file_name`` (built by ``build`` when fetched) for the
    logged-in user, if their role is one of ``roles``; the download's audit target is ``target``."""
    place = where if where is not None else st
    user = current_user()
    allowed = frozenset(roles)
    if user is None or user.role not in allowed:
        return
    link_key = LINK_KEY + key
    if place.button(label, key=key, icon=icon):
        session = _session_id()
        if session is not None:
            grant = downloads.issue(
                session_id=session,
                username=user.username,
                role=user.role,
                epoch=user.epoch,
                roles=allowed,
                target=target,
                file_name=file_name,
                mime=mime,
                build=build,
                browser=_browser(),
                client=client_id(),
                engine=resources().engine,
                ttl=resources().app.download_link_s,
            )
            st.session_state[link_key] = (
                grant.token,
                time.time() + resources().app.download_link_s,
            )
    shown = st.session_state.get(link_key)
    if not isinstance(shown, tuple):
        return
    token, until = shown
    if time.time() >= until:
        del st.session_state[link_key]
        return
    href = h(downloads.ROUTE_PREFIX + str(token))
    text = h(tr("dl.link", name=file_name))
    place.html(
        f'<a class="vis-download" href="{href}" download="{h(file_name)}">{text}</a>'
        f"<br><small>{h(tr('dl.once'))}</small>"
    )
