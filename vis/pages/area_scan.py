"""The evaluator's area scans (gebiedsscans veiligheid): per gebied a one-page profile with the
trend per category, the rates per 1,000 inhabitants against the city and the top hotspots, and
the export of all gebieden (CSV, XLSX, PDF; audited).

The scans are computed on demand and kept in this session's state only (never ``st.cache_data``).
Street names in the hotspot table are police data: shown only in data frames, never as Markdown.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from functools import partial
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from briefing.evaluation.areascan import AreaScan
from vis.pages.common import Resources, md, resources, tr
from vis.pages.download import download_button
from vis.pages.evaluation_pilot import shown

SCANS_KEY = "vis_area_scans"


def export_bytes(scans: list[AreaScan], as_of: dt.date, fmt: str) -> bytes:
    from vis.reports.evaluation_export import export_area_scans

    with tempfile.TemporaryDirectory(prefix="vis-export-") as folder:
        return export_area_scans(scans, Path(folder) / f"scans.{fmt}", as_of).read_bytes()


def _scans(res: Resources, refresh: bool) -> tuple[dt.date, list[AreaScan]]:
    from vis.services.evaluation import scans_on

    kept = st.session_state.get(SCANS_KEY)
    if isinstance(kept, tuple) and not refresh:
        return kept[0], kept[1]
    with st.spinner(tr("as.computing")), res.engine.connect() as conn:
        as_of, scans = scans_on(conn, res.settings)
    st.session_state[SCANS_KEY] = (as_of, scans)
    return as_of, scans


def main() -> None:
    from vis.errors import VisError

    res = resources()
    refresh = st.button(tr("as.refresh"), icon=":material/refresh:", key="as_refresh")
    try:
        as_of, scans = _scans(res, refresh)
    except VisError as exc:
        st.error(tr("ep.failed", error=md(exc)))
        return
    except SQLAlchemyError:
        st.error(tr("ep.db_error"))
        return
    if not scans:
        st.info(tr("as.none"))
        return
    st.caption(tr("as.intro", as_of=f"{as_of:%d-%m-%Y}"))
    names = [s.gebied for s in scans]
    chosen = st.selectbox(tr("as.choose"), names, key="as_gebied")
    scan = next(s for s in scans if s.gebied == chosen)
    _profile(scan)
    _exports(scans, as_of)


def _profile(scan: AreaScan) -> None:
    st.subheader(tr("as.title", gebied=md(scan.gebied)))
    inhabitants = f"{scan.inhabitants:,}".replace(",", ".") if scan.inhabitants else "?"
    st.caption(
        tr(
            "as.meta",
            inhabitants=inhabitants,
            wijken=md(", ".join(scan.wijken)),
            period=md(scan.last_year.label()),
        )
    )
    st.markdown(f"**{tr('as.rates')}**")
    st.dataframe(shown(scan.rates.drop(columns=["uitleg"])), hide_index=True, width="stretch")
    st.markdown("\n".join(f"- {md(text)}" for text in scan.rates["uitleg"]))
    st.markdown(f"**{tr('as.trend')}**")
    frame = scan.trend.copy()
    frame["maand"] = pd.to_datetime(frame["maand"])
    chart = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("maand:T", title=tr("as.month")),
            y=alt.Y("aantal:Q", title=tr("as.count")),
            color=alt.Color("reeks:N", title=tr("as.series")),
            tooltip=["maand:T", "reeks:N", "aantal:Q"],
        )
    )
    st.altair_chart(chart, width="stretch")
    st.dataframe(shown(scan.change.drop(columns=["uitleg"])), hide_index=True, width="stretch")
    st.markdown("\n".join(f"- {md(text)}" for text in scan.change["uitleg"]))
    st.markdown(f"**{tr('as.hotspots')}**")
    if scan.hotspots.empty:
        st.info(tr("as.no_hotspots"))
    else:
        st.dataframe(shown(scan.hotspots), hide_index=True, width="stretch")


def _exports(scans: list[AreaScan], as_of: dt.date) -> None:
    st.subheader(tr("ep.export"))
    mimes = {
        "csv": "text/csv",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pdf": "application/pdf",
    }
    columns = st.columns(len(mimes))
    for column, (fmt, mime) in zip(columns, mimes.items(), strict=True):
        download_button(
            tr(f"ep.export.{fmt}"),
            build=partial(export_bytes, scans, as_of, fmt),  # built only when fetched
            file_name=f"gebiedsscans-{as_of:%Y%m%d}.{fmt}",
            mime=mime,
            target=f"gebiedsscans:{as_of:%Y-%m-%d}:{fmt}",
            roles=("evaluator", "admin"),
            icon=":material/download:",
            key=f"as_export_{fmt}",
            where=column,
        )
