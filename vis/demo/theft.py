"""Profiles of theft, burglary and damage: woninginbraak, fiets- and autodiefstal, vernieling,
winkeldiefstal, zakkenrollerij, and "other" misdrijven.

The figures are plausible shapes for a Dutch city, not measurements; the yearly totals are
calibrated separately (:mod:`vis.demo.calibration`). The "other" codes are real-looking MK codes
that the category map deliberately does not map, so that unmapped-code reporting shows.
"""

from __future__ import annotations

from vis.demo.profile import OPENBARE_WEG, MkCode, Place, Profile, Repeat, Window

_SHOPPING_WEEK = (1.0, 0.95, 0.95, 1.0, 1.15, 1.35, 0.6)

WONINGINBRAAK = Profile(
    key="woninginbraak",
    group="misdrijf",
    pool="woninginbraak",
    pool_weight=1.0,
    codes=(
        MkCode("A20", "Gekwal. diefstal in/uit woning", 0.70),
        MkCode("A30", "Gekwal. diefstal in/uit woning, box/schuur", 0.08),
        MkCode("B20", "Diefstal in/uit woning", 0.17),
        MkCode("B30", "Diefstal in/uit woning, box/schuur", 0.05),
    ),
    # Burglary peaks in the dark months (Nov-Jan about twice May-Jul) and at dusk.
    months=(1.30, 1.05, 0.92, 0.80, 0.72, 0.66, 0.70, 0.78, 0.90, 1.15, 1.42, 1.50),
    weekdays=(1.0, 1.0, 1.0, 1.0, 1.1, 1.05, 0.85),
    hours=((11.5, 2.5, 0.7), (20.5, 2.0, 1.0)),
    hours_dark=((11.5, 2.5, 0.55), (18.5, 1.8, 1.6)),
    hours_floor=0.12,
    window=Window(0.92, ((1.0, 4.0, 0.35), (6.0, 11.0, 0.45), (14.0, 60.0, 0.20))),
    known_median_min=25.0,
    known_sigma=0.9,
    report=0.95,
    suspects=0.06,
    arrests=0.03,
    later_arrests=0.05,
    late_report=0.5,
    objects=(("Woning", 0.9), ("Flatwoning", 0.1)),
    project=("Mobiel banditisme", 0.03),
    population_floor=20.0,
    repeat=Repeat(0.18, 70.0, 220.0, 2.5, 12.0, 0.08),
)

FIETSDIEFSTAL = Profile(
    key="fietsdiefstal",
    group="misdrijf",
    pool="vehicle_bike_damage",
    pool_weight=1295,
    codes=(
        MkCode("A72", "Diefstal Fiets", 0.80),
        MkCode("A73", "Diefstal brom-/snorfiets", 0.10),
        MkCode("B62", "Gekwal. diefstal fiets", 0.06),
        MkCode("B63", "Gekwal. diefstal brom-/snorfiets", 0.04),
    ),
    months=(0.75, 0.75, 0.9, 1.0, 1.1, 1.1, 1.05, 1.05, 1.2, 1.2, 1.0, 0.85),
    weekdays=(1.05, 1.05, 1.05, 1.05, 1.1, 1.0, 0.7),
    hours=((8.5, 1.5, 0.6), (13.5, 3.0, 0.8), (21.0, 2.5, 0.6)),
    hours_floor=0.1,
    window=Window(0.9, ((0.5, 3.0, 0.4), (6.0, 10.5, 0.4), (10.0, 15.0, 0.2))),
    known_median_min=90.0,
    known_sigma=1.3,
    attempt=0.02,
    report=0.88,
    suspects=0.03,
    arrests=0.015,
    late_report=0.3,
    objects=((OPENBARE_WEG, 0.7), ("Fietsenstalling", 0.3)),
    places=(
        Place("station", 0.28, 180.0),
        Place("centre", 0.17, 250.0),
        Place("shopping", 0.10, 200.0),
        Place("population", 0.45),
    ),
    no_location=0.004,
)

AUTOKRAAK = Profile(
    key="autokraak",
    group="misdrijf",
    pool="vehicle_bike_damage",
    pool_weight=655,
    codes=(
        MkCode("A10", "Diefstal uit/vanaf personenauto", 0.85),
        MkCode("B10", "Gekwal. diefstal uit/vanaf personenauto", 0.15),
    ),
    months=(1.15, 1.05, 0.95, 0.9, 0.9, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.2),
    weekdays=(1.0, 1.0, 1.0, 1.0, 1.1, 1.15, 1.0),
    hours=((2.5, 2.5, 1.0), (20.0, 2.0, 0.4)),
    hours_floor=0.15,
    window=Window(0.9, ((1.0, 4.0, 0.25), (6.0, 11.0, 0.6), (20.0, 48.0, 0.15))),
    known_median_min=60.0,
    attempt=0.1,
    suspects=0.04,
    later_arrests=0.03,
    objects=((OPENBARE_WEG, 0.65), ("Parkeerterrein", 0.25), ("Parkeergarage", 0.10)),
    places=(
        Place("centre", 0.10, 400.0),
        Place("station", 0.08, 250.0),
        Place("shopping", 0.07, 250.0),
        Place("population", 0.75),
    ),
    repeat=Repeat(0.12, 60.0, 200.0, 0.6, 3.0, 0.0),
)

VERNIELING = Profile(
    key="vernieling",
    group="misdrijf",
    pool="vehicle_bike_damage",
    pool_weight=812,
    codes=(
        MkCode("C40", "Vernieling overige objecten", 0.5),
        MkCode("C20", "Vernieling aan auto", 0.3),
        MkCode("C30", "Vernieling openbaar vervoer/abri", 0.1),
        MkCode("F11", "Vernieling cq. zaakbeschadiging (openlijk)", 0.1),
    ),
    months=(1.2, 0.9, 0.95, 1.0, 1.0, 0.95, 0.95, 0.9, 0.95, 1.0, 1.0, 1.15),
    weekdays=(0.95, 0.9, 0.9, 0.95, 1.1, 1.25, 1.1),
    hours=((23.5, 2.5, 1.0), (15.0, 3.0, 0.4)),
    hours_floor=0.12,
    new_year=6.0,
    window=Window(0.45, ((4.0, 10.0, 1.0),)),
    known_median_min=120.0,
    known_sigma=1.2,
    report=0.6,
    suspects=0.1,
    arrests=0.06,
    later_arrests=0.03,
    late_report=0.05,
    objects=(
        (OPENBARE_WEG, 0.65),
        ("Woning", 0.15),
        ("Bedrijf/Kantoor", 0.1),
        ("Openbaar vervoer", 0.1),
    ),
    places=(
        Place("centre", 0.12, 300.0),
        Place("station", 0.05, 250.0),
        Place("shopping", 0.08, 250.0),
        Place("population", 0.75),
    ),
)

WINKELDIEFSTAL = Profile(
    key="winkeldiefstal",
    group="misdrijf",
    pool="rest",
    pool_weight=1150,
    codes=(MkCode("A50", "Winkeldiefstal", 0.92), MkCode("B50", "Gekwal. winkeldiefstal", 0.08)),
    months=(0.95, 0.9, 0.95, 0.95, 0.95, 0.9, 0.95, 0.95, 0.95, 1.0, 1.1, 1.35),
    weekdays=_SHOPPING_WEEK,
    hours=((12.5, 2.0, 0.7), (16.0, 2.0, 1.0)),
    hours_floor=0.005,
    known_median_min=20.0,
    known_sigma=0.7,
    attempt=0.03,
    report=0.92,
    suspects=0.7,
    arrests=0.6,
    objects=(("Winkel", 1.0),),
    places=(Place("centre", 0.45, 200.0), Place("shopping", 0.45, 220.0), Place("population", 0.1)),
)

ZAKKENROLLERIJ = Profile(
    key="zakkenrollerij",
    group="misdrijf",
    pool="rest",
    pool_weight=420,
    codes=(MkCode("A40", "Zakkenrollerij", 1.0),),
    months=(0.95, 0.9, 0.95, 1.0, 1.0, 0.95, 1.0, 1.0, 1.0, 1.0, 1.05, 1.25),
    weekdays=(0.9, 0.9, 0.9, 1.0, 1.15, 1.4, 0.75),
    hours=((13.0, 2.0, 0.8), (16.0, 2.0, 1.0)),
    hours_floor=0.03,
    window=Window(0.5, ((0.5, 3.0, 1.0),)),
    known_median_min=60.0,
    report=0.85,
    suspects=0.05,
    arrests=0.03,
    objects=((OPENBARE_WEG, 0.45), ("Winkel", 0.35), ("Openbaar vervoer", 0.2)),
    places=(
        Place("centre", 0.5, 200.0),
        Place("station", 0.25, 150.0),
        Place("shopping", 0.15, 200.0),
        Place("population", 0.1),
    ),
)

OTHER = Profile(
    key="other",
    group="misdrijf",
    pool="rest",
    pool_weight=1112,
    codes=(
        MkCode("A60", "Diefstal uit/vanaf bedrijf/kantoor", 0.22),
        MkCode("A80", "Diefstal overig", 0.30),
        MkCode("B40", "Inbraak bedrijf/kantoor", 0.12),
        MkCode("A70", "Diefstal van personenauto", 0.08),
        MkCode("D10", "Oplichting", 0.20),
        MkCode("E12", "Huisvredebreuk", 0.08),
    ),
    window=Window(0.3, ((1.0, 12.0, 1.0),)),
    known_median_min=240.0,
    known_sigma=1.5,
    report=0.8,
    suspects=0.15,
    arrests=0.05,
    later_arrests=0.04,
    objects=(("Bedrijf/Kantoor", 0.35), (OPENBARE_WEG, 0.4), ("Woning", 0.25)),
    places=(Place("centre", 0.2, 300.0), Place("population", 0.8)),
    no_location=0.01,
)
