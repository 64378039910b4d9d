"""Users page (admin): the local users, adding one, and (de)activating or unlocking one."""

from __future__ import annotations

import streamlit as st

from vis import display
from vis.pages.common import log, md, require, resources, tr
from vis.security import audit
from vis.security.auth import ROLES, AuthError, add_user, set_disabled
from vis.store.queries import user_rows


def main() -> None:
    require("admin")
    res = resources()
    st.title(tr("page.users"))
    with res.engine.connect() as conn:
        rows = user_rows(conn)
    columns = {
        "username": "Gebruiker",
        "role": "Rol",
        "disabled": "Uitgeschakeld",
        "failed_logins": "Mislukte pogingen",
        "locked_until": "Geblokkeerd tot",
        "created_at": "Aangemaakt",
        "password_changed_at": "Wachtwoord gewijzigd",
    }
    table = display.dutch_table(
        [dict(r._mapping) for r in rows], columns, res.settings.schedule.timezone
    )
    st.dataframe(table, hide_index=True, width="stretch")
    names = [r.username for r in rows]
    if names:
        with st.form("toggle_user"):
            name = st.selectbox(tr("us.choose"), names)
            if st.form_submit_button(tr("us.toggle")) and name:
                disabled = not next(r.disabled for r in rows if r.username == name)
                set_disabled(res.engine, name, disabled)
                log(audit.USER_CHANGE, target=f"user:{name}", detail={"disabled": disabled})
                st.success(tr("us.changed", name=md(name)))  # a username is text, not Markdown
    st.subheader(tr("us.add"))
    with st.form("add_user", clear_on_submit=True):
        name = st.text_input(tr("login.username"))
        role = st.selectbox(tr("us.role"), ROLES, format_func=lambda r: tr(f"role.{r}"))
        pw1 = st.text_input(tr("login.password"), type="password")
        pw2 = st.text_input(tr("us.repeat"), type="password")
        if st.form_submit_button(tr("us.add")):
            if pw1 != pw2:
                st.error(tr("us.mismatch"))
            else:
                try:
                    add_user(
                        res.engine, name, pw1, str(role), min_length=res.app.password_min_length
                    )
                except AuthError as exc:
                    st.error(str(exc))
                else:
                    log(audit.USER_CHANGE, target=f"user:{name}", detail={"added": str(role)})
                    st.success(tr("us.added", name=md(name)))
