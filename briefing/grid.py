"""The cell raster that the scoring works on, and the geometry of cells and hotspots.

Cells come from :class:`vis.geo.Grid`: square, fixed to an origin, so a cell id
(``c125_<col>_<row>``) means the same place every day. A :class:`Frame` is the rectangle of cells
that holds the history (plus a margin for the kernels); it only decides array positions, never a
score, so it may be taken from all the data without look-ahead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from scipy import ndimage
from shapely import geometry as sgeom
from shapely.ops import unary_union

from briefing.lattice import Grid, to_wgs84

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Frame:
    """A rectangle of grid cells: columns ``col0 …`` and rows ``row0 …``; flat index row-major."""

    grid: Grid
    col0: int
    row0: int
    ncols: int
    nrows: int

    @classmethod
    def around(cls, grid: Grid, x: FloatArray, y: FloatArray, margin: int = 4) -> Frame:
        ok = np.isfinite(x) & np.isfinite(y)
        if not ok.any():
            return cls(grid, 0, 0, 1, 1)
        cols, rows = grid.cell_indices(x[ok], y[ok])
        col0, row0 = int(cols.min()) - margin, int(rows.min()) - margin
        return cls(
            grid,
            col0,
            row0,
            int(cols.max()) - col0 + margin + 1,
            int(rows.max()) - row0 + margin + 1,
        )

    @property
    def shape(self) -> tuple[int, int]:
        return self.nrows, self.ncols

    @property
    def size(self) -> int:
        return self.nrows * self.ncols

    def flat_index(self, x: FloatArray, y: FloatArray) -> IntArray:
        """Flat cell index of each point; -1 without coordinates or outside the frame."""
        out = np.full(np.shape(x), -1, dtype=np.int64)
        ok = np.isfinite(x) & np.isfinite(y)
        cols, rows = self.grid.cell_indices(x[ok], y[ok])
        c, r = cols - self.col0, rows - self.row0
        inside = (c >= 0) & (c < self.ncols) & (r >= 0) & (r < self.nrows)
        idx = np.full(c.shape, -1, dtype=np.int64)
        idx[inside] = r[inside] * self.ncols + c[inside]
        out[ok] = idx
        return out

    def col_row(self, flat: IntArray | int) -> tuple[IntArray, IntArray]:
        r, c = np.divmod(np.asarray(flat, np.int64), self.ncols)
        return c + self.col0, r + self.row0

    def cell_id(self, flat: int) -> str:
        col, row = self.col_row(flat)
        return self.grid.cell_id(int(col), int(row))

    def centres(self, flat: IntArray) -> tuple[FloatArray, FloatArray]:
        col, row = self.col_row(flat)
        size = self.grid.size
        x = self.grid.origin_x + (col + 0.5) * size
        y = self.grid.origin_y + (row + 0.5) * size
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def neighbour_kernel(weight: float) -> FloatArray:
    """1-D smoothing kernel ``[w, 1, w]``, normalised; applied along both axes (separable)."""
    k = np.array([weight, 1.0, weight])
    return k / k.sum()


def smooth(stack: FloatArray, weight: float) -> FloatArray:
    """Neighbour smoothing of rasters (last two axes): the cell itself 1, rook neighbours ``w``,
    diagonal neighbours ``w²``, normalised so that the total is kept inside the frame."""
    if weight == 0:
        return stack
    k = neighbour_kernel(weight)
    out = ndimage.correlate1d(stack, k, axis=-1, mode="constant")
    return ndimage.correlate1d(out, k, axis=-2, mode="constant")


def persistence_share(older: FloatArray, newer: FloatArray, weight: float) -> FloatArray:
    """Per raster (the first axis: a category) the share of a cell's own value to keep when
    smoothing: how much of the cells' deviations from their neighbourhood mean persists in time.

    ``older`` and ``newer`` are the counts of two consecutive periods (the two halves of the
    long-term window), ``d = x - smooth(x)`` their deviations from the neighbourhood mean. The share
    is ``2 Σ d_old d_new / (Σ d_old² + Σ d_new²)``, clipped to 0 … 1: the reliability of the
    deviations (an empirical-Bayes shrinkage factor estimated from two replications). Where
    incidents keep piling up on the same places it is near 1 (keep each cell's own level); where the
    differences between neighbouring cells are noise that does not come back it is near 0 (take the
    neighbourhood mean). Without any deviation it is 1. Shape: (rasters, 1, 1).
    """
    shape = (older.shape[0],) + (1,) * (older.ndim - 1)
    if weight == 0:
        return np.ones(shape)
    # the same arithmetic as ``older - smooth(older)`` etc., in fewer fresh arrays
    d_old = smooth(older, weight)
    np.subtract(older, d_old, out=d_old)
    d_new = smooth(newer, weight)
    np.subtract(newer, d_new, out=d_new)
    axes = tuple(range(1, older.ndim))
    product = d_old * d_new
    cov = product.sum(axis=axes)
    var = np.multiply(d_old, d_old, out=product).sum(axis=axes)
    var = var + np.multiply(d_new, d_new, out=product).sum(axis=axes)
    share = np.where(var > 0, 2.0 * cov / np.where(var > 0, var, 1.0), 1.0)
    return np.asarray(np.clip(share, 0.0, 1.0).reshape(shape), dtype=np.float64)


def eb_smooth(stack: FloatArray, weight: float, own: FloatArray) -> FloatArray:
    """Neighbour smoothing that keeps the share ``own`` (:func:`persistence_share`) of each cell's
    deviation from its neighbourhood mean: ``m + own × (x - m)``, ``m`` the smoothed value."""
    mean = smooth(stack, weight)
    out = np.multiply(own, stack - mean)
    out += mean  # mean + own × (x - mean), bit for bit: IEEE addition is commutative
    return out


def disk_kernel(radius_m: float, cell_size: float) -> FloatArray:
    """1 for each cell whose centre lies within ``radius_m`` of the centre cell's, else 0."""
    reach = int(radius_m // cell_size)
    offsets = np.arange(-reach, reach + 1) * cell_size
    dist = np.hypot(offsets[:, None], offsets[None, :])
    return (dist <= radius_m + 1e-9).astype(np.float64)


def block_sum(raster: FloatArray) -> FloatArray:
    """Sum over each cell and its 8 neighbours (the evidence block)."""
    return np.asarray(ndimage.uniform_filter(raster, size=3, mode="constant") * 9.0)


def hotspot_geometry(frame: Frame, cells: Sequence[int], crs: str) -> dict[str, Any]:
    """GeoJSON Polygon (WGS84 lon/lat) of the union of rook-connected cells."""
    cols, rows = frame.col_row(np.asarray(cells, dtype=np.int64))
    shape = unary_union(shapely.box(*frame.grid.cells_bounds(cols, rows)))
    if not isinstance(shape, sgeom.Polygon):
        raise ValueError("hotspot cells are not connected")
    rings = [np.asarray(shape.exterior.coords)] + [np.asarray(r.coords) for r in shape.interiors]
    out: list[list[list[float]]] = []
    for ring in rings:
        lon, lat = to_wgs84(ring[:, 0], ring[:, 1], crs)
        out.append(
            [[round(a, 6), round(b, 6)] for a, b in zip(lon.tolist(), lat.tolist(), strict=True)]
        )
    return {"type": "Polygon", "coordinates": out}
