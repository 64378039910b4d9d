"""The map names the streets at every hotspot, and the tablet's route link points at its centre."""

from __future__ import annotations

from typing import Any

from vis.app_settings import AppSettings
from vis.pages.maps import route_link, spot_centre, street_labels


def _spot(streets: list[str]) -> dict[str, Any]:
    ring = [[5.38, 52.15], [5.39, 52.15], [5.39, 52.16], [5.38, 52.16], [5.38, 52.15]]
    return {"rank": 1, "streets": streets, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_every_hotspot_with_streets_gets_a_label_of_its_own_streets() -> None:
    spots = [_spot(["Arnhemsestraat", "Havik", "Zuidsingel"]), _spot(["Kamp"]), _spot([])]
    labels = street_labels(spots)
    assert [lab["text"] for lab in labels] == ["Arnhemsestraat\nHavik", "Kamp"]
    assert labels[0]["position"] == [5.385, 52.155]


def test_route_link_opens_the_maps_app_at_the_hotspot_centre() -> None:
    default = AppSettings().route_url
    assert route_link(default, _spot(["Kamp"])) == "geo:52.155000,5.385000?q=52.155000,5.385000"
    custom = "https://kaart.example/?ll={lat},{lon}"
    assert route_link(custom, _spot([])) == "https://kaart.example/?ll=52.155000,5.385000"
    assert route_link(default, {"geometry": None}) is None
    assert spot_centre({"geometry": {"type": "Polygon", "coordinates": []}}) is None
    assert AppSettings().route_links is True
    assert "pdok.nl/kadaster/brt-achtergrondkaart" in AppSettings().tile_style


def test_map_labels_draw_only_short_printable_ascii() -> None:
    """deck.gl draws ASCII only: control characters and bidi overrides are left out, accents
    dropped, and a street name longer than a glance is cut (the list beside the map has it)."""
    spots = [
        {
            "rank": 1,
            "geometry": {"type": "Point", "coordinates": [5.39, 52.16]},
            "streets": ["\u202e", "Kerk\x07\x1b[31m\u202estraat", "L" + "x" * 500],
        },
        {
            "rank": 2,
            "geometry": {"type": "Point", "coordinates": [5.4, 52.2]},
            "streets": ["Caf\u00e9"],
        },
    ]
    first, second = street_labels(spots)
    lines = first["text"].split("\n")
    assert lines[0] == "Kerk[31mstraat"  # the empty name is left out, not drawn as a blank
    assert len(lines[1]) == 40 and lines[1].endswith("...")
    assert second["text"] == "Cafe"
    assert all(line.isascii() and line.isprintable() for line in lines)
