"""Tablet page (handhaver): the shift's hotspots as cards and on a map; record a patrol visit.

Large touch targets (48 px), high contrast, one column that reads at 1024×768 and 768×1024.
No incident rows, house numbers or free text from police data appear here.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import streamlit as st

from vis.pages.briefing_parts import spot_categories, spot_title
from vis.pages.common import (
    TABLET_CSS,
    Resources,
    client_id,
    h,
    inject_css,
    local,
    require,
    resources,
    shift_labels,
    still_allowed,
    tr,
)
from vis.pages.maps import route_link, show_map, spot_areas
from vis.pages.shifts import current_or_next_shift, pick_briefing
from vis.security.auth import User
from vis.store.queries import BriefingRow, record_visit, visits_for

#: A second tap on the same hotspot within this many seconds is not a second visit.
DEBOUNCE_S = 30.0


def _card_html(spot: dict[str, Any], area: str | None, visits: int) -> str:
    chips = "".join(
        f'<span class="vis-chip">{h(label)} {h(n)}</span>' for label, n in spot_categories(spot)
    )
    actions = "".join(f"<li>{h(a)}</li>" for a in spot.get("actions") or [] if a is not None)
    return (
        f'<div class="vis-card"><h3>{h(spot_title(spot, area))}</h3>'
        f"<div>{chips}</div>"
        + (f"<ul>{actions}</ul>" if actions else "")
        + f"<div><b>{h(tr('tab.visits', n=visits))}</b></div></div>"
    )


def _record(res: Resources, user: User, row: BriefingRow, spot: dict[str, Any], hid: str) -> None:
    if not still_allowed(user):  # a callback runs before the shell ends a revoked session
        return
    key = f"tab_last_{row.id}_{hid}"
    if time.monotonic() - float(st.session_state.get(key, -1e9)) < DEBOUNCE_S:
        return
    duration = st.session_state.get(f"dur_{row.id}_{hid}")
    note = st.session_state.get(f"note_{row.id}_{hid}") or None
    now = dt.datetime.now(dt.UTC)
    record_visit(
        res.engine,
        briefing_id=row.id,
        hotspot_id=hid,
        username=user.username,
        visited_at=now,
        duration_min=int(duration) if duration else None,
        note=note,
        client=client_id(),
    )
    st.session_state[key] = time.monotonic()
    st.toast(
        tr("tab.saved", rank=spot.get("rank", "?"), time=local(now, "%H:%M")),
        icon=":material/check_circle:",
    )


def main() -> None:
    user = require("handhaver")
    res = resources()
    inject_css(TABLET_CSS)
    default = current_or_next_shift(dt.datetime.now(dt.UTC), res.settings.shifts, res.tz)
    row = pick_briefing(default, key="tab")
    if row is None:
        return
    shift = shift_labels().get(row.shift, row.shift)
    st.header(tr("tab.title", shift=shift, date=f"{row.date:%d-%m-%Y}"))
    spots = row.hotspots
    show_map(res, row.id, spots, height=340)
    with res.engine.connect() as conn:
        mine = visits_for(conn, [row.id], user.username)
    counts: dict[str, int] = {}
    for v in mine:
        counts[v.hotspot_id] = counts.get(v.hotspot_id, 0) + 1
    for spot, area in zip(spots, spot_areas(res, row.id, spots), strict=True):
        hid = str(spot.get("id") or f"rank{spot.get('rank')}")[:64]
        with st.container(border=True):
            st.html(_card_html(spot, area, counts.get(hid, 0)))
            link = route_link(res.app.route_url, spot) if res.app.route_links else None
            if link:
                st.link_button(tr("tab.route"), link, width="stretch", icon=":material/directions:")
            with st.form(f"visit_{row.id}_{hid}", clear_on_submit=True, border=False):
                c1, c2 = st.columns([1, 2])
                c1.number_input(
                    tr("tab.duration"),
                    min_value=0,
                    max_value=600,
                    value=None,
                    step=5,
                    key=f"dur_{row.id}_{hid}",
                )
                c2.text_input(
                    tr("tab.note"),
                    max_chars=200,
                    key=f"note_{row.id}_{hid}",
                    placeholder=tr("tab.note_hint", days=res.settings.retention.visit_notes_days),
                )
                st.form_submit_button(
                    tr("tab.visit"),
                    type="primary",
                    width="stretch",
                    icon=":material/where_to_vote:",
                    on_click=_record,
                    args=(res, user, row, spot, hid),
                )
