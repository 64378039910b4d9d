"""The shape of one kind of demo incident (a :class:`Profile`) and its parts.

A profile holds everything the generator needs for one category: the MK codes and labels it writes
(from the contract and ``config/categories.toml``), the calibration pool its yearly count comes
from, month/weekday/hour profiles, the pleegvenster (begin/end window) a victim gives, the delay
until the police know, J/N shares, the kind of place, and where in the city it happens. The
profiles themselves are in :mod:`vis.demo.theft`, :mod:`vis.demo.people` and
:mod:`vis.demo.nuisance`; :mod:`vis.demo.profiles` lists them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Pool = Literal["woninginbraak", "vehicle_bike_damage", "rest", "overlast_jeugd", "nuisance"]
Source = Literal["population", "centre", "station", "shopping"]

FLAT_MONTHS = (1.0,) * 12
FLAT_WEEK = (1.0,) * 7


@dataclass(frozen=True)
class MkCode:
    code: str  # empty for nuisance registrations (the code differs per extract)
    label: str
    weight: float


@dataclass(frozen=True)
class Window:
    """A pleegvenster: with ``probability`` the victim gives a begin and an end.

    ``lengths`` is a mixture of (shortest hours, longest hours, weight).
    """

    probability: float
    lengths: tuple[tuple[float, float, float], ...]


@dataclass(frozen=True)
class Repeat:
    """Near-repeat offspring: a share of the events follow an earlier one close by."""

    share: float
    distance_m: float  # mean distance to the parent (exponential)
    max_distance_m: float
    days: float  # mean delay after the parent (exponential)
    max_days: float
    same_address: float  # share of offspring at the parent's own address (repeat victimisation)


@dataclass(frozen=True)
class Place:
    """Where events happen: a share from a spatial source, spread ``sigma_m`` around it."""

    source: Source
    weight: float
    sigma_m: float = 0.0


@dataclass(frozen=True)
class Profile:
    key: str  # VIS category key; "other" for misdrijven the category map does not know
    group: Literal["misdrijf", "overlast"]
    pool: Pool
    pool_weight: float
    codes: tuple[MkCode, ...]
    months: tuple[float, ...] = FLAT_MONTHS  # January first
    weekdays: tuple[float, ...] = FLAT_WEEK  # Monday first
    hours: tuple[tuple[float, float, float], ...] = ((14.0, 4.0, 1.0),)  # (centre, width, height)
    hours_floor: float = 0.2
    hours_dark: tuple[tuple[float, float, float], ...] = ()  # used October-March if given
    new_year: float = 1.0  # weight factor for 31 December and 1 January
    window: Window | None = None
    known_median_min: float = 30.0
    known_sigma: float = 1.0
    attempt: float = 0.0
    report: float = 0.9
    suspects: float = 0.05
    arrests: float = 0.02
    later_arrests: float = 0.02  # share that gets an arrest registered afterwards (an update)
    late_report: float = 0.0  # share of rows without Aangifte that get one later (an update)
    objects: tuple[tuple[str, float], ...] = (("Openbare Weg/-Water", 1.0),)
    project: tuple[str, float] = ("", 0.0)
    places: tuple[Place, ...] = (Place("population", 1.0),)
    population_floor: float = 250.0  # inhabitants added to every wijk (shops, offices, roads)
    repeat: Repeat | None = None
    companion_of: tuple[str, float] = ("", 0.0)  # (category, share) sharing a registration
    no_location: float = 0.0  # share delivered without X/Y

    @property
    def is_misdrijf(self) -> bool:
        return self.group == "misdrijf"


OPENBARE_WEG = "Openbare Weg/-Water"
