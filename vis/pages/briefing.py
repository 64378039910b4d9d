"""Briefing page (supervisor): the shift's hotspots, KPIs, priorities and incidents; print/PDF."""

from __future__ import annotations

from functools import partial

import streamlit as st

from vis.pages import briefing_parts as parts
from vis.pages.common import (
    PRINT_CSS,
    freshness_banner,
    freshness_text,
    inject_css,
    require,
    resources,
    shift_labels,
    tr,
)
from vis.pages.download import download_button
from vis.pages.kpi import kpis
from vis.pages.maps import show_map, spot_areas
from vis.pages.pdf import briefing_pdf
from vis.pages.shifts import next_shift, pick_briefing
from vis.queries import freshness, kpi_counts, notable_incidents


def main() -> None:
    require("supervisor")
    res, app = resources(), resources().app
    inject_css(PRINT_CSS)
    now = parts.now_utc()
    row = pick_briefing(next_shift(now, res.settings.shifts, res.tz), key="brief")
    with res.engine.connect() as conn:
        fresh = freshness(conn)
        if row is not None:
            counts = kpi_counts(conn, row.cutoff, app.kpi_baseline_days)
            notable = notable_incidents(
                conn, row.cutoff, app.notable_categories, limit=app.notable_incidents
            )
    freshness_banner(fresh, now)
    if row is None:
        return
    shift = shift_labels().get(row.shift, row.shift)
    st.title(tr("brief.title", date=f"{row.date:%d-%m-%Y}", shift=shift))
    st.caption(parts.meta_line(row))
    tiles = kpis(counts, app.kpi_baseline_days, app.kpi_alpha)
    parts.show_kpis(tiles, app.kpi_baseline_days, app.kpi_alpha)
    hotspots = row.hotspots
    areas = spot_areas(res, row.id, hotspots)  # kept per stored briefing, as is the map
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.subheader(tr("brief.map"))
        show_map(res, row.id, hotspots)
    with right:
        parts.show_priorities(hotspots, areas)
    parts.show_incidents(res, notable)
    fresh_text = freshness_text(fresh, now)
    download_button(
        tr("brief.pdf"),
        # Laid out only when fetched: fpdf2 costs ~0.1 s, too much for every rerun.
        build=partial(
            briefing_pdf, parts.pdf_document(res, row, tiles, notable, fresh_text, areas)
        ),
        file_name=f"briefing-{row.date:%Y-%m-%d}-{row.shift}.pdf",
        mime="application/pdf",
        target=f"briefing:{row.id}:pdf",
        roles=("supervisor",),
        key="brief_pdf",
        icon=":material/picture_as_pdf:",
    )
    st.caption(tr("brief.print"))
