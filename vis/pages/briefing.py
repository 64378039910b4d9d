"""Briefing page (supervisor): the shift's hotspots, KPIs, priorities and incidents; print/PDF."""

from __future__ import annotations

from functools import partial

import streamlit as st

from vis.pages import briefing_parts as parts
from vis.pages.common import (
    PRINT_CSS,
    freshness_banner,
    inject_css,
    require,
    resources,
    shift_labels,
    tr,
)
from vis.pages.download import download_button
from vis.pages.maps import show_map, spot_areas
from vis.pages.shifts import next_shift, pick_briefing
from vis.reports.briefing_pdf import briefing_pdf
from vis.store.queries import freshness


def main() -> None:
    require("supervisor")
    res = resources()
    inject_css(PRINT_CSS)
    now = parts.now_utc()
    row = pick_briefing(next_shift(now, res.settings.shifts, res.tz), key="brief")
    with res.engine.connect() as conn:
        fresh = freshness(conn)
    freshness_banner(fresh, now)
    if row is None:
        return
    shift = shift_labels().get(row.shift, row.shift)
    st.title(tr("brief.title", date=f"{row.date:%d-%m-%Y}", shift=shift))
    st.caption(parts.meta_line(row))
    # Everything below is the stored briefing as built (briefing/): the page only shows it.
    since = row.content.get("since_last") or {}
    parts.show_kpis(since, *parts.since_span(since))
    hotspots = row.hotspots
    areas = spot_areas(res, row.id, hotspots)  # kept per stored briefing, as is the map
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.subheader(tr("brief.map"))
        show_map(res, row.id, hotspots)
    with right:
        parts.show_priorities(hotspots, areas)
    parts.show_incidents(res, [n for n in since.get("notable") or [] if isinstance(n, dict)])
    download_button(
        tr("brief.pdf"),
        # Laid out only when fetched (fpdf2 and the map cost ~0.1 s, too much for every rerun);
        # the same document as `vis briefing --format pdf`.
        build=partial(briefing_pdf, [row.content], res.settings, res.areas),
        file_name=f"briefing-{row.date:%Y-%m-%d}-{row.shift}.pdf",
        mime="application/pdf",
        target=f"briefing:{row.id}:pdf",
        roles=("supervisor",),
        key="brief_pdf",
        icon=":material/picture_as_pdf:",
    )
    st.caption(tr("brief.print"))
