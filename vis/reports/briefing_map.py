"""The printed briefing's map: wijk outlines, numbered hotspots and the streets in them.

Drawn with fpdf2 in RD coordinates (metres) from what VIS holds itself, with no tiles and no
network: the areas file's wijk polygons and each hotspot's cells. The street names are those of
the incidents in the hotspot (``streets`` in the stored briefing). Black, white and greys only,
with the hotspots' numbers in black discs, so the page reads the same on any printer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import shapely
from fpdf import FPDF

from vis.reports.pdftext import latin1

#: The map shows at least this many metres across, and this much room around the hotspots.
MIN_SPAN_M = 2500.0
MARGIN_M = 450.0
#: Scale bar lengths to choose from (metres).
_BARS = (100, 200, 250, 500, 1000, 2000, 5000)


@dataclass(frozen=True)
class MapArea:
    name: str
    shape: shapely.Geometry  # metric CRS


@dataclass(frozen=True)
class MapSpot:
    rank: int
    shape: shapely.Geometry  # metric CRS
    streets: tuple[str, ...]


@dataclass(frozen=True)
class _View:
    """Metres → millimetres on the page (y grows downwards on the page)."""

    x0: float
    y0: float
    minx: float
    maxy: float
    k: float  # mm per metre

    def xy(self, x: float, y: float) -> tuple[float, float]:
        return self.x0 + (x - self.minx) * self.k, self.y0 + (self.maxy - y) * self.k


def extent(
    spots: Sequence[MapSpot], areas: Sequence[MapArea], aspect: float
) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) around the hotspots (the areas' when there are none), widened
    to ``aspect`` (width / height) and to at least :data:`MIN_SPAN_M`."""
    shapes = [s.shape for s in spots] or [a.shape for a in areas]
    if not shapes:
        return 0.0, 0.0, MIN_SPAN_M, MIN_SPAN_M / aspect
    minx, miny, maxx, maxy = shapely.union_all(shapes).bounds
    if spots:
        minx, miny, maxx, maxy = minx - MARGIN_M, miny - MARGIN_M, maxx + MARGIN_M, maxy + MARGIN_M
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    width = max(maxx - minx, (maxy - miny) * aspect, MIN_SPAN_M)
    height = width / aspect
    return cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2


def _rings(geom: shapely.Geometry) -> list[list[tuple[float, float]]]:
    polys = list(geom.geoms) if hasattr(geom, "geoms") else [geom]
    out = []
    for p in polys:
        if isinstance(p, shapely.Polygon) and not p.is_empty:
            out.append([(float(x), float(y)) for x, y in p.exterior.coords])
    return out


def _overlaps(
    box: tuple[float, float, float, float], taken: list[tuple[float, float, float, float]]
) -> bool:
    x, y, w, h = box
    return any(x < a + c and a < x + w and y < b + d and b < y + h for a, b, c, d in taken)


def draw_map(
    pdf: FPDF,
    box: tuple[float, float, float, float],
    spots: Sequence[MapSpot],
    areas: Sequence[MapArea],
    *,
    font_size: float = 7.5,
) -> None:
    """Draw the map into ``box`` (x, y, width, height in mm) of the current page."""
    bx, by, bw, bh = box
    minx, miny, maxx, maxy = extent(spots, areas, bw / bh)
    view = _View(bx, by, minx, maxy, bw / (maxx - minx))
    window = shapely.box(minx, miny, maxx, maxy)
    taken: list[tuple[float, float, float, float]] = []
    with pdf.rect_clip(bx, by, bw, bh):
        pdf.set_fill_color(255)
        pdf.rect(bx, by, bw, bh, style="F")
        pdf.set_draw_color(150)
        pdf.set_line_width(0.25)
        shown = [(a, a.shape.intersection(window)) for a in areas]
        shown = [(a, g) for a, g in shown if not g.is_empty]
        for _, geom in shown:
            for ring in _rings(geom):
                pdf.polygon([view.xy(x, y) for x, y in ring], style="D")
        for spot in spots:
            pdf.set_fill_color(185)
            pdf.set_draw_color(0)
            pdf.set_line_width(0.45)
            for ring in _rings(spot.shape):
                pdf.polygon([view.xy(x, y) for x, y in ring], style="DF")
        discs = [_disc(pdf, view, spot, font_size) for spot in spots]
        areas_of = [_box(view, spot.shape.bounds) for spot in spots]
        taken.extend(discs)
        for i, (spot, disc) in enumerate(zip(spots, discs, strict=True)):
            others = [b for j, b in enumerate(areas_of) if j != i]
            _streets(pdf, disc, spot.streets, taken, others, (bx, by, bw, bh), font_size)
        taken.extend(areas_of)
        # wijk names (grey, small) where they cover no number, street or other name
        pdf.set_font("Helvetica", "I", font_size - 1)
        pdf.set_text_color(110)
        for area, geom in shown:
            point = geom.representative_point()
            px, py = view.xy(point.x, point.y)
            text = latin1(area.name, one_line=True)
            w = pdf.get_string_width(text)
            label = (px - w / 2, py - 1.5, w, 3.0)
            if not _overlaps(label, taken):
                pdf.text(px - w / 2, py + 1, text)
                taken.append(label)
        _scale_bar(pdf, view, bx, by + bh, maxx - minx, font_size)
    pdf.set_draw_color(0)
    pdf.set_line_width(0.3)
    pdf.rect(bx, by, bw, bh, style="D")
    pdf.set_text_color(0)


_RADIUS = 2.4


def _box(
    view: _View, bounds: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    """Page box (x, y, w, h) of metric ``bounds``."""
    (x0, y1), (x1, y0) = view.xy(bounds[0], bounds[1]), view.xy(bounds[2], bounds[3])
    return x0, y0, x1 - x0, y1 - y0


def _disc(pdf: FPDF, view: _View, spot: MapSpot, size: float) -> tuple[float, float, float, float]:
    """The hotspot's number in a black disc on it; the disc's box."""
    centre = spot.shape.representative_point()
    cx, cy = view.xy(centre.x, centre.y)
    pdf.set_fill_color(0)
    pdf.set_draw_color(255)
    pdf.set_line_width(0.35)
    pdf.circle(cx, cy, _RADIUS, style="DF")
    pdf.set_font("Helvetica", "B", size + 0.5)
    pdf.set_text_color(255)
    number = str(spot.rank)
    pdf.text(cx - pdf.get_string_width(number) / 2, cy + size * 0.13, number)
    return cx - _RADIUS, cy - _RADIUS, 2 * _RADIUS, 2 * _RADIUS


def _streets(
    pdf: FPDF,
    disc: tuple[float, float, float, float],
    streets: tuple[str, ...],
    taken: list[tuple[float, float, float, float]],
    others: list[tuple[float, float, float, float]],
    box: tuple[float, float, float, float],
    size: float,
) -> None:
    """The hotspot's streets in a white box beside its disc, where it covers no other label
    (further out with a leader line when the places beside it are taken)."""
    if not streets:
        return
    text = latin1(" / ".join(streets), one_line=True)
    pdf.set_font("Helvetica", "B", size)
    w, h = pdf.get_string_width(text) + 1.6, size * 0.45
    cx, cy = disc[0] + _RADIUS, disc[1] + _RADIUS
    spot = (cx, cy, w, h)
    for place in _places(spot, box):
        if not _overlaps(place, taken + others) and not _crosses(cx, cy, place, taken):
            break
    else:
        place = (cx + _RADIUS + 0.8, cy - h / 2, w, h)
    x, y = place[0], place[1]
    pdf.set_draw_color(0)
    pdf.set_line_width(0.2)
    ex, ey = _nearest(cx, cy, place)
    far = math.hypot(ex - cx, ey - cy)
    if far > _RADIUS + 1.5:  # a leader from the disc's edge to the label
        pdf.line(cx + (ex - cx) * _RADIUS / far, cy + (ey - cy) * _RADIUS / far, ex, ey)
    pdf.set_fill_color(255)
    pdf.rect(x, y, w, h, style="DF")
    pdf.set_text_color(0)
    pdf.text(x + 0.8, y + h * 0.72, text)
    taken.append((x, y, w, h))


def _nearest(cx: float, cy: float, place: tuple[float, float, float, float]) -> tuple[float, float]:
    x, y, w, h = place
    return min(max(cx, x), x + w), min(max(cy, y), y + h)


def _crosses(
    cx: float,
    cy: float,
    place: tuple[float, float, float, float],
    taken: list[tuple[float, float, float, float]],
) -> bool:
    """Whether the leader from (``cx``, ``cy``) to ``place`` runs over another taken box."""
    ex, ey = _nearest(cx, cy, place)
    steps = [(cx + (ex - cx) * t / 12, cy + (ey - cy) * t / 12) for t in range(1, 12)]
    return any(
        a < px < a + c and b < py < b + d and not (a < cx < a + c and b < cy < b + d)
        for px, py in steps
        for a, b, c, d in taken
    )


def _places(
    spot: tuple[float, float, float, float], box: tuple[float, float, float, float]
) -> list[tuple[float, float, float, float]]:
    """Candidate boxes for a label of ``w`` × ``h`` around (``cx``, ``cy``), nearest first,
    inside ``box``."""
    cx, cy, w, h = spot
    out = []
    for far in (0.0, 5.0, 10.0, 16.0):
        gap = _RADIUS + 0.8 + far
        for x, y in (
            (cx + gap, cy - h / 2),
            (cx - gap - w, cy - h / 2),
            (cx - w / 2, cy - gap - h),
            (cx - w / 2, cy + gap),
            (cx + gap * 0.7, cy - gap * 0.7 - h),
            (cx + gap * 0.7, cy + gap * 0.7),
            (cx - gap * 0.7 - w, cy - gap * 0.7 - h),
            (cx - gap * 0.7 - w, cy + gap * 0.7),
        ):
            if box[0] < x and x + w < box[0] + box[2] and box[1] < y and y + h < box[1] + box[3]:
                out.append((x, y, w, h))
    return out


def _scale_bar(
    pdf: FPDF, view: _View, left: float, bottom: float, span_m: float, size: float
) -> None:
    metres = max((b for b in _BARS if b <= span_m / 4), default=_BARS[0])
    length = metres * view.k
    x, y = left + 4, bottom - 5
    pdf.set_fill_color(255)
    pdf.rect(x - 1.5, y - 4.2, length + 3 + 14, 6.2, style="F")
    pdf.set_draw_color(0)
    pdf.set_line_width(0.5)
    pdf.line(x, y, x + length, y)
    pdf.line(x, y - 1.2, x, y + 0.4)
    pdf.line(x + length, y - 1.2, x + length, y + 0.4)
    pdf.set_font("Helvetica", "", size - 1)
    pdf.set_text_color(0)
    label = f"{metres} m" if metres < 1000 else f"{metres // 1000} km"
    pdf.text(x + length + 1.5, y + 0.8, label)
