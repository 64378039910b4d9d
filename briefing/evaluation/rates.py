"""Rate ratios of two Poisson counts, with an exact-conditional or score test and a CI.

``compare_rates(c1, e1, c0, e0)`` estimates ``(c1/e1) / (c0/e0)``: e.g. the pilot period against
the baseline (exposure = days × inhabitants), or an area against the city. The test is
statsmodels' :func:`~statsmodels.stats.rates.test_poisson_2indep`:

- ``exact-cond``: given ``n = c1 + c0``, ``c1`` is binomial with ``p = e1 / (e1 + e0)`` under
  ``H0: ratio = 1``; the CI is the Clopper–Pearson interval of that binomial proportion, turned
  into a ratio (``ratio = p / (1 - p) · e0 / e1``), and the p-value is the *central* one that
  belongs to it: twice the smaller binomial tail, at most 1. So ``p < alpha`` exactly when the
  ``1 - alpha`` interval excludes 1 (statsmodels' default "minlike" p does not agree with that
  interval: 4 against 13 over 181/182 days gave p = 0,049 with an interval up to 1,001);
- ``score``: the score test (Gu et al. 2008) and statsmodels' score interval, which inverts
  that same test.

Zero counts give a defined answer: both zero → "niet te bepalen"; a zero baseline → the ratio
cannot be bounded (``ratio`` None, the exact test still answers).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

from briefing.evaluation.distributions import beta_ppf, binom_cdf, binom_sf

Method = Literal["exact-cond", "score"]


@dataclass(frozen=True)
class RateRatio:
    count1: int
    exposure1: float
    count0: int
    exposure0: float
    method: str
    alpha: float
    ratio: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    reason: str | None = None  # why ratio or test could not be determined

    @property
    def determinable(self) -> bool:
        return self.ratio is not None and self.p_value is not None

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < self.alpha

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _finite(value: Any) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


def exact_conditional_ci(
    count1: int, exposure1: float, count0: int, exposure0: float, alpha: float = 0.05
) -> tuple[float, float]:
    """Clopper–Pearson interval of ``c1 / (c1 + c0)`` turned into a rate ratio (may be ``inf``)."""
    n = count1 + count0
    if n == 0:
        raise ValueError("no events: the interval is undefined")
    p_low = 0.0 if count1 == 0 else beta_ppf(alpha / 2, count1, count0 + 1)
    p_high = 1.0 if count0 == 0 else beta_ppf(1 - alpha / 2, count1 + 1, count0)
    scale = exposure0 / exposure1

    def to_ratio(p: float) -> float:
        return math.inf if p >= 1.0 else p / (1.0 - p) * scale

    return to_ratio(p_low), to_ratio(p_high)


def exact_conditional_p(count1: int, exposure1: float, count0: int, exposure0: float) -> float:
    """The central two-sided p of the exact conditional test: ``min(1, 2 · smaller tail)``."""
    n = count1 + count0
    if n == 0:
        raise ValueError("no events: the test is undefined")
    p0 = exposure1 / (exposure1 + exposure0)
    lower = binom_cdf(count1, n, p0)
    upper = binom_sf(count1 - 1, n, p0)
    return min(1.0, 2.0 * min(lower, upper))


def compare_rates(
    count1: int,
    exposure1: float,
    count0: int,
    exposure0: float,
    *,
    method: Method = "exact-cond",
    alpha: float = 0.05,
) -> RateRatio:
    """Rate ratio of group 1 against group 0 with its test and ``1 - alpha`` CI."""
    c1, c0 = int(count1), int(count0)
    e1, e0 = float(exposure1), float(exposure0)
    base: dict[str, Any] = {"count1": c1, "exposure1": e1, "count0": c0, "exposure0": e0}
    base |= {"method": method, "alpha": alpha}
    if c1 < 0 or c0 < 0:
        raise ValueError("counts must not be negative")
    if not (e1 > 0 and e0 > 0 and math.isfinite(e1) and math.isfinite(e0)):
        reason = "geen blootstelling (inwoners of dagen) bekend"
        return RateRatio(**base, ratio=None, ci_low=None, ci_high=None, p_value=None, reason=reason)
    if c1 + c0 == 0:
        reason = "in geen van beide perioden of gebieden incidenten"
        return RateRatio(**base, ratio=None, ci_low=None, ci_high=None, p_value=None, reason=reason)

    if method == "exact-cond" or c1 == 0 or c0 == 0:
        # The score statistic is degenerate at a zero count: there the exact test answers.
        base["method"] = "exact-cond"
        p: float | None = exact_conditional_p(c1, e1, c0, e0)
        low, high = exact_conditional_ci(c1, e1, c0, e0, alpha)
    else:
        from statsmodels.stats.rates import confint_poisson_2indep, test_poisson_2indep

        result = test_poisson_2indep(c1, e1, c0, e0, method="score")
        p = _finite(result.pvalue)
        ci = confint_poisson_2indep(c1, e1, c0, e0, method="score", alpha=alpha)
        low, high = float(ci[0]), float(ci[1])
    if c0 == 0:
        reason = "geen incidenten in de vergelijkingsperiode of het vergelijkingsgebied"
        return RateRatio(**base, ratio=None, ci_low=low, ci_high=None, p_value=p, reason=reason)
    ratio = (c1 / e1) / (c0 / e0)
    return RateRatio(**base, ratio=ratio, ci_low=low, ci_high=_finite(high), p_value=p)
