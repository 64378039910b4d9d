"""Buurt by point in polygon (where configured) and the police's Pleegbuurt."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from ingest import arrowrows as ar
from ingest import columns as c
from ingest.normalise import NormaliseParams, normalise
from vis.areas import load_areas, load_buurten
from vis.geo import AreaIndex
from vis.settings import PROJECT_ROOT, load_settings

ROW = {
    c.ID: "PL0900_BVH_1",
    c.MK_CODE: "A20",
    c.MK_LABEL: "Gekwal. diefstal in/uit woning",
    c.STREET: "Stationsplein",
    c.BEGIN: "13-03-2017 08:15",
    c.KNOWN: "13-03-2017 18:02",
    c.X: "155020",
    c.Y: "463120",
}


def _square(code: str, name: str, x0: float, y0: float, size: float) -> dict[str, object]:
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    return {
        "type": "Feature",
        "properties": {"buurtcode": code, "buurtnaam": name, "gemeenteco": "GM0307"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


@pytest.fixture(scope="module")
def buurten_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("buurten") / "buurten.geojson"
    features = [
        _square("BU03070100", "Stadskern-noord", 155000, 463100, 100),
        _square("BU03070101", "Stadskern-zuid", 155000, 463000, 100),
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _params(buurten: AreaIndex | None = None) -> NormaliseParams:
    settings = load_settings()
    return NormaliseParams(
        categories=tuple(settings.categories), areas=load_areas(settings), buurten=buurten
    )


def _buurten(path: Path) -> AreaIndex:
    return AreaIndex.from_geojson(
        path,
        code_property="buurtcode",
        name_property="buurtnaam",
        municipality_property="gemeenteco",
        population_property="aantal_inw",
    )


def _rows(params: NormaliseParams, *rows: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame([{**ROW, c.ID: f"PL0900_BVH_{i}", **r} for i, r in enumerate(rows)])
    frame.insert(0, c.ROW, range(1, len(rows) + 1))
    result = normalise(frame.astype(str), params)
    assert result.quarantine.empty, result.quarantine["reason"].tolist()
    return result.rows


def test_the_buurt_is_found_by_point_in_polygon_where_buurten_are_configured(
    buurten_file: Path,
) -> None:
    rows = _rows(
        _params(_buurten(buurten_file)),
        {},  # (155020, 463120): the northern square
        {c.X: "155050", c.Y: "463010"},  # the southern square
        {c.X: "157000", c.Y: "463120"},  # in Amersfoort, outside both squares
    )
    assert rows["buurt_code"].tolist()[:2] == ["BU03070100", "BU03070101"]
    assert pd.isna(rows["buurt_code"].iloc[2])
    assert rows["area_code"].notna().all()  # the wijk is assigned as before


def test_without_buurten_the_buurt_is_unknown() -> None:
    rows = _rows(_params(None), {})
    assert pd.isna(rows["buurt_code"].iloc[0])


def test_the_police_pleegbuurt_is_kept_trimmed_and_empty_is_null() -> None:
    rows = _rows(_params(), {c.POLICE_NEIGHBOURHOOD: "  Binnenstad  "}, {})
    assert rows["police_neighbourhood"].iloc[0] == "Binnenstad"
    assert pd.isna(rows["police_neighbourhood"].iloc[1])


def test_rows_without_buurt_keep_the_row_hash_of_before_the_buurt_columns() -> None:
    params = _params()
    table = normalise(_rows_frame({}), params).table
    legacy = {k: table[k].combine_chunks() for k in ar.HASH_COLUMNS}
    assert ar.row_hash(legacy).to_pylist() == table["row_hash"].to_pylist()
    with_buurt = normalise(_rows_frame({c.POLICE_NEIGHBOURHOOD: "Binnenstad"}), params).table
    assert with_buurt["row_hash"].to_pylist() != table["row_hash"].to_pylist()


def _rows_frame(row: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame([{**ROW, **row}]).astype(str)
    frame.insert(0, c.ROW, [1])
    return frame


def test_a_configured_buurten_file_is_read_relative_to_the_config(
    tmp_path: Path, buurten_file: Path
) -> None:
    shutil.copytree(PROJECT_ROOT / "config", tmp_path / "config")
    shutil.copy(buurten_file, tmp_path / "config" / "areas" / "buurten.geojson")
    cfg = tmp_path / "config" / "vis.toml"
    text = cfg.read_text(encoding="utf-8")
    cfg.write_text(
        text.replace('buurten_file = ""', 'buurten_file = "areas/buurten.geojson"', 1),
        encoding="utf-8",
    )
    index = load_buurten(load_settings(cfg))
    assert index is not None
    assert [b.code for b in index.areas] == ["BU03070100", "BU03070101"]
    assert load_buurten(load_settings()) is None
