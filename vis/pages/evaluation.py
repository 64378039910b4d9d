"""Evaluation page (evaluator, admin) with three views:

- the record of stored briefings (default): how many briefings were stored per day and shift, and
  for each past shift how many incidents then began inside its hotspots and how many patrol
  visits were recorded there;
- a configured pilot (:mod:`vis.pages.evaluation_pilot`);
- the area scans of the gebieden (:mod:`vis.pages.area_scan`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import shapely
import streamlit as st
from shapely.geometry import shape

from briefing.inhotspot import cells_shape, in_hotspot
from vis import display
from vis.geo import Grid, from_wgs84
from vis.pages.common import require, resources, shift_labels, tr
from vis.store.evaluation_store import grid_of
from vis.store.queries import BriefingRow, briefings_since, incident_points, visits_for


def _shape(spot: dict[str, Any], grid: Grid, crs: str) -> shapely.Geometry | None:
    """A hotspot in the grid's metric CRS: its cells (exact), else its WGS84 outline projected."""
    cells = spot.get("cells")
    if isinstance(cells, list) and cells:
        return cells_shape(cells, grid.id_bounds)
    try:
        outline = shape(spot.get("geometry") or {})
    except (ValueError, TypeError, AttributeError, KeyError):
        return None
    return shapely.transform(outline, lambda c: np.column_stack(from_wgs84(c[:, 0], c[:, 1], crs)))


def hits_per_briefing(
    rows: list[BriefingRow], points: list[Any], grid: Grid, crs: str
) -> dict[int, int]:
    """Briefing id → incidents that began in its window inside one of its hotspots."""
    if not points:
        return {b.id: 0 for b in rows}
    x = np.array([p.x for p in points], float)
    y = np.array([p.y for p in points], float)
    begin = np.array([p.begin_at.timestamp() for p in points], float)
    out: dict[int, int] = {}
    for b in rows:
        shapes = [g for g in (_shape(s, grid, crs) for s in b.hotspots) if g is not None]
        mask = (begin >= b.window_start.timestamp()) & (begin < b.window_end.timestamp())
        if not shapes or not mask.any():
            out[b.id] = 0
            continue
        out[b.id] = int(in_hotspot(shapely.union_all(shapes), x[mask], y[mask]).sum())
    return out


ROLES = ("evaluator", "admin")
VIEWS = ("record", "pilot", "areas")


def main() -> None:
    require(*ROLES)
    st.title(tr("page.evaluation"))
    view = st.segmented_control(
        tr("ev.view"),
        VIEWS,
        default="record",
        format_func=lambda v: tr(f"ev.view.{v}"),
        key="ev_view",
    )
    if view == "pilot":
        from vis.pages import evaluation_pilot

        evaluation_pilot.main()
    elif view == "areas":
        from vis.pages import area_scan

        area_scan.main()
    else:
        record()


def record() -> None:
    res = resources()
    days = res.app.evaluation_days
    now = dt.datetime.now(dt.UTC)
    st.caption(tr("ev.intro", days=days))
    with res.engine.connect() as conn:
        rows = briefings_since(conn, res.municipality, (now - dt.timedelta(days=days)).date())
        if not rows:
            from vis.store.queries import latest_briefing

            last = latest_briefing(conn, res.municipality)
            if last is not None:  # an archive (e.g. the demo) ends before today
                rows = briefings_since(conn, res.municipality, last.date - dt.timedelta(days=days))
        past = [b for b in rows if b.window_end <= now]
        points = (
            incident_points(
                conn, min(b.window_start for b in past), max(b.window_end for b in past)
            )
            if past
            else []
        )
        visits = visits_for(conn, [b.id for b in past])
    if not rows:
        st.info(tr("ev.none"))
        return
    labels = shift_labels()
    st.subheader(tr("ev.per_day"))
    per_day = pd.DataFrame(
        {"datum": [b.date for b in rows], "dienst": [labels.get(b.shift, b.shift) for b in rows]}
    )
    counts = per_day.groupby(["datum", "dienst"]).size().unstack(fill_value=0)
    counts = counts.sort_index(ascending=False)
    counts.index = pd.Index([display.day(d) for d in counts.index], name="Datum")
    st.dataframe(counts, width="stretch")
    if not past:
        return
    hits = hits_per_briefing(past, points, grid_of(res.settings), res.settings.geo.crs)
    n_visits: dict[int, int] = {}
    for v in visits:
        n_visits[v.briefing_id] = n_visits.get(v.briefing_id, 0) + 1
    table = pd.DataFrame(
        {
            "datum": [b.date for b in past],
            "dienst": [labels.get(b.shift, b.shift) for b in past],
            "hotspots": [len(b.hotspots) for b in past],
            "incidenten in hotspots": [hits[b.id] for b in past],
            "bezoeken": [n_visits.get(b.id, 0) for b in past],
        }
    ).iloc[::-1]
    st.subheader(tr("ev.hits"))
    st.bar_chart(table.groupby("datum")["incidenten in hotspots"].sum())
    shown = table.assign(datum=[display.day(d) for d in table["datum"]])
    st.dataframe(shown.rename(columns=str.capitalize), hide_index=True, width="stretch")
