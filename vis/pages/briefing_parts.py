"""The briefing page's sections: KPI tiles, priorities and notable incidents, all as stored with
the briefing (computed once in :mod:`briefing`; the page only shows them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pandas as pd
import pyarrow as pa
import streamlit as st

from briefing.reasons import nl_number
from briefing.since_last import kpi_rows
from vis.pages.common import Resources, category_labels, local, log, md, tr
from vis.security import audit
from vis.store.queries import BriefingRow, incident_detail

#: Colour of a tile's mark: more incidents than usual is bad news (red).
_COLOURS: dict[str, Literal["red", "green", "off"]] = {
    "higher": "red",
    "lower": "green",
    "normal": "off",
}
#: Tiles per row: wide enough that a label such as "Fiets-, bromfietsdiefstal" is never cut.
TILES_PER_ROW = 4


def since_span(since: Mapping[str, Any]) -> tuple[int, int]:
    """(hours of the window, days of the baseline) of a stored ``since_last``."""
    try:
        start = dt.datetime.fromisoformat(str(since["from"]))
        end = dt.datetime.fromisoformat(str(since["to"]))
        base = dt.datetime.fromisoformat(str(since.get("baseline_from") or since["from"]))
    except (KeyError, ValueError):
        return 24, 28
    hours = round((end - start).total_seconds() / 3600)
    return hours, round((start - base).total_seconds() / 86400) or 28


def kpi_mark(row: Mapping[str, Any]) -> str:
    return tr(f"kpi.{row.get('direction') if row.get('direction') in _COLOURS else 'normal'}")


def show_kpis(since: Mapping[str, Any], hours: int, days: int) -> None:
    """The KPI tiles of the stored briefing (:mod:`briefing.since_last` computed them)."""
    st.subheader(tr("brief.kpi", hours=hours, days=days))
    tiles, rest = kpi_rows(since)
    if not tiles:
        st.caption(tr("brief.kpi_none"))
    labels = category_labels()
    alpha = since.get("alpha", "")
    for start in range(0, len(tiles), TILES_PER_ROW):
        cols = st.columns(TILES_PER_ROW)
        for col, r in zip(cols, tiles[start : start + TILES_PER_ROW], strict=False):
            label = labels.get(str(r.get("code")), str(r.get("label") or r.get("code")))
            direction = str(r.get("direction", "normal"))
            tested = "p" in r  # briefings stored before the test was stored with them: no mark
            with col.container(border=True):
                st.markdown(f"**{md(label)}**")  # wraps instead of being cut
                st.metric(
                    md(label),
                    int(r.get("count", 0)),
                    delta=kpi_mark(r) if tested else None,
                    delta_color=_COLOURS.get(direction, "off"),
                    delta_arrow="off",  # the mark's text carries its own arrow
                    help=tr(
                        "kpi.help",
                        mean=nl_number(float(r.get("average", 0.0))),
                        hours=hours,
                        p=nl_number(float(r.get("p", 1.0)), 3),
                        alpha=nl_number(float(alpha or 0.05), 2),
                    )
                    if tested
                    else None,
                    label_visibility="collapsed",
                )
    quiet = [labels.get(str(r.get("code")), str(r.get("label"))) for r in rest]
    if quiet:
        st.caption(tr("brief.kpi_rest", names=md(", ".join(quiet))))


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
        score = spot.get("score")
        score_text = (
            tr("hotspot.score", score=f"{score:.2f}") if isinstance(score, int | float) else ""
        )
        # One Markdown block per card: every element costs each session a message and a wake-up
        # of the server's event loop, which is what the shift-start rush queues on.
        blocks = [f"**{md(spot_title(spot, area))}** · {md(score_text)}"]
        cats = spot_categories(spot)
        if cats:
            blocks.append(" · ".join(f"{md(label)} {md(n)}" for label, n in cats))
        for key, heading in (("reasons", "brief.reasons"), ("actions", "brief.actions")):
            texts = _texts(spot, key)
            if texts:
                blocks.append(f"*{tr(heading)}*\n\n" + "\n".join(f"- {md(t)}" for t in texts))
        with st.container(border=True):
            st.markdown("\n\n".join(blocks))


def incident_columns(rows: list[Mapping[str, Any]]) -> dict[str, list[str]]:
    """The notable incidents' table (stored with the briefing), column by column."""
    labels = category_labels()
    return {
        tr("col.time"): [str(r.get("time") or "-") for r in rows],
        tr("col.street"): [str(r.get("street") or "-") for r in rows],
        tr("col.area"): [str(r.get("area") or "-") for r in rows],
        tr("col.category"): [
            labels.get(str(r.get("category")), str(r.get("label") or r.get("category") or "-"))
            + (" (aanhouding)" if r.get("arrest") else "")
            for r in rows
        ],
    }


def show_incidents(res: Resources, rows: list[Mapping[str, Any]]) -> None:
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
    if choice is None or choice < 0 or not rows[choice].get("id"):
        return
    incident_id = str(rows[choice]["id"])
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
