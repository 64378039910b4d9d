"""One rule decides whether an incident lies in a hotspot: the cell that holds it is one of the
hotspot's cells. The shape form (record, evaluation page) and the cell form (backtest) agree,
on every kind of edge too."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from briefing.inhotspot import cells_shape, in_hotspot, in_hotspot_cells
from vis.geo import Grid

GRID = Grid(125.0, 0.0, 300000.0)


def test_west_and_south_edges_are_inside_east_and_north_edges_are_not() -> None:
    shape = cells_shape(["c125_1240_1304"], GRID.id_bounds)
    x0, y0, x1, y1 = GRID.cell_bounds(1240, 1304)
    xs = [x0, x1, (x0 + x1) / 2, (x0 + x1) / 2, x0, x1, x0 - 0.01, np.nan, (x0 + x1) / 2]
    ys = [(y0 + y1) / 2, (y0 + y1) / 2, y0, y1, y0, y1, y0, y0, np.nan]
    assert in_hotspot(shape, xs, ys).tolist() == [
        True, False, True, False, True, False, False, False, False
    ]  # fmt: skip
    assert not in_hotspot(None, [x0], [y0]).any()


def test_an_edge_between_two_hotspot_cells_is_inside() -> None:
    shape = cells_shape(["c125_10_10", "c125_11_10"], GRID.id_bounds)
    x_mid = GRID.cell_bounds(11, 10)[0]
    y = GRID.cell_bounds(11, 10)[1] + 50
    assert in_hotspot(shape, [x_mid], [y]).tolist() == [True]


@settings(max_examples=60, deadline=None)
@given(
    cells=st.sets(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=10),
    points=st.lists(
        st.tuples(
            st.integers(-1, 7), st.integers(-1, 7), st.sampled_from([0.0, 0.5, 37.0, 124.99])
        ),
        min_size=1,
        max_size=40,
    ),
)
def test_the_shape_form_and_the_cell_form_agree(
    cells: set[tuple[int, int]], points: list[tuple[int, int, float]]
) -> None:
    ids = [GRID.cell_id(c, r) for c, r in cells]
    shape = cells_shape(ids, GRID.id_bounds)
    # points on grid lines, cell corners and inside cells
    xs = np.array([c * 125.0 + off for c, _, off in points])
    ys = np.array([300000.0 + r * 125.0 + (off if i % 2 else 0.0) for i, (_, r, off) in
                   enumerate(points)])  # fmt: skip
    by_shape = in_hotspot(shape, xs, ys)
    by_cell = in_hotspot_cells(GRID.cell_ids(xs, ys), ids)
    assert by_shape.tolist() == by_cell.tolist()


def test_the_cell_form_never_counts_an_incident_without_a_cell() -> None:
    assert in_hotspot_cells(np.array([-1, 3, 4]), np.array([-1, 3])).tolist() == [
        False, True, False
    ]  # fmt: skip


def test_the_record_the_evaluation_page_and_the_backtest_count_the_same_edge_points() -> None:
    import datetime as dt
    from types import SimpleNamespace

    import pandas as pd

    from briefing.backtest import hit_rate_and_pai
    from briefing.evaluation.record import briefing_record
    from vis.pages.evaluation import hits_per_briefing
    from vis.store.queries import BriefingRow

    start = dt.datetime(2017, 3, 14, 18, tzinfo=dt.UTC)
    end = start + dt.timedelta(hours=8)
    cells = ["c125_1240_1304", "c125_1241_1304"]
    x0, y0, _, y1 = GRID.cell_bounds(1240, 1304)
    x2 = GRID.cell_bounds(1241, 1304)[2]
    # west edge, the edge between the two cells, east edge, north edge, south-west corner
    xs = [x0, x0 + 125.0, x2, x0 + 10.0, x0]
    ys = [y0 + 50.0, y0 + 50.0, y0 + 50.0, y1, y0]
    expected = 3
    begin = start + dt.timedelta(hours=1)
    row = BriefingRow(
        id=1, date=start.date(), shift="avond", version=1, rules_version="r",
        window_start=start, window_end=end, data_until=None, cutoff=start, created_at=start,
        content={"hotspots": [{"rank": 1, "id": cells[0], "cells": cells}]},
    )  # fmt: skip
    points = [SimpleNamespace(x=x, y=y, begin_at=begin) for x, y in zip(xs, ys, strict=True)]
    assert hits_per_briefing([row], points, GRID, "EPSG:28992") == {1: expected}
    spots = pd.DataFrame(
        [{"briefing_id": 1, "date": start.date(), "shift": "avond", "window_start": start,
          "window_end": end, "hotspot_id": cells[0], "rank": 1,
          "geometry": cells_shape(cells, GRID.id_bounds)}]
    )  # fmt: skip
    incidents = pd.DataFrame({"begin_at": [begin] * len(xs), "x": xs, "y": ys})
    table, _ = briefing_record(spots, incidents, 1_000_000.0)
    assert int(table["treffers"].iloc[0]) == expected
    col, rw = GRID.cell_indices(xs, ys)
    flat = np.array([c * 10_000 + r for c, r in zip(col, rw, strict=True)])
    chosen = np.array([1240 * 10_000 + 1304, 1241 * 10_000 + 1304])
    rate, _ = hit_rate_and_pai(chosen, flat, 100)
    assert rate == expected / len(xs)


def test_a_cell_id_names_its_own_lattice_so_fine_hotspots_land_where_they_were_scored() -> None:
    """Hotspots are scored on 62.5 m cells while the settings' grid is 125 m: the id carries the
    size, and every reader (record, evaluation page, PDF map) places the cell by it."""
    fine = Grid(62.5, GRID.origin_x, GRID.origin_y)
    cell = fine.cell_id(21, 7)
    assert cell == "c62.5_21_7"
    assert GRID.id_bounds(cell) == fine.cell_bounds(21, 7)
    assert GRID.id_bounds("c125_3_4") == GRID.cell_bounds(3, 4)
    shape = cells_shape([cell], GRID.id_bounds)
    assert shape is not None and shape.area == 62.5 * 62.5
    # a point inside the fine cell is in the hotspot, one in the rest of its 125 m parent is not
    x0, y0, _, _ = fine.cell_bounds(21, 7)
    inside = in_hotspot(shape, [x0 + 10.0], [y0 + 10.0])
    outside = in_hotspot(shape, [x0 + 70.0], [y0 + 10.0])
    assert bool(inside[0]) and not bool(outside[0])


@settings(max_examples=60)
@given(cells=st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=1, max_size=30))
def test_a_hotspot_shape_is_the_union_of_its_cells_whatever_their_order_or_repeats(
    cells: list[tuple[int, int]],
) -> None:
    import shapely

    ids = [GRID.cell_id(c, r) for c, r in cells]
    shape = cells_shape(ids, GRID.id_bounds)
    overlay = shapely.union_all([shapely.box(*GRID.id_bounds(i)) for i in ids])
    assert shape is not None and shape.is_valid and shape.equals(overlay)
    assert shape.area == overlay.area == 125.0**2 * len(set(cells))


def test_cells_of_two_sizes_that_overlap_make_the_same_shape_as_their_overlay() -> None:
    import shapely

    coarse = Grid(250.0, 0.0, 300000.0)
    ids = [coarse.cell_id(0, 0), GRID.cell_id(1, 1), GRID.cell_id(2, 0)]
    shape = cells_shape(ids, GRID.id_bounds)  # an id names its own size
    overlay = shapely.union_all([
        shapely.box(0.0, 300000.0, 250.0, 300250.0), shapely.box(250.0, 300000.0, 375.0, 300125.0)
    ])  # fmt: skip
    assert shape is not None and shape.is_valid and shape.equals(overlay)
