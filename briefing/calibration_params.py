"""The parameters a calibration picks (:class:`Candidate`), the grid it searches
(:class:`SearchSpace`) and its windows (:class:`Plan`); the search itself is
:mod:`briefing.calibrate`."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from briefing.params import Rules


@dataclass(frozen=True)
class Candidate:
    """The three calibrated parameters (keys as in ``rules.toml``)."""

    long_term_half_life_days: float
    near_repeat_weight: float
    cell_profile_prior: float

    @classmethod
    def of(cls, rules: Rules) -> Candidate:
        """The values ``rules`` hold (the defaults of a calibration)."""
        s = rules.scoring
        return cls(s.long_term_half_life_days, rules.near_repeat.weight, s.cell_profile_prior)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Candidate:
        """From :meth:`as_dict` (a stored calibration); refuses other keys or non-numbers."""
        names = [f.name for f in dataclasses.fields(cls)]
        if sorted(values) != sorted(names):
            raise ValueError(f"calibration parameters must be exactly {names}")
        out = {}
        for name in names:
            value = values[name]
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"calibration parameter {name}: expected a number >= 0")
            out[name] = float(value)
        return cls(**out)

    def as_dict(self) -> dict[str, float]:
        return dataclasses.asdict(self)

    def apply(self, rules: Rules) -> Rules:
        """``rules`` with these three values (a new frozen object; ``rules`` is unchanged)."""
        scoring = dataclasses.replace(
            rules.scoring,
            long_term_half_life_days=self.long_term_half_life_days,
            cell_profile_prior=self.cell_profile_prior,
        )
        near = dataclasses.replace(rules.near_repeat, weight=self.near_repeat_weight)
        return dataclasses.replace(rules, scoring=scoring, near_repeat=near)


def calibration_tag(municipality: str, version: int, chosen: Candidate) -> str:
    """What a briefing's ``rules_version`` hashes of its active calibration
    (:func:`briefing.params.rules_version`): the municipality, the version and the values used."""
    values = ",".join(f"{k}={v!r}" for k, v in chosen.as_dict().items())
    return f"{municipality}/v{version}/{values}"


@dataclass(frozen=True)
class SearchSpace:
    """The coarse grid searched; the defaults' own values are always added."""

    long_term_half_life_days: tuple[float, ...] = (182.5, 365.0, 730.0)
    near_repeat_weight: tuple[float, ...] = (0.0, 0.1, 0.3)
    cell_profile_prior: tuple[float, ...] = (5.0, 20.0, 80.0)

    def candidates(self, rules: Rules) -> tuple[Candidate, ...]:
        """Every combination, in a fixed order. A parameter that cannot act keeps its value: the
        prior without ``cell_profile``, the near-repeat weight without near-repeat categories."""
        base = Candidate.of(rules)

        def values(grid: tuple[float, ...], own: float, acts: bool) -> list[float]:
            return sorted({*grid, own}) if acts else [own]

        half_lives = values(self.long_term_half_life_days, base.long_term_half_life_days, True)
        weights = values(
            self.near_repeat_weight, base.near_repeat_weight, bool(rules.near_repeat.categories)
        )
        priors = values(
            self.cell_profile_prior, base.cell_profile_prior, rules.scoring.cell_profile
        )
        return tuple(Candidate(h, w, m) for h in half_lives for w in weights for m in priors)


@dataclass(frozen=True)
class Plan:
    """The windows of a calibration up to and including the local day ``until``."""

    until: dt.date
    tuning_days: int = 364
    validation_days: int = 91
    every_days: int = 6

    def cutoff(self, timezone: str) -> dt.datetime:
        """The first moment after ``until`` (local midnight, in UTC): nothing from it on counts."""
        local = dt.datetime.combine(
            self.until + dt.timedelta(days=1), dt.time(), ZoneInfo(timezone)
        )
        return local.astimezone(dt.UTC)

    def validation_first(self) -> dt.date:
        return self.until - dt.timedelta(days=self.validation_days - 1)

    def tuning_first(self) -> dt.date:
        return self.validation_first() - dt.timedelta(days=self.tuning_days)

    def origins(self, horizon_days: int) -> tuple[list[dt.date], list[dt.date]]:
        """(tuning, validation) briefing days, oldest first. The last origin of a window is the
        last whose ``horizon_days`` of shifts (a night shift ends the next morning) lie inside it;
        the others step back from it by ``every_days``."""

        def back(last: dt.date, first: dt.date) -> list[dt.date]:
            step = dt.timedelta(days=max(self.every_days, 1))
            days = []
            while last >= first:
                days.append(last)
                last -= step
            return days[::-1]

        val_first = self.validation_first()
        validation = back(self.until - dt.timedelta(days=horizon_days), val_first)
        tuning = back(val_first - dt.timedelta(days=horizon_days + 1), self.tuning_first())
        return tuning, validation
