"""Profiles of nuisance registrations (not misdrijven): overlast jeugd, verward gedrag,
burengerucht. They carry no MK code, only the label, like the contract's example row.
"""

from __future__ import annotations

from vis.demo.profile import OPENBARE_WEG, MkCode, Place, Profile

OVERLAST_JEUGD = Profile(
    key="overlast_jeugd",
    group="overlast",
    pool="overlast_jeugd",
    pool_weight=1.0,
    codes=(MkCode("", "Overlast jeugd", 1.0),),
    months=(0.8, 0.75, 0.9, 1.05, 1.15, 1.2, 1.1, 1.05, 1.05, 1.0, 0.95, 1.0),
    weekdays=(0.9, 0.9, 0.95, 1.0, 1.2, 1.25, 0.8),
    hours=((21.0, 2.5, 1.0), (16.0, 2.0, 0.4)),
    hours_floor=0.05,
    new_year=4.0,
    known_median_min=8.0,
    known_sigma=0.6,
    report=0.0,
    suspects=0.0,
    arrests=0.0,
    later_arrests=0.0,
    places=(Place("shopping", 0.2, 250.0), Place("centre", 0.05, 250.0), Place("population", 0.75)),
)

VERWARD_GEDRAG = Profile(
    key="verward_gedrag",
    group="overlast",
    pool="nuisance",
    pool_weight=480,
    codes=(MkCode("", "Verward/overspannen persoon", 1.0),),
    hours=((15.0, 5.0, 1.0),),
    hours_floor=0.3,
    known_median_min=5.0,
    known_sigma=0.6,
    report=0.0,
    suspects=0.0,
    arrests=0.0,
    later_arrests=0.0,
    objects=((OPENBARE_WEG, 0.6), ("Woning", 0.4)),
    places=(Place("centre", 0.15, 300.0), Place("station", 0.05, 200.0), Place("population", 0.8)),
)

BURENGERUCHT = Profile(
    key="burengerucht",
    group="overlast",
    pool="nuisance",
    pool_weight=420,
    codes=(MkCode("", "Burengerucht (geluidsoverlast)", 1.0),),
    weekdays=(0.8, 0.8, 0.85, 0.9, 1.2, 1.5, 1.1),
    hours=((23.0, 2.5, 1.0), (14.0, 3.0, 0.3)),
    hours_floor=0.1,
    known_median_min=5.0,
    known_sigma=0.6,
    report=0.0,
    suspects=0.0,
    arrests=0.0,
    later_arrests=0.0,
    objects=(("Woning", 1.0),),
    population_floor=20.0,
)
