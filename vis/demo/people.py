"""Profiles of violence, robbery, drugs and traffic misdrijven.

The figures are plausible shapes for a Dutch city, not measurements; the yearly totals are
calibrated separately (:mod:`vis.demo.calibration`).
"""

from __future__ import annotations

from vis.demo.profile import OPENBARE_WEG, MkCode, Place, Profile

_WINTER_HIGH = (1.15, 1.05, 1.0, 0.95, 0.95, 0.9, 0.9, 0.95, 1.0, 1.0, 1.05, 1.15)
_WEEKEND = (0.85, 0.8, 0.85, 0.9, 1.1, 1.45, 1.25)

MISHANDELING = Profile(
    key="mishandeling",
    group="misdrijf",
    pool="rest",
    pool_weight=930,
    codes=(
        MkCode("F550", "Eenvoudige mishandeling", 0.88),
        MkCode("F551", "Zware mishandeling", 0.12),
    ),
    months=(0.95, 0.9, 0.95, 1.0, 1.05, 1.05, 1.05, 1.0, 1.0, 1.0, 0.95, 1.1),
    weekdays=_WEEKEND,
    hours=((2.0, 2.0, 1.0), (17.0, 3.0, 0.6)),
    hours_floor=0.15,
    new_year=3.0,
    known_median_min=15.0,
    report=0.6,
    suspects=0.55,
    arrests=0.3,
    later_arrests=0.10,
    late_report=0.1,
    objects=((OPENBARE_WEG, 0.55), ("Woning", 0.25), ("Horeca", 0.2)),
    project=("Uitgaan", 0.12),
    places=(Place("centre", 0.30, 200.0), Place("station", 0.05, 200.0), Place("population", 0.65)),
)

BEDREIGING = Profile(
    key="bedreiging",
    group="misdrijf",
    pool="rest",
    pool_weight=620,
    codes=(MkCode("F530", "Bedreiging", 0.85), MkCode("F533", "Bedreiging met wapen", 0.15)),
    weekdays=(0.95, 0.95, 0.95, 1.0, 1.05, 1.1, 1.0),
    hours=((15.0, 4.0, 1.0), (22.0, 2.0, 0.5)),
    hours_floor=0.15,
    known_median_min=30.0,
    known_sigma=1.2,
    report=0.55,
    suspects=0.6,
    arrests=0.2,
    later_arrests=0.06,
    late_report=0.1,
    objects=((OPENBARE_WEG, 0.5), ("Woning", 0.35), ("Winkel", 0.15)),
    places=(Place("centre", 0.15, 250.0), Place("population", 0.85)),
    companion_of=("mishandeling", 0.15),
)

STRAATROOF = Profile(
    key="straatroof",
    group="misdrijf",
    pool="rest",
    pool_weight=75,
    codes=(MkCode("B70", "Straatroof", 1.0),),
    months=_WINTER_HIGH,
    weekdays=_WEEKEND,
    hours=((22.0, 3.0, 1.0),),
    hours_floor=0.1,
    known_median_min=15.0,
    attempt=0.15,
    suspects=0.3,
    arrests=0.12,
    later_arrests=0.15,
    places=(Place("centre", 0.25, 250.0), Place("station", 0.15, 200.0), Place("population", 0.6)),
)

OVERVAL = Profile(
    key="overval",
    group="misdrijf",
    pool="rest",
    pool_weight=25,
    codes=(
        MkCode("B72", "Overval winkel", 0.5),
        MkCode("B73", "Overval woning", 0.3),
        MkCode("B74", "Overval overig", 0.2),
    ),
    months=(1.2, 1.0, 0.9, 0.85, 0.85, 0.8, 0.85, 0.9, 1.0, 1.1, 1.2, 1.35),
    hours=((20.0, 2.5, 1.0), (10.0, 2.0, 0.3)),
    hours_floor=0.05,
    known_median_min=10.0,
    attempt=0.2,
    report=0.95,
    suspects=0.2,
    arrests=0.1,
    later_arrests=0.25,
    objects=(("Winkel", 0.5), ("Woning", 0.3), ("Bedrijf/Kantoor", 0.2)),
    places=(Place("shopping", 0.35, 250.0), Place("centre", 0.1, 250.0), Place("population", 0.55)),
)

DRUGSHANDEL = Profile(
    key="drugshandel",
    group="misdrijf",
    pool="rest",
    pool_weight=170,
    codes=(
        MkCode("F40", "Handel harddrugs", 0.55),
        MkCode("F41", "Handel softdrugs", 0.35),
        MkCode("F43", "Handel in drugs, overig", 0.10),
    ),
    weekdays=(0.9, 0.95, 1.0, 1.0, 1.1, 1.1, 0.95),
    hours=((22.0, 3.0, 1.0), (16.0, 2.0, 0.5)),
    hours_floor=0.1,
    known_median_min=5.0,
    report=0.1,
    suspects=0.95,
    arrests=0.8,
    objects=((OPENBARE_WEG, 0.8), ("Woning", 0.2)),
    places=(Place("centre", 0.3, 250.0), Place("station", 0.2, 200.0), Place("population", 0.5)),
)

OPENLIJK_GEWELD = Profile(
    key="openlijk_geweld",
    group="misdrijf",
    pool="rest",
    pool_weight=95,
    codes=(MkCode("F12", "Openlijk geweld (persoon)", 1.0),),
    weekdays=(0.7, 0.7, 0.7, 0.8, 1.2, 1.8, 1.3),
    hours=((2.5, 1.5, 1.0), (22.0, 2.0, 0.5)),
    hours_floor=0.08,
    new_year=8.0,
    known_median_min=10.0,
    report=0.5,
    suspects=0.6,
    arrests=0.35,
    later_arrests=0.15,
    objects=((OPENBARE_WEG, 0.7), ("Horeca", 0.3)),
    project=("Uitgaan", 0.3),
    places=(Place("centre", 0.5, 200.0), Place("station", 0.1, 200.0), Place("population", 0.4)),
)

VERKEER = Profile(
    key="verkeer",
    group="misdrijf",
    pool="rest",
    pool_weight=330,
    codes=(MkCode("E40", "Rijden onder invloed", 1.0),),
    weekdays=(0.8, 0.8, 0.85, 0.95, 1.2, 1.5, 1.2),
    hours=((1.0, 2.5, 1.0), (18.0, 3.0, 0.4)),
    hours_floor=0.1,
    known_median_min=3.0,
    known_sigma=0.5,
    report=0.0,
    suspects=1.0,
    arrests=0.9,
    places=(Place("centre", 0.2, 500.0), Place("population", 0.8)),
)

DRUGSBEZIT = Profile(
    key="drugsbezit",
    group="misdrijf",
    pool="rest",
    pool_weight=150,
    codes=(MkCode("F46", "Bezit harddrugs", 1.0),),
    weekdays=_WEEKEND,
    hours=((23.0, 3.0, 1.0), (16.0, 2.0, 0.4)),
    hours_floor=0.1,
    known_median_min=5.0,
    known_sigma=0.5,
    report=0.0,
    suspects=1.0,
    arrests=0.7,
    places=(Place("centre", 0.35, 250.0), Place("station", 0.15, 200.0), Place("population", 0.5)),
)
