"""The lattice of hotspot cells and RD New ⇄ WGS84: pure geometry that both layers use.

:class:`Grid` shapes every hotspot (a cell id is part of the briefing), so it lives in ``briefing/``
where :func:`briefing.params.rules_version` hashes it; ``vis.geo`` re-exports it for the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from pyproj import Transformer

FloatArray = npt.NDArray[np.float64]
WGS84 = "EPSG:4326"


@lru_cache(maxsize=8)
def _transformer(src: str, dst: str) -> Transformer:
    # pyproj is imported on first use: most commands (`vis evaluate`) never project.
    from pyproj import Transformer

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
        """``c<size>_<col>_<row>``: the size is written in full (``c62.5``), so an id names its
        own lattice and :meth:`id_bounds` places it on any grid with the same origin."""
        return f"c{self.size:g}_{col}_{row}"

    def cell_ids(self, x: npt.ArrayLike, y: npt.ArrayLike) -> list[str]:
        cols, rows = self.cell_indices(x, y)
        return [self.cell_id(c, r) for c, r in zip(cols.tolist(), rows.tolist(), strict=True)]

    def cell_bounds(self, col: int, row: int) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) of a cell in the grid's CRS."""
        x0, y0, x1, y1 = self.cells_bounds(np.int64(col), np.int64(row))
        return float(x0), float(y0), float(x1), float(y1)

    def cells_bounds(
        self, cols: npt.ArrayLike, rows: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.float64], ...]:
        """:meth:`cell_bounds` of many cells at once: arrays of minx, miny, maxx, maxy."""
        x0 = np.asarray(self.origin_x + np.asarray(cols, np.int64) * self.size, np.float64)
        y0 = np.asarray(self.origin_y + np.asarray(rows, np.int64) * self.size, np.float64)
        return x0, y0, x0 + self.size, y0 + self.size

    def id_bounds(self, cell_id: str) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) of the cell ``c<size>_<col>_<row>`` on this grid's origin, in
        the size the id names (a 62.5 m scoring cell on the 125 m grid of the settings). Raises
        ValueError on anything else."""
        size_text, col, row = str(cell_id).split("_")
        if not size_text.startswith("c"):
            raise ValueError(f"no cell id: {cell_id!r}")
        size = float(size_text[1:])
        x0 = self.origin_x + int(col) * size
        y0 = self.origin_y + int(row) * size
        return x0, y0, x0 + size, y0 + size
