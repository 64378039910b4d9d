"""Geography: RD New ⇄ WGS84 with pyproj, the configured areas, point in polygon, and the grid.

Everything here is vectorised over numpy arrays. Build an :class:`AreaIndex` once (it reads the
GeoJSON) and pass it on; nothing is loaded at import time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Transformer
from shapely.geometry import shape

FloatArray = npt.NDArray[np.float64]
WGS84 = "EPSG:4326"


class AreaFileError(ValueError):
    """The areas file is missing, not GeoJSON, or lacks a configured property."""


@lru_cache(maxsize=8)
def _transformer(src: str, dst: str) -> Transformer:
    # always_xy: (x, y) = (easting, northing) and (lon, lat), whatever the CRS axis order says.
    return Transformer.from_crs(src, dst, always_xy=True)


def to_wgs84(
    x: npt.ArrayLike, y: npt.ArrayLike, crs: str = "EPSG:28992"
) -> tuple[FloatArray, FloatArray]:
    """(lon, lat) for metric coordinates in ``crs``; NaN stays NaN (pyproj itself gives inf)."""
    xs, ys = np.asarray(x, float), np.asarray(y, float)
    lon, lat = _transformer(crs, WGS84).transform(xs, ys)
    missing = ~(np.isfinite(xs) & np.isfinite(ys))
    lon = np.where(missing, np.nan, np.asarray(lon, float))
    lat = np.where(missing, np.nan, np.asarray(lat, float))
    return lon, lat


def from_wgs84(
    lon: npt.ArrayLike, lat: npt.ArrayLike, crs: str = "EPSG:28992"
) -> tuple[FloatArray, FloatArray]:
    """Metric (x, y) in ``crs`` for (lon, lat); NaN stays NaN."""
    lons, lats = np.asarray(lon, float), np.asarray(lat, float)
    x, y = _transformer(WGS84, crs).transform(lons, lats)
    missing = ~(np.isfinite(lons) & np.isfinite(lats))
    return np.where(missing, np.nan, np.asarray(x, float)), np.where(
        missing, np.nan, np.asarray(y, float)
    )


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


@dataclass(frozen=True)
class Grid:
    """Square cells of ``size`` metres anchored at a fixed origin, so cell ids never move."""

    size: float
    origin_x: float
    origin_y: float

    def cell_indices(
        self, x: npt.ArrayLike, y: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """(column, row) of each point; points without coordinates must be filtered out first."""
        col = np.floor((np.asarray(x, float) - self.origin_x) / self.size).astype(np.int64)
        row = np.floor((np.asarray(y, float) - self.origin_y) / self.size).astype(np.int64)
        return col, row

    def cell_id(self, col: int, row: int) -> str:
        return f"c{int(self.size)}_{col}_{row}"

    def cell_ids(self, x: npt.ArrayLike, y: npt.ArrayLike) -> list[str]:
        cols, rows = self.cell_indices(x, y)
        return [self.cell_id(c, r) for c, r in zip(cols.tolist(), rows.tolist(), strict=True)]

    def cell_bounds(self, col: int, row: int) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) of a cell in the grid's CRS."""
        x0 = self.origin_x + col * self.size
        y0 = self.origin_y + row * self.size
        return x0, y0, x0 + self.size, y0 + self.size
