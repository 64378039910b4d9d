"""The baselines VIS is measured against; each gives a score per cell, higher is chosen first.

- **naive count** over the last 28 or 365 days: the number of incidents per cell;
- **prospective hotspotting** (Bowers, Johnson & Pease 2004): every incident of the last
  ``ph_weeks`` weeks adds ``1 / (1 + d) × 1 / (1 + w)`` to each cell within ``ph_bandwidth_cells``
  cells (``d`` the distance in cells between centres, ``w`` the age in whole weeks);
- **random**: cells of the study area drawn with a fixed seed per day and shift.

All of them see only incidents known before the cut-off and never the feedback-guard categories.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from briefing.history import History
from briefing.scoring import DAY_S, used_incidents

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def naive_counts(h: History, cutoff_s: int, days: int) -> FloatArray:
    """Incidents per cell that began in the ``days`` before the cut-off."""
    idx = used_incidents(h, cutoff_s, days)
    return np.bincount(h.cell[idx], minlength=h.frame.size).astype(float)


def prospective_kernel(bandwidth: int) -> FloatArray:
    """``1 / (1 + d)`` for cells within ``bandwidth`` cells (Euclidean, in cells), else 0."""
    off = np.arange(-bandwidth, bandwidth + 1, dtype=float)
    d = np.hypot(off[:, None], off[None, :])
    return np.where(d <= bandwidth + 1e-9, 1.0 / (1.0 + d), 0.0)


def prospective(h: History, cutoff_s: int, bandwidth: int, weeks: int) -> FloatArray:
    """Prospective hotspotting score per cell."""
    idx = used_incidents(h, cutoff_s, weeks * 7)
    age_weeks = np.floor(np.maximum(cutoff_s - h.begin_s[idx], 0) / (7 * DAY_S))
    seeds = np.bincount(h.cell[idx], weights=1.0 / (1.0 + age_weeks), minlength=h.frame.size)
    out = ndimage.convolve(
        seeds.reshape(h.frame.shape), prospective_kernel(bandwidth), mode="constant"
    )
    return np.asarray(out, dtype=float).reshape(h.frame.size)


def random_cells(study: IntArray, n: int, seed: int, day_ordinal: int, shift: int) -> IntArray:
    """``n`` distinct study cells, reproducible for (seed, day, shift)."""
    rng = np.random.default_rng([seed, day_ordinal, shift])
    take = min(n, study.size)
    return np.sort(rng.choice(study, size=take, replace=False)).astype(np.int64)
