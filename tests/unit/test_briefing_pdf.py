"""The printed briefing: one A4 page per shift with its map (numbered hotspots and their streets),
priorities, reasons and actions, in black and white, whatever the text."""

from __future__ import annotations

import datetime as dt
import io
import re
import zlib
from typing import Any

import pytest
from pypdf import PdfReader

from vis.areas import load_areas
from vis.geo import Grid
from vis.reports.briefing_pdf import briefing_pdf
from vis.settings import PROJECT_ROOT, Settings, load_settings


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(PROJECT_ROOT / "config" / "vis.toml")


def content(settings: Settings, shift: str, spots: int, reasons: int = 4) -> dict[str, Any]:
    grid = Grid(settings.geo.cell_size_m, settings.geo.grid_origin_x, settings.geo.grid_origin_y)
    col, row = grid.cell_indices([155000.0], [463000.0])
    hotspots = []
    for rank in range(1, spots + 1):
        c, r = int(col[0]) + 3 * (rank % 4), int(row[0]) + 3 * (rank // 4)
        hotspots.append(
            {
                "rank": rank,
                "id": grid.cell_id(c, r),
                "score": 1.0 / rank,
                "cells": [grid.cell_id(c, r), grid.cell_id(c + 1, r)],
                "area": {"code": "WK030701", "name": "Wijk 01 Stadskern"},
                "streets": [f"Straat{rank}a", f"Straat{rank}b"],
                "categories": [{"code": "woninginbraak", "label": "Woninginbraak", "count": 9}],
                "reasons": [
                    f"reden {k} van hotspot {rank}: 89% van de woninginbraken hier valt in de "
                    "uren van deze dienst"
                    for k in range(reasons)
                ],
                "actions": [f"preventie: extra toezicht in Straat{rank}a/Straat{rank}b"],
            }
        )
    start = dt.datetime(2017, 3, 14, 19, tzinfo=dt.UTC)
    return {
        "municipality": "GM0307",
        "date": "2017-03-14",
        "shift": shift,
        "shift_label": f"Dienst {shift}",
        "window": {"start": start.isoformat(), "end": (start + dt.timedelta(hours=8)).isoformat()},
        "data_until": start.isoformat(),
        "data_fresh": False,
        "rules_version": "rtest",
        "version": 3,
        "hotspots": hotspots,
        "priorities": {"categories": [{"label": "Woninginbraak", "share": 0.8}], "areas": []},
        "since_last": {
            "categories": [
                {"code": "woninginbraak", "label": "Woninginbraak", "count": 6, "average": 1.2,
                 "direction": "higher", "p": 0.001},
                {"code": "fiets", "label": "Fiets-, brom- en snorfietsdiefstal", "count": 0,
                 "average": 2.0, "direction": "normal"},
            ],
            "notable": [
                {"id": "x", "time": "14-03 06:10", "street": "Hof ≈ ✓ 日本", "area": "Stadskern",
                 "category": "straatroof", "label": "Straatroof", "arrest": True},
            ],
        },
        "notes": ["Niet meegeteld in de hotspots: Drugsbezit."],
    }  # fmt: skip


def _pages(data: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages]


def test_one_page_per_shift_with_map_labels_priorities_and_since_last(settings: Settings) -> None:
    shifts = ["ochtend", "middag", "avond"]
    data = briefing_pdf([content(settings, s, 3) for s in shifts], settings, load_areas(settings))
    pages = _pages(data)
    assert len(pages) == 3
    for shift, text in zip(shifts, pages, strict=True):
        assert f"Dienst {shift} 14-03-2017" in text and "versie 3" in text
        assert "LET OP: de gegevens zijn niet actueel" in text
        # each street label on the map and again in the hotspot's heading
        for rank in (1, 2, 3):
            assert text.count(f"Straat{rank}a / Straat{rank}b") == 2, rank
        assert "Wijk 01 Stadskern" in text  # a wijk name on the map and in the headings
        assert "Woninginbraak: 6 (hoger dan normaal, gem. 1,2)" in text
        assert "Verder zoals gewoonlijk: Fiets-, brom- en snorfietsdiefstal." in text
        assert "14-03 06:10 Straatroof, Hof ~ ? ?? (Stadskern), aanhouding" in text
        assert "Actie: preventie: extra toezicht in Straat1a/Straat1b" in text


def test_ten_hotspots_with_four_reasons_each_still_fit_one_page(settings: Settings) -> None:
    data = briefing_pdf([content(settings, "avond", 10, reasons=4)], settings, None)
    pages = _pages(data)
    assert len(pages) == 1
    assert all(f"reden 3 van hotspot {rank}:" in pages[0] for rank in range(1, 11))


def test_text_beyond_one_page_goes_on_rather_than_being_lost(settings: Settings) -> None:
    data = briefing_pdf([content(settings, "avond", 10, reasons=12)], settings, None)
    text = " ".join(_pages(data))
    assert all(f"reden 11 van hotspot {rank}:" in text for rank in range(1, 11))


def test_black_and_white_only_and_no_links_or_actions(settings: Settings) -> None:
    data = briefing_pdf([content(settings, "avond", 4)], settings, load_areas(settings))
    streams = b"".join(
        zlib.decompress(m.group(1)) for m in re.finditer(rb"stream\n(.*?)\nendstream", data, re.S)
    )
    # colours only as grey levels (g/G), never RGB (rg/RG) or CMYK (k/K)
    assert re.search(rb"\s(rg|RG|k|K)\n", streams) is None
    assert re.search(rb"\s(g|G)\n", streams) is not None
    objects = re.sub(rb"stream\n.*?\nendstream", b"", data, flags=re.S)
    for action in (b"/URI", b"/JavaScript", b"/Launch", b"/Annots"):
        assert action not in objects
