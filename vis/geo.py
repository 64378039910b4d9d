"""Geography: the configured areas and point in polygon; RD New ⇄ WGS84 and the grid (from
:mod:`briefing.lattice`, re-exported here).

Everything here is vectorised over numpy arrays. Build an :class:`AreaIndex` once (it reads the
GeoJSON) and pass it on; nothing is loaded at import time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import shape

from briefing.lattice import WGS84, FloatArray, Grid, from_wgs84, to_wgs84

__all__ = [
    "WGS84",
    "Area",
    "AreaFileError",
    "AreaIndex",
    "FloatArray",
    "Grid",
    "from_wgs84",
    "to_wgs84",
]


class AreaFileError(ValueError):
    """The areas file is missing, not GeoJSON, or lacks a configured property."""


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    municipality_code: str
    inhabitants: int | None
    geometry: shapely.Geometry


@dataclass(frozen=True)
class AreaIndex:
    """The areas of one areas file, with prepared geometries for point in polygon."""

    areas: tuple[Area, ...]

    @classmethod
    def from_geojson(
        cls,
        path: Path,
        *,
        code_property: str,
        name_property: str,
        municipality_property: str,
        population_property: str,
    ) -> AreaIndex:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise AreaFileError(f"areas file not found: {path}") from exc
        except (OSError, ValueError) as exc:
            raise AreaFileError(f"areas file {path} is not readable GeoJSON: {exc}") from exc
        areas: list[Area] = []
        for i, feature in enumerate(data.get("features", [])):
            props = feature.get("properties") or {}
            for key in (code_property, name_property, municipality_property):
                if not props.get(key):
                    raise AreaFileError(f"{path}: feature {i} has no property {key!r}")
            pop = props.get(population_property)
            areas.append(
                Area(
                    code=str(props[code_property]).strip(),
                    name=str(props[name_property]).strip(),
                    municipality_code=str(props[municipality_property]).strip(),
                    inhabitants=int(pop) if isinstance(pop, int | float) and pop >= 0 else None,
                    geometry=shape(feature["geometry"]),
                )
            )
        if not areas:
            raise AreaFileError(f"{path}: no features")
        for area in areas:
            shapely.prepare(area.geometry)
        return cls(areas=tuple(areas))

    def of_municipality(self, code: str) -> tuple[Area, ...]:
        return tuple(a for a in self.areas if a.municipality_code == code)

    def locate(self, x: npt.ArrayLike, y: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Index into :attr:`areas` of the area holding each point; -1 for none or no coordinates.

        A point on a shared border goes to the area listed first, so the answer is deterministic.
        Each area tests only the points in its bounding box, against its prepared geometry.
        """
        xs = np.asarray(x, float)
        ys = np.asarray(y, float)
        result = np.full(xs.shape, -1, dtype=np.int64)
        ok = np.flatnonzero(np.isfinite(xs) & np.isfinite(ys))
        if ok.size == 0:
            return result
        px, py = xs[ok], ys[ok]
        found = np.full(ok.size, -1, dtype=np.int64)
        for i, area in enumerate(self.areas):
            minx, miny, maxx, maxy = area.geometry.bounds
            todo = np.flatnonzero(
                (found < 0) & (px >= minx) & (px <= maxx) & (py >= miny) & (py <= maxy)
            )
            if todo.size:
                inside = shapely.intersects_xy(area.geometry, px[todo], py[todo])
                found[todo[inside]] = i
        result[ok] = found
        return result
