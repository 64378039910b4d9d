"""Named places of Amersfoort for the demo: attractors, and street names and postcodes per wijk.

Street names are real Amersfoort street names, written down from general knowledge of the city
and public maps (© OpenStreetMap contributors, ODbL); a short list per CBS wijk (2019 division).
Their assignment to a wijk is approximate: a long road may mostly lie in a neighbouring wijk, and
where we knew no street inside a small wijk, a road that runs along it is used. The four-digit
postcode (PC4) per wijk is a plausible one in Amersfoort's 38xx range, not checked against the BAG;
the two letters are drawn at random. No address here belongs to a real incident or person.

Attractors: the station and the old centre are fixed points in RD New (EPSG:28992):
Amersfoort Centraal at about 52.1533 N, 5.3737 E and the Hof / Lieve Vrouwekerkhof at about
52.1560 N, 5.3880 E, converted with pyproj. Local shopping centres are approximated by the centroid
of the wijk they lie in (Emiclaer in Schothorst Noord, the Vathorst centre, Nieuwland, Kattenbroek,
Liendert, Hoogland, Euterpeplein in Randenbroek, the Leusderweg shops).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Amersfoort Centraal, RD New metres.
STATION_RD = (154090.0, 462800.0)
#: Hof / Lieve Vrouwekerkhof / Langestraat, RD New metres.
CENTRE_RD = (155060.0, 463150.0)
#: Streets near the station, used for points within ``STATION_RADIUS_M`` of it.
STATION_STREETS = ("Stationsplein", "Stationsstraat")
STATION_RADIUS_M = 200.0

#: Wijk code -> relative weight of its local shopping centre (centroid of the wijk).
SHOPPING_WIJKEN: dict[str, float] = {
    "WK030709": 0.20,  # Emiclaer
    "WK030729": 0.20,  # Vathorst centrum
    "WK030724": 0.12,  # Nieuwland
    "WK030710": 0.12,  # Liendert
    "WK030721": 0.10,  # Kattenbroek
    "WK030719": 0.10,  # Hoogland
    "WK030714": 0.08,  # Euterpeplein
    "WK030716": 0.08,  # Leusderweg
}

#: Letters a Dutch postcode may use (F, I, O, Q, U and Y are not issued).
POSTCODE_LETTERS = "ABCDEGHJKLMNPRSTVWXZ"


@dataclass(frozen=True)
class WijkStreets:
    pc4: str
    place: str  # the woonplaats (Amersfoort, Hoogland or Hooglanderveen)
    streets: tuple[str, ...]


_A = "Amersfoort"

STREETS: dict[str, WijkStreets] = {
    "WK030701": WijkStreets(
        "3811",
        _A,
        (
            "Langestraat",
            "Utrechtsestraat",
            "Hof",
            "Lieve Vrouwekerkhof",
            "Krommestraat",
            "Kamp",
            "Varkensmarkt",
            "Zuidsingel",
            "Muurhuizen",
            "Arnhemsestraat",
            "Kortegracht",
            "Appelmarkt",
            "Groenmarkt",
            "Havik",
            "'t Zand",
            "Breestraat",
            "Westsingel",
            "Langegracht",
        ),
    ),
    "WK030702": WijkStreets(
        "3811", _A, ("Zonnehof", "Stadsring", "Stationsstraat", "Utrechtseweg", "Snouckaertlaan")
    ),
    "WK030703": WijkStreets(
        "3812", _A, ("Soesterweg", "Hendrik van Viandenstraat", "Noordewierweg", "Amsterdamseweg")
    ),
    "WK030704": WijkStreets(
        "3812", _A, ("Nijverheidsweg-Noord", "Kleine Koppel", "Amsterdamseweg")
    ),
    "WK030705": WijkStreets("3818", _A, ("Utrechtseweg", "Birkstraat", "Dodeweg")),
    "WK030706": WijkStreets(
        "3813", _A, ("Meridiaan", "Grote Koppel", "Bisschopsweg", "Hooglandseweg-Zuid")
    ),
    "WK030707": WijkStreets("3813", _A, ("Hogeweg", "Bisschopsweg", "Kruiskamp")),
    "WK030708": WijkStreets(
        "3822", _A, ("Hooglandseweg-Zuid", "Schothorsterlaan", "Bunschoterstraat")
    ),
    "WK030709": WijkStreets(
        "3822", _A, ("Schothorsterlaan", "Hooglandseweg-Noord", "Bunschoterstraat")
    ),
    "WK030710": WijkStreets("3815", _A, ("Liendertseweg", "Lageweg", "Hogeweg")),
    "WK030711": WijkStreets("3815", _A, ("Hogeweg", "Van Randwijcklaan")),
    "WK030712": WijkStreets("3816", _A, ("Hogeweg", "Heiligenbergerweg")),
    "WK030713": WijkStreets("3816", _A, ("Heiligenbergerweg", "Hogeweg")),
    "WK030714": WijkStreets(
        "3816", _A, ("Ringweg Randenbroek", "Arnhemseweg", "Heiligenbergerweg", "Euterpeplein")
    ),
    "WK030715": WijkStreets("3814", _A, ("Leusderweg", "Arnhemseweg")),
    "WK030716": WijkStreets("3817", _A, ("Leusderweg", "Kersenbaan", "Barchman Wuytierslaan")),
    "WK030717": WijkStreets("3818", _A, ("Utrechtseweg", "Daam Fockemalaan")),
    "WK030718": WijkStreets("3818", _A, ("Utrechtseweg", "Daam Fockemalaan", "Stationsplein")),
    "WK030719": WijkStreets(
        "3828", "Hoogland", ("Hessenweg", "Zevenhuizerstraat", "Hamseweg", "Engweg")
    ),
    "WK030720": WijkStreets("3823", _A, ("Hooglandseweg-Noord", "Ringweg Kattenbroek")),
    "WK030721": WijkStreets("3824", _A, ("Ringweg Kattenbroek",)),
    "WK030722": WijkStreets("3824", _A, ("Ringweg Kattenbroek", "Bunschoterstraat")),
    "WK030723": WijkStreets("3822", _A, ("Hooglandseweg-Noord", "Schothorsterlaan")),
    "WK030724": WijkStreets("3824", _A, ("Bunschoterstraat", "Zevenhuizerstraat")),
    "WK030725": WijkStreets("3821", _A, ("Databankweg", "Computerweg", "Softwareweg")),
    "WK030726": WijkStreets("3829", "Hooglanderveen", ("Nijkerkerstraat",)),
    "WK030727": WijkStreets("3828", "Hoogland", ("Zevenhuizerstraat", "Bunschoterstraat")),
    "WK030728": WijkStreets("3825", _A, ("Nijkerkerstraat",)),
    "WK030729": WijkStreets("3825", _A, ("Nijkerkerstraat",)),
    "WK030730": WijkStreets("3825", _A, ("Nijkerkerstraat",)),
    "WK030731": WijkStreets("3825", _A, ("Nijkerkerstraat",)),
}

#: Used for an area not listed above (another municipality's demo, say).
FALLBACK = WijkStreets("3800", _A, ("Stadsring",))


def short_name(wijk_name: str) -> str:
    """``Wijk 07 De Kruiskamp`` -> ``De Kruiskamp`` (the police's buurt/subbuurt text)."""
    parts = wijk_name.split(" ", 2)
    if len(parts) == 3 and parts[0].lower() == "wijk" and parts[1].isdigit():
        return parts[2]
    return wijk_name
