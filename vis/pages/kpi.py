"""KPI tiles' statistics: the last 24 hours against the baseline's daily mean, Poisson-tested."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal


def poisson_cdf(k: int, lam: float) -> float:
    """P(X <= k) for X ~ Poisson(lam)."""
    if k < 0:
        return 0.0
    if lam <= 0:
        return 1.0
    term = math.exp(-lam)
    total = term
    for i in range(1, k + 1):
        term *= lam / i
        total += term
    return min(1.0, total)


@dataclass(frozen=True)
class Kpi:
    category: str
    last24: int
    mean: float
    p: float
    direction: Literal["higher", "lower", "normal"]


#: Fewer incidents than this in 24 hours are never marked "higher", whatever the p-value: one
#: burglary in a category that had none for four weeks is rare but not yet a pattern.
MIN_HIGHER = 3


def kpi(category: str, last24: int, baseline: int, days: int, alpha: float = 0.05) -> Kpi:
    """One tile: ``last24`` against ``baseline`` incidents over ``days`` days.

    The daily rate is (baseline + 0.5) / days, so an empty baseline does not give a zero rate.
    One-sided exact Poisson test in the direction of the deviation; "higher" also needs at least
    :data:`MIN_HIGHER` incidents.
    """
    lam = (baseline + 0.5) / days
    mean = baseline / days
    if last24 > lam:
        p = 1.0 - poisson_cdf(last24 - 1, lam)
        significant = p < alpha and last24 >= MIN_HIGHER
        direction: Literal["higher", "lower", "normal"] = "higher" if significant else "normal"
    elif last24 < lam:
        p = poisson_cdf(last24, lam)
        direction = "lower" if p < alpha else "normal"
    else:
        p, direction = 1.0, "normal"
    return Kpi(category, last24, mean, max(0.0, min(1.0, p)), direction)


def kpis(
    counts: dict[str, tuple[int, int]], days: int, alpha: float = 0.05, limit: int = 12
) -> list[Kpi]:
    """Tiles for the categories with incidents, significant ones first, then by volume."""
    tiles = [kpi(cat, last, base, days, alpha) for cat, (last, base) in counts.items()]
    tiles.sort(key=lambda k: (k.direction == "normal", -(k.last24 + k.mean), k.category))
    return tiles[:limit]
