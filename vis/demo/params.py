"""The frozen parameters of a demo feed: seed, period and calibration targets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class DemoParams:
    """Everything that decides a demo feed. Same parameters, same bytes.

    The yearly targets are the Amersfoort programme's 2015 figures: 8,459 registered misdrijven
    (55.4 per 1,000 inhabitants), of which 620 woninginbraken (4.1 per 1,000; 37.1 % attempts) and
    2,762 autokraak, fietsdiefstal and vernieling together. Nuisance registrations are not
    misdrijven and come on top: overlast jeugd at about 6 per 1,000 inhabitants (the order of the
    national rate around 2015; a plausible figure, not an Amersfoort one), and a smaller number of
    verward gedrag and burengerucht registrations.
    """

    seed: int = 307
    start: dt.date = dt.date(2015, 1, 1)
    end: dt.date = dt.date(2017, 6, 30)  # inclusive
    misdrijven_per_year: int = 8459
    woninginbraak_per_year: int = 620
    woninginbraak_attempt_share: float = 0.371
    vehicle_bike_damage_per_year: int = 2762  # autokraak + fietsdiefstal + vernieling
    overlast_jeugd_per_year: int = 950
    other_nuisance_per_year: int = 900  # verward gedrag + burengerucht
    near_repeat_share: float = 0.18  # share of burglaries that follow an earlier one close by
    bad_rows_per_year: int = 12
    police_unit: str = "PL0900"

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("end must not lie before start")
        counts = (
            self.misdrijven_per_year,
            self.woninginbraak_per_year,
            self.vehicle_bike_damage_per_year,
            self.overlast_jeugd_per_year,
            self.other_nuisance_per_year,
            self.bad_rows_per_year,
        )
        if min(counts) < 0:
            raise ValueError("yearly counts must not be negative")
        if (
            self.woninginbraak_per_year + self.vehicle_bike_damage_per_year
            > self.misdrijven_per_year
        ):
            raise ValueError(
                "woninginbraak and the vehicle/bike/damage group exceed all misdrijven"
            )
        for share in (self.woninginbraak_attempt_share, self.near_repeat_share):
            if not 0.0 <= share <= 1.0:
                raise ValueError("shares must lie between 0 and 1")
