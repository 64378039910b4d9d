"""The few distribution functions the evaluation needs, without importing ``scipy.stats``.

``scipy.stats`` takes a second or more to import (it builds the docstrings of a hundred
distributions), longer than the whole evaluation of a pilot. Its distributions evaluate the
functions of ``scipy.special`` underneath; these helpers call those same functions directly, so
every value is identical to the ``scipy.stats`` call named beside it, or for the binomial
within rounding (a test compares them over a grid of small and large counts):

- :func:`norm_ppf` is ``stats.norm.ppf`` (``special.ndtri``);
- :func:`norm_sf` is ``stats.norm.sf`` (``special.ndtr`` of ``-x``);
- :func:`beta_ppf` is ``stats.beta.ppf`` (Boost's inverse incomplete beta);
- :func:`binom_cdf` and :func:`binom_sf` are ``stats.binom.cdf`` and ``stats.binom.sf`` as the
  regularised incomplete beta function they are (``P(X <= k) = I_{1-p}(n-k, k+1)``), Boost's
  ``ibeta`` that ``scipy.stats`` also evaluates, but at double instead of extended internal
  precision (scipy exposes that variant only under a private name): they agree to within
  1e-13 relative wherever the probability exceeds 1e-6, the last digits of a p-value that is
  shown to three;
- :func:`spearman` is ``stats.spearmanr(x, y)`` for two 1-D samples without NaN: average ranks
  (pandas' ``rank``), their Pearson correlation (``np.corrcoef``) and the two-sided p of
  Student's t with ``n - 2`` degrees of freedom (``special.stdtr``).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import special


def norm_ppf(q: float) -> float:
    """Quantile of the standard normal distribution."""
    return float(special.ndtri(q))


def norm_sf(x: float) -> float:
    """Upper tail ``P(Z > x)`` of the standard normal distribution."""
    return float(special.ndtr(-x))


def beta_ppf(q: float, a: float, b: float) -> float:
    """Quantile of the beta distribution with shapes ``a``, ``b`` > 0 (0 < ``q`` < 1)."""
    return float(special.betaincinv(a, b, q))


def binom_cdf(k: int, n: int, p: float) -> float:
    """``P(X <= k)`` for ``X ~ Binomial(n, p)``, with 0 below 0 and 1 from ``n`` on."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    return float(special.betaincc(k + 1, n - k, p))


def binom_sf(k: int, n: int, p: float) -> float:
    """``P(X > k)`` for ``X ~ Binomial(n, p)``, with 1 below 0 and 0 from ``n`` on."""
    if k < 0:
        return 1.0
    if k >= n:
        return 0.0
    return float(special.betainc(k + 1, n - k, p))


def spearman(x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[float, float]:
    """Spearman's rho of two equally long samples (at least 3, neither constant, no NaN) and its
    two-sided p-value."""
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n = a.size
    if n < 3 or b.size != n:
        raise ValueError("spearman needs two samples of the same length, at least 3")
    if np.isnan(a).any() or np.isnan(b).any() or np.ptp(a) == 0 or np.ptp(b) == 0:
        raise ValueError("spearman needs samples without NaN that are not constant")
    import pandas as pd

    # average ranks, ties sharing the mean of their ranks (scipy.stats.rankdata's default)
    ranked = np.column_stack((pd.Series(a).rank().to_numpy(), pd.Series(b).rank().to_numpy()))
    rho = np.asarray(np.corrcoef(ranked, rowvar=False))[1, 0]
    dof = n - 2
    with np.errstate(divide="ignore"):
        t = rho * np.sqrt(np.clip(dof / ((rho + 1.0) * (1.0 - rho)), 0, None))
    p = 2 * special.stdtr(dof, -np.abs(t))
    return float(rho), float(p)
