"""The printed briefing: one A4 page per shift, the same document from the app and the CLI.

Both the Briefing page's download and `vis briefing --format pdf` call :func:`briefing_pdf` with
the stored briefing content, so they carry the same text. A page holds the map (numbered
hotspots and their streets: :mod:`vis.reports.briefing_map`), the shift's priorities, each hotspot's
reasons and actions, what happened since the last briefing and the notes. Only black, white and
greys; core fonts (Latin-1: :mod:`vis.reports.pdftext`); no links, scripts or outside resources.
When a briefing's text does not fit at the normal size, the page is laid out again smaller.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from shapely.geometry import shape

from briefing.inhotspot import cells_shape
from briefing.reasons import nl_number
from briefing.since_last import kpi_rows
from vis.geo import AreaIndex, Grid, from_wgs84
from vis.reports.briefing_map import MapArea, MapSpot, draw_map
from vis.reports.pdftext import latin1
from vis.settings import Settings

#: Font sizes tried in turn until a briefing fits on one page (the last one may overflow).
SIZES = (10.0, 9.5, 9.0, 8.5, 8.0, 7.5, 7.0, 6.5)
_MARGIN = 10.0
_MARKS = {"higher": "hoger dan normaal", "lower": "lager dan normaal", "normal": "normaal"}


def _t(text: object) -> str:
    return latin1(text, one_line=True)


def _local(iso: object, tz: ZoneInfo, fmt: str = "%d-%m-%Y %H:%M") -> str:
    if not iso:
        return "onbekend"
    try:
        return dt.datetime.fromisoformat(str(iso)).astimezone(tz).strftime(fmt)
    except ValueError:
        return "onbekend"


def _spot_shape(spot: Mapping[str, Any], grid: Grid, crs: str) -> shapely.Geometry | None:
    cells = spot.get("cells")
    if isinstance(cells, list) and cells:
        try:
            return cells_shape(cells, grid.id_bounds)
        except ValueError:
            pass
    try:
        outline = shape(spot.get("geometry") or {})
    except (ValueError, TypeError, AttributeError, KeyError):
        return None
    return shapely.transform(outline, lambda c: np.column_stack(from_wgs84(c[:, 0], c[:, 1], crs)))


def _hotspots(content: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    spots = [h for h in content.get("hotspots") or [] if isinstance(h, dict)]
    return sorted(spots, key=lambda h: int(h.get("rank") or 1 << 30))


def spot_heading(spot: Mapping[str, Any], wijk: str | None = None) -> str:
    """ "1. Binnenstad - Langestraat / Krommestraat": rank, wijk (the stored one, else ``wijk``:
    the one holding the hotspot on the map) and the hotspot's own streets."""
    area = spot.get("area") if isinstance(spot.get("area"), dict) else None
    where = str(area.get("name") or "") if area else (wijk or "")
    streets = " / ".join(str(s) for s in spot.get("streets") or [])
    parts = [p for p in (where, streets) if p] or [str(spot.get("id", ""))]
    return f"{spot.get('rank', '?')}. " + " - ".join(parts)


class _Doc:
    """What every page of one document shares: the map's areas, the grid, names."""

    def __init__(self, settings: Settings, areas: AreaIndex | None) -> None:
        self.settings = settings
        self.tz = ZoneInfo(settings.schedule.timezone)
        self.grid = Grid(
            settings.geo.cell_size_m, settings.geo.grid_origin_x, settings.geo.grid_origin_y
        )
        around = areas.areas if areas else ()
        own = {id(a) for a in areas.of_municipality(settings.municipality.code)} if areas else set()
        # The municipality's own wijken; the neighbours' too where a hotspot lies near the border.
        # outlines simplified to 5 m once: far below what a printed map shows, far fewer points
        simple = [(a, shapely.simplify(a.geometry, 5.0, preserve_topology=True)) for a in around]
        self.own = [MapArea(a.name, g) for a, g in simple if id(a) in own or not own]
        self.all = [MapArea(a.name, g) for a, g in simple]

    def wijk(self, geom: shapely.Geometry | None) -> str | None:
        """The wijk holding the hotspot's centre on the map."""
        if geom is None or geom.is_empty:
            return None
        point = geom.representative_point()
        return next((a.name for a in self.own if a.shape.intersects(point)), None)

    def spots(self, content: Mapping[str, Any]) -> list[MapSpot]:
        out = []
        for spot in _hotspots(content):
            geom = _spot_shape(spot, self.grid, self.settings.geo.crs)
            if geom is not None and not geom.is_empty:
                streets = tuple(str(s) for s in spot.get("streets") or [])
                out.append(MapSpot(int(spot.get("rank") or 0), geom, streets))
        return out


def briefing_pdf(
    contents: Sequence[Mapping[str, Any]], settings: Settings, areas: AreaIndex | None
) -> bytes:
    """The stored briefings ``contents`` (contract JSON) as one PDF, a page per briefing."""
    doc = _Doc(settings, areas)
    pdf = _new_pdf()
    for content in contents:
        _page(pdf, content, doc, _fitting_size(content, doc))
    return bytes(pdf.output())


def _fitting_size(content: Mapping[str, Any], doc: _Doc) -> float:
    """The largest of :data:`SIZES` at which the page fits (the smallest when none does): the
    normal size first, then by bisection; trial layouts leave out the map (its height depends
    on the size alone)."""
    lo, hi = 0, len(SIZES) - 1  # SIZES[lo] may be too large; SIZES[hi] is the fallback
    trial = _new_pdf()
    _page(trial, content, doc, SIZES[0], with_map=False)
    if trial.pages_count == 1:  # most briefings fit at the normal size: one trial
        return SIZES[0]
    lo = 1
    while lo < hi:
        mid = (lo + hi) // 2
        trial = _new_pdf()
        _page(trial, content, doc, SIZES[mid], with_map=False)
        if trial.pages_count == 1:
            hi = mid
        else:
            lo = mid + 1
    return SIZES[lo]


def _new_pdf() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(auto=True, margin=_MARGIN)
    pdf.set_creator("VIS")
    return pdf


def _line(pdf: FPDF, text: str, size: float, style: str = "", gap: float = 0.0) -> None:
    pdf.set_font("Helvetica", style, size)
    pdf.multi_cell(0, size * 0.45, _t(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if gap:
        pdf.ln(gap)


def _page(
    pdf: FPDF, c: Mapping[str, Any], doc: _Doc, size: float, *, with_map: bool = True
) -> None:
    pdf.add_page()
    tz = doc.tz
    start = c.get("window", {}).get("start")
    end = c.get("window", {}).get("end")
    title = (
        f"{doc.settings.municipality.name}: briefing {c.get('shift_label') or c.get('shift')} "
        f"{_local(start, tz, '%d-%m-%Y')} ({_local(start, tz, '%H:%M')}-"
        f"{_local(end, tz, '%H:%M')})"
    )
    _line(pdf, title, size + 6, "B", 0.8)
    meta = (
        f"Gegevens tot {_local(c.get('data_until'), tz)} - regelversie {c.get('rules_version')}"
        + (f" - versie {c['version']}" if c.get("version") else "")
    )
    _line(pdf, meta, size - 1)
    if not c.get("data_fresh", True):
        _line(pdf, "LET OP: de gegevens zijn niet actueel.", size, "B")
    pdf.ln(1.2)
    spots = doc.spots(c)
    map_h = min(11.0 * size, 105.0)
    top = pdf.get_y()
    if with_map:
        box = (pdf.l_margin, top, pdf.epw, map_h)
        draw_map(pdf, box, spots, doc.all if spots else doc.own, font_size=size - 1)
    pdf.set_y(top + map_h + 0.8)
    _line(
        pdf,
        "Kaart: wijkgrenzen (Bron: CBS), hotspots grijs met hun nummer; straatnamen van de "
        "incidenten in de hotspot. Noorden boven.",
        size - 2,
        "I",
        1.0,
    )
    _priorities(pdf, c, size)
    _spots(pdf, c, size, [doc.wijk(s.shape) for s in spots])
    _since(pdf, c, size)
    for note in c.get("notes") or []:
        _line(pdf, str(note), size - 1.5, "I")


def _priorities(pdf: FPDF, c: Mapping[str, Any], size: float) -> None:
    pr = c.get("priorities") or {}
    cats = ", ".join(
        f"{x.get('label')} ({round(100 * float(x.get('share', 0)))}%)"
        for x in pr.get("categories") or []
    )
    areas = ", ".join(
        f"{x.get('name')} ({round(100 * float(x.get('share', 0)))}%)" for x in pr.get("areas") or []
    )
    _line(pdf, "Prioriteiten deze dienst", size + 2, "B", 0.4)
    _line(pdf, f"Onderwerpen: {cats or '-'}.  Wijken: {areas or '-'}.", size, "", 1.0)


def _spots(pdf: FPDF, c: Mapping[str, Any], size: float, wijken: list[str | None]) -> None:
    spots = _hotspots(c)
    wijken = wijken if len(wijken) == len(spots) else [None] * len(spots)
    if not spots:
        _line(pdf, "Geen hotspots: te weinig gegevens voor een hotspot.", size, "", 1.0)
        return
    with pdf.text_columns(ncols=2, gutter=6, balance=True, line_height=1.1) as cols:
        for spot, wijk in zip(spots, wijken, strict=True):
            pdf.set_font("Helvetica", "B", size + 0.5)
            with cols.paragraph(top_margin=1.2) as par:
                par.write(_t(spot_heading(spot, wijk)))
            cats = " - ".join(
                f"{x.get('label')} {x.get('count')}" for x in spot.get("categories") or []
            )
            pdf.set_font("Helvetica", "I", size - 0.5)
            if cats:
                with cols.paragraph() as par:
                    par.write(_t(f"12 maanden: {cats}"))
            pdf.set_font("Helvetica", "", size)
            for reason in spot.get("reasons") or []:
                with cols.paragraph(indent=3, bullet_string="-", bullet_r_margin=1) as par:
                    par.write(_t(reason))
            for action in spot.get("actions") or []:
                pdf.set_font("Helvetica", "B", size)
                with cols.paragraph(indent=3, bullet_string=">", bullet_r_margin=1) as par:
                    par.write(_t(f"Actie: {action}"))
    pdf.ln(1.5)


def _since(pdf: FPDF, c: Mapping[str, Any], size: float) -> None:
    since = c.get("since_last") or {}
    shown, rest = kpi_rows(since)
    _line(pdf, "Sinds de vorige briefing", size + 2, "B", 0.4)
    if shown:
        figures = "; ".join(
            f"{r.get('label')}: {r.get('count')} ("
            + (f"{_MARKS.get(str(r.get('direction')), 'normaal')}, " if "p" in r else "")
            + f"gem. {nl_number(float(r.get('average', 0.0)))})"
            for r in shown
        )
        _line(pdf, figures + ".", size)
    if rest:
        _line(
            pdf,
            "Verder zoals gewoonlijk: " + ", ".join(str(r.get("label")) for r in rest) + ".",
            size - 0.5,
        )
    notable = [n for n in since.get("notable") or [] if isinstance(n, dict)]
    if notable:
        pdf.ln(0.8)
        _line(pdf, "Opvallende incidenten", size + 0.5, "B", 0.2)
        for n in notable:  # one line each, newest first
            where = str(n.get("street") or "straat onbekend")
            if n.get("area"):
                where += f" ({n['area']})"
            text = f"{n.get('time', '-')} {n.get('label') or n.get('category')}, {where}"
            if n.get("arrest"):
                text += ", aanhouding"
            _line(pdf, text, size - 0.5)
    pdf.ln(1.0)
