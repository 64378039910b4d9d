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
