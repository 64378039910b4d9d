"""Audit page (admin): the log of logins, page views and incident views, and its chain check."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from vis.pages.common import local, require, resources, tr
from vis.security.audit import verify_chain
from vis.store.queries import audit_actions, audit_rows


def main() -> None:
    require("admin")
    res = resources()
    st.title(tr("page.audit_log"))
    c1, c2, c3 = st.columns([2, 2, 1])
    with res.engine.connect() as conn:
        actions = audit_actions(conn)
    user = c1.text_input(tr("au.filter_user"), max_chars=100)
    action = c2.selectbox(
        tr("au.filter_action"), ["", *actions], format_func=lambda a: a or tr("au.all")
    )
    if c3.button(tr("au.verify")):
        with res.engine.connect() as conn:
            check = verify_chain(conn)
        if check.ok:
            st.success(tr("au.ok", n=check.entries))
        else:
            st.error(tr("au.bad", id=check.first_bad_id))
    with res.engine.connect() as conn:
        rows = audit_rows(
            conn, user_contains=user, action=action or None, limit=res.app.audit_page_size
        )
    frame = pd.DataFrame(
        {
            "Nr.": [str(r.id) for r in rows],
            "Tijd": [local(r.at, "%d-%m-%Y %H:%M:%S") for r in rows],
            "Gebruiker": [r.username or "—" for r in rows],
            "Actie": [r.action for r in rows],
            "Doel": [r.target or "" for r in rows],
            "Adres": [r.client or "" for r in rows],
            "Details": [str(r.detail) if r.detail else "" for r in rows],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch")
