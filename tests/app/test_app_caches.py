"""What the app keeps per process: the server settings for speed, and per-briefing derived data."""

from __future__ import annotations

import dataclasses
import tomllib

import pytest
from appdata import square

from vis.cli.app import serve_command
from vis.pages.common import resources
from vis.pages.maps import _areas_wgs84, spot_areas
from vis.settings import PROJECT_ROOT


def test_no_forced_garbage_collection_after_each_run() -> None:
    # Streamlit's default gc.collect(2) after every run cost ~0.1 s of the GIL per rerun.
    assert "--runner.postScriptGC=false" in serve_command(8600, "127.0.0.1")
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["runner"]["postScriptGC"] is False


@pytest.mark.slow
def test_hotspot_areas_are_kept_per_database_and_briefing(app_env: str) -> None:
    res = resources()
    areas = _areas_wgs84(str(res.settings.geo.areas_file), res.settings.geo.crs)
    name, geom = max(areas, key=lambda area: area[1].area)
    point = geom.representative_point()
    d = 0.0004  # a square centred on the point
    inside = [{"rank": 1, "geometry": square(point.x - d / 2, point.y - d * 0.31, d)}]
    nowhere = [{"rank": 1, "geometry": square(0.0, 0.0)}, {"rank": 2, "geometry": None}]
    assert spot_areas(res, 90001, inside) == (name,)
    # A stored briefing never changes, so its id (in its database) is the key ...
    assert spot_areas(res, 90001, nowhere) == (name,)
    # ... and the same id in another database is another briefing.
    other = dataclasses.replace(res, database=res.database + "?other")
    assert spot_areas(other, 90001, nowhere) == (None, None)
    assert spot_areas(res, 90002, nowhere) == (None, None)
