"""The briefing page's sections: KPI tiles, priorities, notable incidents and the PDF."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Literal

import pandas as pd
import pyarrow as pa
import streamlit as st

from vis import audit
from vis.pages.common import (
    Resources,
    category_labels,
    local,
    log,
    md,
    shift_labels,
    tr,
)
from vis.pages.kpi import Kpi
from vis.pages.pdf import PdfBriefing
from vis.queries import BriefingRow, incident_detail

#: Colour of a tile's mark: more incidents than usual is bad news (red).
_COLOURS: dict[str, Literal["red", "green", "off"]] = {
    "higher": "red",
    "lower": "green",
    "normal": "off",
}


def kpi_mark(k: Kpi) -> str:
    return tr(f"kpi.{k.direction}")


def show_kpis(tiles: list[Kpi], days: int, alpha: float) -> None:
    st.subheader(tr("brief.kpi", days=days))
    if not tiles:
        st.caption(tr("brief.kpi_none"))
        return
    labels = category_labels()
    per_row = 6
    for start in range(0, len(tiles), per_row):
        cols = st.columns(per_row)
        for col, k in zip(cols, tiles[start : start + per_row], strict=False):
            col.metric(
                md(labels.get(k.category, k.category)),
                k.last24,
                delta=kpi_mark(k),
                delta_color=_COLOURS[k.direction],
                delta_arrow="off",  # the mark's text carries its own arrow
                help=tr("kpi.help", mean=f"{k.mean:.1f}", p=f"{k.p:.3f}", alpha=alpha),
                border=True,
            )


def spot_title(spot: dict[str, Any], area: str | None) -> str:
    """A hotspot's title, e.g. "Hotspot 1 — Binnenstad" (``area``: :func:`~maps.spot_areas`)."""
    title = tr("hotspot", rank=spot.get("rank", "?"))
    return f"{title} — {area}" if area else title


def spot_categories(spot: dict[str, Any]) -> list[tuple[str, str]]:
    labels = category_labels()
    out = []
    for c in spot.get("categories") or []:
        if isinstance(c, dict):
            code = str(c.get("code", ""))
            out.append((labels.get(code, str(c.get("label") or code)), str(c.get("count", ""))))
    return out


def _texts(spot: dict[str, Any], key: str) -> list[str]:
    return [str(x) for x in spot.get(key) or [] if x is not None]


def show_priorities(hotspots: list[dict[str, Any]], areas: Sequence[str | None]) -> None:
    """The ranked hotspots as cards; ``areas`` from :func:`~vis.pages.maps.spot_areas`."""
    st.subheader(tr("brief.priorities"))
    if not hotspots:
        st.info(tr("brief.no_hotspots"))
    for spot, area in zip(hotspots, areas, strict=True):
        with st.container(border=True):
            score = spot.get("score")
            score_text = (
                tr("hotspot.score", score=f"{score:.2f}") if isinstance(score, int | float) else ""
            )
            st.markdown(f"**{md(spot_title(spot, area))}** · {md(score_text)}")
            cats = spot_categories(spot)
            if cats:
                st.markdown(" · ".join(f"{md(label)} {md(n)}" for label, n in cats))
            reasons, actions = _texts(spot, "reasons"), _texts(spot, "actions")
            if reasons:
                st.markdown(
                    f"*{tr('brief.reasons')}*\n\n" + "\n".join(f"- {md(r)}" for r in reasons)
                )
            if actions:
                st.markdown(
                    f"*{tr('brief.actions')}*\n\n" + "\n".join(f"- {md(a)}" for a in actions)
                )


def incident_columns(rows: list[Any]) -> dict[str, list[str]]:
    """The notable incidents' table, column by column (Dutch or English headers)."""
    labels = category_labels()
    return {
        tr("col.time"): [local(r.begin_at) for r in rows],
        tr("col.street"): [r.street or "-" for r in rows],
        tr("col.area"): [r.area_name or "-" for r in rows],
        tr("col.category"): [labels.get(r.category, r.category) for r in rows],
    }


def show_incidents(res: Resources, rows: list[Any]) -> None:
    st.subheader(tr("brief.incidents"))
    if not rows:
        st.caption(tr("brief.no_incidents"))
        return
    columns = incident_columns(rows)
    # An Arrow table goes to the browser as it is; a DataFrame would be converted on every run.
    st.dataframe(pa.table(columns), hide_index=True, width="stretch")
    shown_rows = [" · ".join(values) for values in zip(*columns.values(), strict=True)]
    choice = st.selectbox(
        tr("brief.detail"),
        [-1, *range(len(rows))],
        format_func=lambda i: "—" if i < 0 else shown_rows[i],
        key="brief_detail",
    )
    if choice is None or choice < 0:
        return
    incident_id = rows[choice].id
    with res.engine.connect() as conn:
        detail = incident_detail(conn, incident_id)
    if detail is None:
        return
    if st.session_state.get("brief_detail_logged") != incident_id:
        log(audit.INCIDENT_VIEW, target=f"incident:{incident_id}")
        st.session_state["brief_detail_logged"] = incident_id
    labels = category_labels()
    shown = {
        tr("col.category"): labels.get(detail["category"], detail["category"]),
        tr("col.street"): detail["street"],
        "PC4": detail["postcode"],
        tr("col.area"): detail["area_name"],
        "begin": local(detail["begin_at"]),
        "eind/end": local(detail["end_at"]),
        "kennisname": local(detail["known_at"]),
        "poging/attempt": detail["attempt"],
        "verdachten/suspects": detail["suspects"],
        "aanhoudingen/arrests": detail["arrests"],
        "object": detail["object_kind"],
    }
    st.dataframe(
        pd.DataFrame(
            {"": list(shown), " ": ["-" if v is None else str(v) for v in shown.values()]}
        ),
        hide_index=True,
    )


def pdf_document(
    res: Resources,
    row: BriefingRow,
    tiles: list[Kpi],
    incidents: list[Any],
    freshness_text: str,
    areas: Sequence[str | None],
) -> PdfBriefing:
    """The PDF's content (cheap); :func:`vis.pages.pdf.briefing_pdf` lays it out on demand."""
    labels = category_labels()
    shift = shift_labels().get(row.shift, row.shift)
    spots = row.hotspots
    return PdfBriefing(
        title=f"{res.settings.municipality.name}: "
        + tr("brief.title", date=f"{row.date:%d-%m-%Y}", shift=shift),
        meta=meta_line(row),
        freshness=freshness_text,
        kpis=[
            (labels.get(k.category, k.category), f"{k.last24} ({kpi_mark(k)}, gem. {k.mean:.1f})")
            for k in tiles
        ],
        priorities=[
            (spot_title(s, area), _texts(s, "reasons"), _texts(s, "actions"))
            for s, area in zip(spots, areas, strict=True)
        ],
        incidents=[
            (local(r.begin_at), r.street or "-", labels.get(r.category, r.category))
            for r in incidents
        ],
        headings={
            "kpi": tr("brief.kpi", days=res.app.kpi_baseline_days),
            "priorities": tr("brief.priorities"),
            "incidents": tr("brief.incidents"),
        },
        credit=tr("map.credit", source=res.settings.geo.area_source),
    )


def meta_line(row: BriefingRow) -> str:
    return tr(
        "brief.meta",
        start=local(row.window_start),
        end=local(row.window_end),
        until=local(row.data_until),
        rules=row.rules_version,
        version=row.version,
    )


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
