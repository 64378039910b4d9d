"""Which shift is next or current, and the date/shift picker that loads a stored briefing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import streamlit as st

from vis.pages.common import resources, shift_labels, tr
from vis.settings import ShiftSettings
from vis.store.queries import BriefingRow, briefing_for, latest_briefing


def shift_bounds(
    date: dt.date, shift: ShiftSettings, tz: ZoneInfo
) -> tuple[dt.datetime, dt.datetime]:
    """Start and end of ``shift`` on ``date`` as aware local times (end the next day if earlier)."""
    start = dt.datetime.combine(date, dt.time.fromisoformat(shift.start), tzinfo=tz)
    end = dt.datetime.combine(date, dt.time.fromisoformat(shift.end), tzinfo=tz)
    if end <= start:
        end += dt.timedelta(days=1)
    return start, end


def _candidates(
    now: dt.datetime, shifts: Sequence[ShiftSettings], tz: ZoneInfo
) -> list[tuple[dt.datetime, dt.datetime, dt.date, str]]:
    today = now.astimezone(tz).date()
    out = []
    for offset in (-1, 0, 1, 2):
        day = today + dt.timedelta(days=offset)
        for s in shifts:
            start, end = shift_bounds(day, s, tz)
            out.append((start, end, day, s.name))
    return sorted(out)


def next_shift(
    now: dt.datetime, shifts: Sequence[ShiftSettings], tz: ZoneInfo
) -> tuple[dt.date, str]:
    """The first shift that starts after ``now``."""
    for start, _end, day, name in _candidates(now, shifts, tz):
        if start > now:
            return day, name
    raise ValueError("no shifts configured")


def current_or_next_shift(
    now: dt.datetime, shifts: Sequence[ShiftSettings], tz: ZoneInfo
) -> tuple[dt.date, str]:
    """The shift under way at ``now`` (the latest started), else the next one."""
    running = [c for c in _candidates(now, shifts, tz) if c[0] <= now < c[1]]
    if running:
        return running[-1][2], running[-1][3]
    return next_shift(now, shifts, tz)


def pick_briefing(default: tuple[dt.date, str], key: str) -> BriefingRow | None:
    """Date and shift inputs (``default`` preselected) and the stored briefing they name.

    Without a stored briefing for the choice, says so and falls back to the most recent one.
    """
    res = resources()
    labels = shift_labels()
    names = list(labels)
    col_date, col_shift = st.columns([1, 2])
    date = col_date.date_input(
        tr("sel.date"), value=default[0], key=f"{key}_date", format="DD-MM-YYYY"
    )
    shift = col_shift.selectbox(
        tr("sel.shift"),
        names,
        index=names.index(default[1]) if default[1] in names else 0,
        format_func=lambda n: labels.get(n, n),
        key=f"{key}_shift",
    )
    if not isinstance(date, dt.date):
        date = default[0]
    with res.engine.connect() as conn:
        row = briefing_for(conn, res.municipality, date, str(shift))
        if row is not None:
            return row
        fallback = latest_briefing(conn, res.municipality)
    st.info(tr("sel.none", date=f"{date:%d-%m-%Y}", shift=labels.get(str(shift), str(shift))))
    if fallback is None:
        st.warning(tr("sel.empty"))
        return None
    st.caption(
        tr(
            "sel.fallback",
            date=f"{fallback.date:%d-%m-%Y}",
            shift=labels.get(fallback.shift, fallback.shift),
        )
    )
    return fallback
