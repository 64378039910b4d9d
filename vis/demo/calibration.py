"""How many incidents of each kind, per calendar year of the period: the calibration.

A full calendar year gets exactly its yearly target; a partial year gets the target times the
share of that year's weight (season, weekday, New Year) that falls inside the period. Pools are
split over their profiles by largest remainder, so that the parts add up to the whole.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vis.demo.params import DemoParams
from vis.demo.profile import Pool, Profile

DayArray = npt.NDArray[np.datetime64]


@dataclass(frozen=True)
class Bucket:
    """The days of one calendar year inside the period, their weights and the count to draw."""

    year: int
    days: DayArray  # datetime64[D]
    weights: npt.NDArray[np.float64]
    count: int


def split(total: int, weights: list[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainder); sums to ``total``."""
    w = np.asarray(weights, dtype=float)
    if total <= 0 or w.sum() <= 0:
        return [0] * len(weights)
    exact = total * w / w.sum()
    base = np.floor(exact).astype(int)
    order = np.argsort(-(exact - base), kind="stable")
    base[order[: total - int(base.sum())]] += 1
    return [int(v) for v in base]


def yearly_targets(params: DemoParams, profiles: tuple[Profile, ...]) -> dict[str, int]:
    """The yearly count of every profile, from the calibration targets in ``params``."""
    pools: dict[Pool, int] = {
        "woninginbraak": params.woninginbraak_per_year,
        "vehicle_bike_damage": params.vehicle_bike_damage_per_year,
        "rest": params.misdrijven_per_year
        - params.woninginbraak_per_year
        - params.vehicle_bike_damage_per_year,
        "overlast_jeugd": params.overlast_jeugd_per_year,
        "nuisance": params.other_nuisance_per_year,
    }
    out: dict[str, int] = {}
    for pool, total in pools.items():
        members = [p for p in profiles if p.pool == pool]
        for p, n in zip(members, split(total, [p.pool_weight for p in members]), strict=True):
            out[p.key] = n
    return out


def day_weights(profile: Profile, days: DayArray) -> npt.NDArray[np.float64]:
    """Relative chance of each day: month x weekday x New Year."""
    d = days.astype("datetime64[D]")
    month = d.astype("datetime64[M]").astype(np.int64) % 12
    weekday = (d.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    w = np.asarray(profile.months, float)[month] * np.asarray(profile.weekdays, float)[weekday]
    day_of_month = (d - d.astype("datetime64[M]")).astype(np.int64) + 1
    new_year = ((month == 0) & (day_of_month == 1)) | ((month == 11) & (day_of_month == 31))
    return np.where(new_year, w * profile.new_year, w)


def buckets(profile: Profile, per_year: int, start: dt.date, end: dt.date) -> list[Bucket]:
    """One bucket per calendar year that the period touches."""
    out = []
    for year in range(start.year, end.year + 1):
        first = np.datetime64(f"{year}-01-01", "D")
        whole = np.arange(first, np.datetime64(f"{year + 1}-01-01", "D"))
        weights = day_weights(profile, whole)
        inside = (whole >= np.datetime64(start, "D")) & (whole <= np.datetime64(end, "D"))
        share = weights[inside].sum() / weights.sum()
        out.append(Bucket(year, whole[inside], weights[inside], round(per_year * share)))
    return out
