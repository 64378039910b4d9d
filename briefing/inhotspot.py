"""Whether an incident lies in a hotspot: one rule for the backtest, the record and the pages.

A hotspot is a set of grid cells, and a grid cell holds the points of ``[x0, x0 + size) ×
[y0, y0 + size)`` (the grid's own rule). So an incident lies in a hotspot exactly when the cell that
holds it is one of the hotspot's cells. On the hotspot's outline that means: a point on a west or
south edge is inside, a point on an east or north edge is not, so that a point on the edge between
two cells counts in one of them, never in both or neither. Incidents without coordinates are never
inside.

:func:`in_hotspot` decides it from coordinates and the hotspot's shape (the union of its cells, in
the grid's metric CRS): the record and the evaluation page. When the cells are already known (the
backtest), :func:`in_hotspot_cells` decides the same thing; a test holds the two equal, points on
every kind of edge included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import numpy.typing as npt
import shapely

BoolArray = npt.NDArray[np.bool_]

#: How far (metres) a point on the outline is moved north-east to see on which side it lies; far
#: below a cell's size and far above the precision of coordinates in metres.
_NUDGE_M = 1e-4


def in_hotspot(shape: shapely.Geometry | None, x: npt.ArrayLike, y: npt.ArrayLike) -> BoolArray:
    """Per point (metric ``x``, ``y``): does it lie in ``shape``, a hotspot (or several)?"""
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    out = np.zeros(xs.shape, dtype=bool)
    if shape is None or shape.is_empty or xs.size == 0:
        return out
    ok = np.isfinite(xs) & np.isfinite(ys)
    covered = np.zeros(xs.shape, dtype=bool)
    covered[ok] = shapely.intersects_xy(shape, xs[ok], ys[ok])
    inside = np.zeros(xs.shape, dtype=bool)
    inside[covered] = shapely.contains_xy(shape, xs[covered], ys[covered])
    edge = covered & ~inside
    out[inside] = True
    if edge.any():
        out[edge] = shapely.contains_xy(shape, xs[edge] + _NUDGE_M, ys[edge] + _NUDGE_M)
    return out


def in_hotspot_cells(point_cells: npt.ArrayLike, hotspot_cells: npt.ArrayLike) -> BoolArray:
    """Per incident, given the cell that holds it (``-1``: none), is that one of the hotspot's?"""
    cells = np.asarray(point_cells)
    hits = np.isin(cells, np.asarray(hotspot_cells))
    if np.issubdtype(cells.dtype, np.integer):
        hits &= cells != -1
    return np.asarray(hits, dtype=bool)


def cells_shape(
    cell_ids: Iterable[str], bounds: Callable[[str], tuple[float, float, float, float]]
) -> shapely.Geometry | None:
    """The union of the cells ``c<size>_<col>_<row>``; ``bounds(cell_id)`` gives a cell's box
    in the grid's metric CRS (``Grid.id_bounds``, which reads the size from the id). ``None``
    without cells. Distinct cells of one size never overlap, so their union is then a coverage
    union (edges shared, no overlay computed): the same shape as ``shapely.union_all``, in a
    third of the time. Cells of several sizes (a lattice) may overlap and take the overlay."""
    cells = dict.fromkeys(str(c) for c in cell_ids)
    if not cells:
        return None
    extents = [bounds(cell) for cell in cells]
    boxes = [shapely.box(*extent) for extent in extents]
    if len({(x1 - x0, y1 - y0) for x0, y0, x1, y1 in extents}) == 1:
        return shapely.coverage_union_all(boxes)
    return shapely.union_all(boxes)
