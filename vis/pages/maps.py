"""The hotspot map: pydeck polygons on a local basemap of wijk outlines (no outside tiles).

Every hotspot carries its number and, below it, the streets of its incidents (from the stored
briefing), so that the map says where to go even offline. With ``[app] online_tiles`` on, PDOK's
BRT-Achtergrondkaart (``tile_style``) lies under it. Tooltips use deck.gl's text template
(inserted as text, never as HTML).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

import numpy as np
import pydeck as pdk
import shapely
import streamlit as st
from shapely.geometry import shape

from vis.geo import to_wgs84
from vis.pages.common import Resources, category_labels, lang, resources, tr

#: pydeck's "no style chosen" value: Streamlit's frontend then draws no tiles at all.
NO_TILES = "__MAP_STYLE__"


def _rings(geom: shapely.Geometry) -> list[list[list[float]]]:
    polys = list(geom.geoms) if hasattr(geom, "geoms") else [geom]
    return [
        [[round(x, 5), round(y, 5)] for x, y in p.exterior.coords]
        for p in polys
        if isinstance(p, shapely.Polygon)
    ]


@st.cache_resource(show_spinner=False)
def _basemap(areas_file: str, municipality: str, crs: str) -> list[dict[str, Any]]:
    res = resources()
    rows: list[dict[str, Any]] = []
    for area in res.areas.of_municipality(municipality):
        simple = shapely.simplify(area.geometry, 15.0, preserve_topology=True)
        wgs = shapely.transform(
            simple, lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1], crs))
        )
        for ring in _rings(wgs):
            rows.append({"polygon": ring, "name": area.name})
    return rows


def basemap(res: Resources) -> list[dict[str, Any]]:
    return _basemap(str(res.settings.geo.areas_file), res.municipality, res.settings.geo.crs)


@st.cache_resource(show_spinner=False)
def _areas_wgs84(areas_file: str, crs: str) -> list[tuple[str, shapely.Geometry]]:
    """Every area of the areas file in WGS84, prepared (built once: pyproj is slow per thread)."""
    out = []
    for area in resources().areas.areas:
        wgs = shapely.transform(
            area.geometry, lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1], crs))
        )
        shapely.prepare(wgs)
        out.append((area.name, wgs))
    return out


def area_name(res: Resources, geometry: dict[str, Any] | None) -> str | None:
    """Name of the wijk holding the centre of a WGS84 GeoJSON polygon."""
    try:
        centre = shape(geometry).centroid if geometry else None
    except (ValueError, TypeError, AttributeError, KeyError):
        return None
    if centre is None or centre.is_empty:
        return None
    for name, geom in _areas_wgs84(str(res.settings.geo.areas_file), res.settings.geo.crs):
        if geom.contains(centre):
            return name
    return None


# --- per stored briefing ----------------------------------------------------------------------
# A stored briefing is immutable: building again inserts a new row with a new id. What is derived
# from its content alone (the wijk of each hotspot, the map's JSON) is therefore kept per process,
# keyed by the database and the briefing's id, and shared by every session. Nothing here depends on
# the user or role: the pages check the role on every run before they read a briefing at all.


@st.cache_resource(show_spinner=False, max_entries=256)
def _spot_areas(
    database: str, briefing_id: int, areas_source: tuple[str, str], _hotspots: list[dict[str, Any]]
) -> tuple[str | None, ...]:
    res = resources()
    return tuple(area_name(res, spot.get("geometry")) for spot in _hotspots)


def spot_areas(
    res: Resources, briefing_id: int, hotspots: list[dict[str, Any]]
) -> tuple[str | None, ...]:
    """The wijk of each of a stored briefing's ``hotspots`` (in their order; None outside)."""
    source = (str(res.settings.geo.areas_file), res.settings.geo.crs)
    return _spot_areas(res.database, briefing_id, source, hotspots)


def hotspot_rows(
    res: Resources, hotspots: list[dict[str, Any]], names: Sequence[str | None]
) -> list[dict[str, Any]]:
    labels = category_labels()
    rows = []
    for spot, name in zip(hotspots, names, strict=True):
        geometry = spot.get("geometry") or {}
        try:
            rings = _rings(shape(geometry))
        except (ValueError, TypeError, AttributeError, KeyError):
            continue
        cats = ", ".join(
            f"{labels.get(str(c.get('code')), str(c.get('label') or c.get('code')))} "
            f"{c.get('count', '')}"
            for c in spot.get("categories") or []
            if isinstance(c, dict)
        )
        title = tr("hotspot", rank=spot.get("rank", "?"))
        for ring in rings:
            rows.append(
                {
                    "polygon": ring,
                    "rank": str(spot.get("rank", "")),
                    "tooltip": f"{title} {name or ''}\n{cats}".strip(),
                }
            )
    return rows


def hotspot_deck(
    res: Resources,
    hotspots: list[dict[str, Any]],
    height: int = 460,
    names: Sequence[str | None] | None = None,
) -> pdk.Deck:
    base = basemap(res)
    if names is None:
        names = [area_name(res, spot.get("geometry")) for spot in hotspots]
    spots = hotspot_rows(res, hotspots, names)
    points = [p for row in (spots or base) for p in row["polygon"]]
    if points:
        lons, lats = [p[0] for p in points], [p[1] for p in points]
        lon, lat = (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2
        span = max(max(lons) - min(lons), (max(lats) - min(lats)) * 1.6, 0.004)
        zoom = float(np.clip(np.log2(360 / span) - 1.3, 10, 14.5))
    else:
        lon, lat, zoom = 5.39, 52.16, 11.5
    labels = [{"position": _centre(r["polygon"]), "text": r["rank"]} for r in spots if r["rank"]]
    streets = street_labels(hotspots)
    layers = [
        pdk.Layer(
            "PolygonLayer",
            data=base,
            id="wijken",
            get_polygon="polygon",
            get_fill_color=[236, 236, 228, 255],
            get_line_color=[110, 110, 110, 255],
            line_width_min_pixels=1,
            stroked=True,
            filled=not res.app.online_tiles,
            pickable=False,
        ),
        pdk.Layer(
            "PolygonLayer",
            data=spots,
            id="hotspots",
            get_polygon="polygon",
            get_fill_color=[200, 20, 20, 150],
            get_line_color=[120, 0, 0, 255],
            line_width_min_pixels=2,
            stroked=True,
            filled=True,
            pickable=True,
        ),
        pdk.Layer(
            "TextLayer",
            data=labels,
            id="ranks",
            get_position="position",
            get_text="text",
            get_size=18,
            get_color=[0, 0, 0, 255],
            font_weight=700,
            background=True,
            get_background_color=[255, 255, 255, 220],
        ),
        pdk.Layer(
            "TextLayer",
            data=streets,
            id="streets",
            get_position="position",
            get_text="text",
            get_size=12,
            get_color=[20, 20, 20, 255],
            get_pixel_offset=[0, 30],
            background=True,
            get_background_color=[255, 255, 240, 230],
        ),
    ]
    if res.app.online_tiles:
        style, provider = res.app.tile_style, "carto"
    else:
        style, provider = NO_TILES, None
    return pdk.Deck(
        layers=layers,
        initial_view_state=pdk.ViewState(longitude=lon, latitude=lat, zoom=zoom),
        map_style=style,
        map_provider=provider,
        tooltip={"text": "{tooltip}"},
        height=height,
    )


#: Street names shown per hotspot on the map (the briefing lists them most frequent first).
MAP_STREETS = 2


def spot_centre(spot: dict[str, Any]) -> tuple[float, float] | None:
    """(lon, lat) of a hotspot's centre (WGS84), or None without a usable geometry."""
    try:
        point = shape(spot.get("geometry") or {}).centroid
    except (ValueError, TypeError, AttributeError, KeyError):
        return None
    if point.is_empty:
        return None
    return round(float(point.x), 6), round(float(point.y), 6)


#: Longest street name drawn on the map (longer ones end in '...').
MAP_LABEL_CHARS = 40


def street_labels(hotspots: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One label per hotspot: the streets of its incidents, one a line, at its centre."""
    out = []
    for spot in hotspots:
        names = [_glyphs(str(n)) for n in spot.get("streets") or [] if n]
        names = [n for n in names if n][:MAP_STREETS]
        centre = spot_centre(spot)
        if names and centre is not None:
            out.append({"position": list(centre), "text": "\n".join(names)})
    return out


def _glyphs(name: str) -> str:
    """``name`` in the glyphs deck.gl's TextLayer has by default (printable ASCII): accents
    dropped ("Café" → "Cafe"), control and other characters left out, and cut to
    ``MAP_LABEL_CHARS`` (a map label is read at a glance; the list beside the map has the whole
    name). pydeck turns a ``character_set`` value into an expression, so the layer cannot be
    given more glyphs. Empty when nothing drawable is left."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    plain = " ".join("".join(c for c in plain if c.isprintable()).split())
    if len(plain) > MAP_LABEL_CHARS:
        plain = plain[: MAP_LABEL_CHARS - 3].rstrip() + "..."
    return plain


def route_link(url_template: str, spot: dict[str, Any]) -> str | None:
    """The 'Route' link of a hotspot: ``url_template`` with its centre's {lat} and {lon}."""
    centre = spot_centre(spot)
    if centre is None:
        return None
    lon, lat = centre
    return url_template.format(lat=f"{lat:.6f}", lon=f"{lon:.6f}")


def _centre(ring: list[list[float]]) -> list[float]:
    return [sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)]


@st.cache_resource(show_spinner=False, max_entries=64)
def _deck(
    database: str, briefing_id: int, language: str, height: int, _hotspots: list[dict[str, Any]]
) -> pdk.Deck:
    res = resources()
    deck = hotspot_deck(res, _hotspots, height, spot_areas(res, briefing_id, _hotspots))
    spec = deck.to_json()  # pydeck serialises the whole spec on every call: once is enough
    deck.to_json = lambda: spec
    return deck


def cached_deck(
    res: Resources, briefing_id: int, hotspots: list[dict[str, Any]], height: int
) -> pdk.Deck:
    """The map of a stored briefing, per language and height, its JSON built once."""
    return _deck(res.database, briefing_id, lang(), height, hotspots)


def show_map(
    res: Resources, briefing_id: int, hotspots: list[dict[str, Any]], height: int = 460
) -> None:
    st.pydeck_chart(cached_deck(res, briefing_id, hotspots, height), height=height, key=None)
    st.caption(tr("map.credit", source=res.settings.geo.area_source))
