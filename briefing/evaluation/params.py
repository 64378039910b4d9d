"""Frozen parameters of a pilot evaluation: periods, area sets, targets and outside figures.

:mod:`briefing.evaluation.config` reads them from ``config/pilots.toml``; the statistics take them
as arguments and never read a file or a database themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

#: Kinds of area set: CBS wijken, gebieden of the area scans, grid cells, or the briefed hotspots.
AreaKind = Literal["wijken", "gebieden", "cellen", "hotspots", "rest"]
AREA_KINDS: tuple[str, ...] = ("wijken", "gebieden", "cellen", "hotspots", "rest")

#: Category groups of the programme (config/categories.toml keys).
VEELVOORKOMEND: tuple[str, ...] = ("autokraak", "fietsdiefstal", "vernieling")
GEWELD: tuple[str, ...] = ("mishandeling", "bedreiging", "openlijk_geweld", "straatroof", "overval")

#: Group names used in every result: the treated area, its displacement buffer, the control area.
TREATMENT, BUFFER, CONTROL = "behandeling", "buffer", "controle"
GROUP_LABELS: dict[str, str] = {
    TREATMENT: "behandelgebied",
    BUFFER: "buffergebied",
    CONTROL: "controlegebied",
}


@dataclass(frozen=True)
class Period:
    """Calendar days ``start`` up to and including ``end`` (local dates)."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def years(self) -> float:
        return self.days / 365.25

    def label(self) -> str:
        return f"{self.start:%d-%m-%Y} t/m {self.end:%d-%m-%Y}"


@dataclass(frozen=True)
class AreaSet:
    """A set of places: codes of wijken or gebieden, cell ids, or the briefed hotspots.

    ``kind="hotspots"`` takes the hotspots of the briefings stored during the pilot period (no
    codes); ``buffer_m`` then grows them into a ring for the buffer. ``kind="rest"`` is every known
    place in the municipality that is neither treatment nor buffer.
    """

    kind: AreaKind
    codes: tuple[str, ...] = ()
    buffer_m: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in AREA_KINDS:
            raise ValueError(f"unknown area kind {self.kind!r}; choose from {AREA_KINDS}")
        if self.kind in ("wijken", "gebieden", "cellen") and not self.codes:
            raise ValueError(f"an area set of kind {self.kind!r} needs codes")
        if self.buffer_m < 0:
            raise ValueError("buffer_m must not be negative")


@dataclass(frozen=True)
class Targets:
    """The programme's targets for the target year (2017 for Amersfoort); None: no target."""

    year: int | None = None
    woninginbraak_per_1000: float | None = None
    attempt_share_pct: float | None = None  # 45 for "pogingen : voltooid = 45 : 55"
    jeugdoverlast_pct: float | None = None
    burgernet_participants: int | None = None


@dataclass(frozen=True)
class OutsideFigure:
    """A survey or outside figure entered by hand. ``value`` None: not entered ("niet ingevuld")."""

    key: str
    label: str
    unit: str
    value: float | None
    year: int | None
    source: str

    def __post_init__(self) -> None:
        if self.value is not None and not self.source.strip():
            raise ValueError(f"outside figure {self.key!r} has a value but no source")


@dataclass(frozen=True)
class Pilot:
    """One pilot to evaluate: where and when the treatment ran, and what it is compared with."""

    name: str
    label: str
    baseline: Period
    pilot: Period
    treatment: AreaSet
    control: AreaSet
    buffer: AreaSet | None = None
    description: str = ""
    categories: tuple[str, ...] = ()  # categories the pilot targets; () = every misdrijf
    alpha: float = 0.05
    did_model: Literal["poisson", "negbin"] = "poisson"
    rate_test: Literal["exact-cond", "score"] = "exact-cond"

    def __post_init__(self) -> None:
        if self.pilot.start <= self.baseline.end:
            raise ValueError(f"pilot {self.name!r}: the pilot period must start after the baseline")
        if not 0.0 < self.alpha < 0.5:
            raise ValueError(f"pilot {self.name!r}: alpha must lie between 0 and 0.5")


def day_series(frame: pd.DataFrame, column: str = "date") -> pd.Series[Any]:
    """``frame[column]`` (local dates) as datetime64, on the frame's index; empty stays empty."""
    if frame.empty:
        return pd.Series([], index=frame.index, dtype="datetime64[ns]")
    return pd.Series(pd.to_datetime(frame[column]), index=frame.index)


def within(day: pd.Series[Any], start: dt.date, end: dt.date) -> pd.Series[bool]:
    """Days from ``start`` to ``end``, both inclusive."""
    values = day.to_numpy(dtype="datetime64[ns]")
    lo, hi = np.datetime64(start, "ns"), np.datetime64(end, "ns")
    return pd.Series((values >= lo) & (values <= hi), index=day.index, dtype=bool)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def cuts_reduced_month(start: dt.date, end: dt.date, reduced: frozenset[dt.date]) -> bool:
    """Whether the days ``start``..``end`` cover part, but not all, of a month that exists only
    as monthly counts (``reduced`` holds the months' first days): its incidents, all dated on
    the 1st, would then be counted wholly or not at all."""
    for month in reduced:
        following = (month + dt.timedelta(days=32)).replace(day=1)
        last = following - dt.timedelta(days=1)
        overlaps = start <= last and end >= month
        if overlaps and not (start <= month and end >= last):
            return True
    return False


@dataclass(frozen=True)
class CategoryGroups:
    """Which category keys count as misdrijf and as nuisance (from config/categories.toml)."""

    misdrijf: frozenset[str]
    overlast: frozenset[str] = frozenset()
    labels: dict[str, str] = field(default_factory=dict)

    def label(self, key: str) -> str:
        return self.labels.get(key, key)
