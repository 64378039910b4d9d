"""Geography: RD New ⇄ WGS84, point in polygon and the hotspot grid."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vis.geo import AreaFileError, AreaIndex, Grid, from_wgs84, to_wgs84

# Onze Lieve Vrouwetoren, Amersfoort: the origin of the Rijksdriehoek system.
OLV_RD = (155000.0, 463000.0)
OLV_WGS84 = (5.38720621, 52.15517440)


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Distance on the sphere in metres (plenty for sub-metre checks)."""
    k = math.pi / 180
    dlat = (lat2 - lat1) * k
    dlon = (lon2 - lon1) * k * math.cos((lat1 + lat2) / 2 * k)
    return 6_371_000 * math.hypot(dlat, dlon)


# --- RD New ⇄ WGS84 ------------------------------------------------------------------------------


def test_the_rd_origin_is_the_onze_lieve_vrouwetoren() -> None:
    lon, lat = to_wgs84([OLV_RD[0]], [OLV_RD[1]])
    # pyproj's EPSG:28992 → 4326 without the RDNAPTRANS grid is a Helmert transformation,
    # good to a few decimetres; the reference is the RDNAPTRANS value.
    assert _metres(lon[0], lat[0], *OLV_WGS84) < 0.5
    assert lon[0] == pytest.approx(OLV_WGS84[0], abs=1e-5)
    assert lat[0] == pytest.approx(OLV_WGS84[1], abs=1e-5)


def test_the_tower_in_wgs84_lands_on_the_rd_origin() -> None:
    x, y = from_wgs84([OLV_WGS84[0]], [OLV_WGS84[1]])
    assert math.hypot(x[0] - OLV_RD[0], y[0] - OLV_RD[1]) < 0.5


def test_rd_and_wgs84_round_trip_within_a_centimetre_over_the_netherlands() -> None:
    xs, ys = np.meshgrid(np.linspace(0, 290_000, 30), np.linspace(300_000, 625_000, 30))
    x, y = xs.ravel(), ys.ravel()
    back_x, back_y = from_wgs84(*to_wgs84(x, y))
    assert np.max(np.hypot(back_x - x, back_y - y)) < 0.01


@settings(derandomize=True, max_examples=200, deadline=None)
@given(
    st.floats(-7000, 300_000, allow_nan=False),
    st.floats(289_000, 629_000, allow_nan=False),
)
def test_any_rd_point_round_trips_within_a_centimetre(x: float, y: float) -> None:
    back_x, back_y = from_wgs84(*to_wgs84([x], [y]))
    assert math.hypot(back_x[0] - x, back_y[0] - y) < 0.01


def test_conversion_is_vectorised_and_keeps_the_shape() -> None:
    x = np.full((2, 3), 155000.0)
    y = np.full((2, 3), 463000.0)
    lon, lat = to_wgs84(x, y)
    assert lon.shape == (2, 3) and lat.shape == (2, 3)
    assert lon.dtype == np.float64
    assert np.all(lon == lon[0, 0])


def test_wgs84_is_lon_lat_ordered() -> None:
    lon, lat = to_wgs84([155000.0], [463000.0])
    assert 3 < lon[0] < 8 and 50 < lat[0] < 54


def test_nan_coordinates_pass_through_as_nan() -> None:
    lon, lat = to_wgs84([np.nan, 155000.0], [np.nan, 463000.0])
    assert np.isnan(lon[0]) and np.isnan(lat[0])
    assert np.isfinite(lon[1]) and np.isfinite(lat[1])
    x, y = from_wgs84([np.nan], [np.nan])
    assert np.isnan(x[0]) and np.isnan(y[0])


def test_nan_coordinates_never_become_a_real_place() -> None:
    # What holds today, whatever the fix: a missing coordinate never turns into a finite one.
    lon, lat = to_wgs84([np.nan, 155000.0, np.nan], [np.nan, np.nan, 463000.0])
    assert not np.isfinite(lon).any() and not np.isfinite(lat).any()


# --- Grid ----------------------------------------------------------------------------------------

GRID = Grid(size=125.0, origin_x=0.0, origin_y=300_000.0)


def test_cell_of_the_amersfoort_centre() -> None:
    cols, rows = GRID.cell_indices([155020.0], [463120.0])
    assert (cols[0], rows[0]) == (1240, 1304)
    assert GRID.cell_ids([155020.0], [463120.0]) == ["c125_1240_1304"]
    assert GRID.cell_bounds(1240, 1304) == (155000.0, 463000.0, 155125.0, 463125.0)


@pytest.mark.parametrize(
    ("x", "y", "cell"),
    [
        (155000.0, 463000.0, (1240, 1304)),  # lower-left corner belongs to the cell
        (154999.999, 463000.0, (1239, 1304)),
        (155124.999, 463124.999, (1240, 1304)),
        (155125.0, 463125.0, (1241, 1305)),  # upper-right corner is the next cell
        (0.0, 300_000.0, (0, 0)),
        (-0.001, 299_999.999, (-1, -1)),  # negative offsets floor, not truncate
        (-125.0, 299_875.0, (-1, -1)),
        (-125.001, 299_874.999, (-2, -2)),
        (-7000.0, 289_000.0, (-56, -88)),
    ],
)
def test_cells_at_borders_and_at_negative_offsets(
    x: float, y: float, cell: tuple[int, int]
) -> None:
    cols, rows = GRID.cell_indices([x], [y])
    assert (int(cols[0]), int(rows[0])) == cell
    assert GRID.cell_ids([x], [y]) == [f"c125_{cell[0]}_{cell[1]}"]


def test_cell_ids_are_stable_whatever_else_is_in_the_batch() -> None:
    alone = GRID.cell_ids([155020.0], [463120.0])
    batch = GRID.cell_ids([1.0, 155020.0, 290_000.0], [300_001.0, 463120.0, 620_000.0])
    assert batch[1] == alone[0]
    assert Grid(125.0, 0.0, 300_000.0).cell_ids([155020.0], [463120.0]) == alone


@settings(derandomize=True, max_examples=300, deadline=None)
@given(
    st.floats(-7000, 300_000, allow_nan=False),
    st.floats(289_000, 629_000, allow_nan=False),
    st.sampled_from([125.0, 100.0, 250.0, 500.0, 62.5]),
)
def test_a_point_lies_in_the_bounds_of_its_own_cell(x: float, y: float, size: float) -> None:
    grid = Grid(size=size, origin_x=0.0, origin_y=300_000.0)
    cols, rows = grid.cell_indices([x], [y])
    minx, miny, maxx, maxy = grid.cell_bounds(int(cols[0]), int(rows[0]))
    assert minx <= x < maxx
    assert miny <= y < maxy


# --- AreaIndex -----------------------------------------------------------------------------------


def _square(code: str, x0: float, y0: float, size: float, gem: str = "GM0307") -> dict[str, Any]:
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    return {
        "type": "Feature",
        "properties": {"code": f" {code} ", "naam": code, "gem": gem, "inw": 10},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def _index(tmp_path: Path, features: list[dict[str, Any]]) -> AreaIndex:
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return AreaIndex.from_geojson(
        path,
        code_property="code",
        name_property="naam",
        municipality_property="gem",
        population_property="inw",
    )


def test_locate_finds_the_area_that_holds_each_point(tmp_path: Path) -> None:
    index = _index(tmp_path, [_square("A", 0, 0, 10), _square("B", 10, 0, 10)])
    assert [a.code for a in index.areas] == ["A", "B"]  # codes are trimmed
    got = index.locate([5.0, 15.0, 25.0, np.nan, 5.0], [5.0, 5.0, 5.0, 5.0, np.nan])
    assert got.tolist() == [0, 1, -1, -1, -1]
    assert got.dtype == np.int64


def test_a_point_on_a_shared_border_goes_to_the_area_listed_first(tmp_path: Path) -> None:
    a, b = _square("A", 0, 0, 10), _square("B", 10, 0, 10)
    points = ([10.0, 10.0, 10.0], [0.0, 5.0, 10.0])
    assert _index(tmp_path, [a, b]).locate(*points).tolist() == [0, 0, 0]
    assert _index(tmp_path, [b, a]).locate(*points).tolist() == [0, 0, 0]  # now B is first
    index = _index(tmp_path, [a, b])
    assert index.locate(*points).tolist() == index.locate(*points).tolist()


def test_a_point_on_the_outer_border_is_inside(tmp_path: Path) -> None:
    index = _index(tmp_path, [_square("A", 0, 0, 10)])
    assert index.locate([0.0, 10.0, 10.000001], [0.0, 10.0, 5.0]).tolist() == [0, 0, -1]


def test_overlapping_areas_resolve_to_the_first(tmp_path: Path) -> None:
    index = _index(tmp_path, [_square("GROOT", 0, 0, 100), _square("KLEIN", 40, 40, 10)])
    assert index.locate([45.0], [45.0]).tolist() == [0]


def test_locate_on_no_points(tmp_path: Path) -> None:
    index = _index(tmp_path, [_square("A", 0, 0, 10)])
    assert index.locate([], []).tolist() == []


def test_of_municipality_selects_by_code(tmp_path: Path) -> None:
    index = _index(tmp_path, [_square("A", 0, 0, 10), _square("L", 20, 0, 10, gem="GM0327")])
    assert [a.code for a in index.of_municipality("GM0327")] == ["L"]
    assert index.of_municipality("GM0000") == ()


def test_the_shipped_areas_place_the_amersfoort_centre_in_wijk_01(tmp_path: Path) -> None:
    from vis.areas import load_areas
    from vis.settings import load_settings

    index = load_areas(load_settings())
    where = index.locate([155020.0, 155000.0, np.nan], [463120.0, 463000.0, np.nan])
    assert [index.areas[i].code if i >= 0 else None for i in where] == [
        "WK030701",
        "WK030701",
        None,
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "not found"),
        ("{ geen json", "not readable GeoJSON"),
        (json.dumps({"type": "FeatureCollection", "features": []}), "no features"),
    ],
)
def test_bad_area_files_are_area_file_errors(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "areas.geojson"
    if content is not None:
        path.write_text(content, "utf-8")
    with pytest.raises(AreaFileError, match=message):
        AreaIndex.from_geojson(
            path,
            code_property="code",
            name_property="naam",
            municipality_property="gem",
            population_property="inw",
        )


def test_a_feature_without_a_configured_property_is_an_area_file_error(tmp_path: Path) -> None:
    feature = _square("A", 0, 0, 10)
    del feature["properties"]["gem"]
    with pytest.raises(AreaFileError, match="feature 0 has no property 'gem'"):
        _index(tmp_path, [feature])


def test_a_missing_or_negative_population_is_unknown(tmp_path: Path) -> None:
    a, b, c = _square("A", 0, 0, 1), _square("B", 2, 0, 1), _square("C", 4, 0, 1)
    b["properties"]["inw"] = -99997  # CBS's "secret" marker
    del c["properties"]["inw"]
    index = _index(tmp_path, [a, b, c])
    assert [x.inhabitants for x in index.areas] == [10, None, None]
