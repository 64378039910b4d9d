"""The score of every cell for one shift: an expected, policy-weighted rate of incidents.

For a cut-off ``c`` (the shift's start), only incidents known before ``c`` count. Per category
``k`` and cell ``j`` (all terms are rates per day, so they can be added):

- **long-term level** ``L``: incidents that began in the last ``long_term_days``, each weighted
  ``2^(-age / long_term_half_life_days)`` (0: no decay) and divided by the sum of those weights over
  the days (a rate per day that lets older years count less instead of ending at a hard edge);
- **recent activity** ``R``: incidents of the last ``recent_days``, each weighted
  ``2^(-age / recent_half_life_days)`` and divided by the sum of those weights over the days
  (an exponentially decaying rate, as in prospective hotspotting);
- both are mixed ``(1 - recent_share) L + recent_share R`` and smoothed over neighbouring cells
  (rook ``w``, diagonal ``w²``, normalised). With ``adaptive_smoothing`` each cell keeps the
  share ``s_k`` of its deviation from that neighbourhood mean: ``m + s_k (x - m)``, where ``s_k`` is
  how much the cells' deviations persisted from the older to the newer half of the long-term
  window, per category (:func:`briefing.grid.persistence_share`, an empirical-Bayes reliability):
  places where incidents keep piling up stay sharp, noise between neighbours is evened out;
- **time of shift**: each incident counts with ``r = β r_i + (1 - β) r̄_k``: ``r_i`` is the aoristic
  share of its window in the shift's hours divided by the share of the day the shift lasts
  (1: no preference), ``r̄_k`` the category's mean, ``β = profile_shrinkage``;
- **this cell's own hours** (``cell_profile``): the share ``S_j / N_j`` of the cell's incidents
  (decay-weighted) that fell in the shift's hours, shrunk towards the share its category mix
  predicts, ``P_j / N_j``, by ``m = cell_profile_prior`` incidents of evidence (empirical Bayes):
  ``q_j = (S_j + m P_j / N_j) / (N_j + m)``; the cell's level is multiplied by
  ``ρ_j = q_j / (P_j / N_j)`` (1: hours like its categories elsewhere; a station and a nightlife
  street differ). Cells without incidents keep 1;
- **weekday**: the category's aoristic share of shift time on this weekday, with
  ``weekday_pseudocount`` incidents of evenly spread prior, times 7 (1: no preference);
- **near repeat** ``N`` for the near-repeat categories: every incident of the last
  ``near_repeat.days`` raises each cell whose centre lies within ``near_repeat.distance_m`` by
  ``weight × (1 - age / days) / days`` (times its time-of-shift weight);
- **policy**: everything of category ``k`` is multiplied by its weight.

Categories of the feedback guard never enter (``History.usable``). Evidence is the plain number of
incidents in the cell and its 8 neighbours over the long-term window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from briefing.grid import block_sum, disk_kernel, eb_smooth, persistence_share, smooth
from briefing.history import History
from briefing.params import Rules, ScoringParams

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
DAY_S = 86_400


@dataclass(frozen=True)
class CellScores:
    """Scores of every cell of the frame (flat arrays; ``per_category`` is categories × cells)."""

    cutoff_s: int
    shift: int
    weekday: int
    total: FloatArray
    per_category: FloatArray
    long_term: FloatArray  # before neighbour smoothing, after policy and weekday
    recent: FloatArray  # before neighbour smoothing, after policy and weekday
    near_repeat: FloatArray
    own_hours: FloatArray  # ρ per cell (1 without a cell profile)
    category_shift_share: FloatArray  # per category: mean share of a window in the shift's hours
    evidence: FloatArray
    weekday_factor: FloatArray
    used: IntArray  # indices into the history of the incidents that entered


def decay_norm(days: int, half_life: float) -> float:
    """Sum of the daily decay weights ``2^(-a/h)`` for ages 0 … days-1 (the rate's divisor)."""
    return float(np.exp2(-np.arange(days) / half_life).sum())


def used_incidents(h: History, cutoff_s: int, days: int) -> IntArray:
    """Indices of usable incidents known before the cut-off that began in the ``days`` before it."""
    i0, i1 = np.searchsorted(h.begin_s, [cutoff_s - days * DAY_S, cutoff_s], side="left")
    idx = np.arange(i0, i1)
    return idx[h.usable[i0:i1] & (h.known_s[i0:i1] < cutoff_s)]


def own_hours(
    cell: IntArray,
    share: FloatArray,
    prior: FloatArray,
    weight: FloatArray,
    size: int,
    sp: ScoringParams,
) -> FloatArray:
    """``ρ_j`` per cell (see the module text): ``share`` is each incident's share of its window in
    the shift's hours, ``prior`` its category's mean share, ``weight`` its decay weight."""
    if not sp.cell_profile or cell.size == 0:
        return np.ones(size)
    n = np.bincount(cell, weights=weight, minlength=size)
    s = np.bincount(cell, weights=weight * share, minlength=size)
    p = np.bincount(cell, weights=weight * prior, minlength=size)
    m = sp.cell_profile_prior
    has = (n > 0) & (p > 0)
    safe_n = np.where(has, n, 1.0)
    expected = np.where(has, p, 1.0) / safe_n
    q = (s + m * expected) / (safe_n + m)
    return np.where(has, q / expected, 1.0)


def score_cells(h: History, cutoff_s: int, shift: int, weekday: int, rules: Rules) -> CellScores:
    """Score every cell for ``shift`` (an index into ``h.shifts``) on ``weekday`` at a cut-off."""
    sp, nr = rules.scoring, rules.near_repeat
    ncat, size, shape = len(h.categories), h.frame.size, h.frame.shape
    idx = used_incidents(h, cutoff_s, sp.long_term_days)
    cat, cell = h.cat[idx], h.cell[idx]
    age = np.maximum(cutoff_s - h.begin_s[idx], 0) / DAY_S
    frac = h.frac[idx, shift, :].astype(np.float64)
    day_share = h.shifts[shift].hours / 24.0
    r_inc = frac.sum(axis=1) / day_share
    n_cat = np.bincount(cat, minlength=ncat).astype(float)
    r_bar = np.where(
        n_cat > 0, np.bincount(cat, weights=r_inc, minlength=ncat) / np.maximum(n_cat, 1), 1.0
    )
    beta = sp.profile_shrinkage
    r = beta * r_inc + (1 - beta) * r_bar[cat]

    # weekday factor per category, shrunk towards no preference
    per_day = np.stack([np.bincount(cat, weights=frac[:, d], minlength=ncat) for d in range(7)], 1)
    total = per_day.sum(axis=1)
    pc = sp.weekday_pseudocount
    factor = 7.0 * (per_day[:, weekday] + pc / 7.0) / (total + pc)

    key = cat * size + cell

    def raster(weights: FloatArray, mask: npt.NDArray[np.bool_] | None = None) -> FloatArray:
        k, w = (key, weights) if mask is None else (key[mask], weights[mask])
        counts = np.bincount(k, weights=w, minlength=ncat * size)
        return np.asarray(counts, dtype=np.float64).reshape(ncat, *shape)

    if sp.long_term_half_life_days > 0:
        lt_decay = np.exp2(-age / sp.long_term_half_life_days)
        lt_norm = decay_norm(sp.long_term_days, sp.long_term_half_life_days)
    else:
        lt_decay, lt_norm = np.ones(idx.size), float(sp.long_term_days)
    long_term = raster(r * lt_decay) / lt_norm
    own = own_hours(cell, r_inc * day_share, r_bar[cat] * day_share, lt_decay, size, sp)
    rho = sp.recent_share
    comp_policy = (h.weights * factor).reshape(ncat, 1)
    if rho > 0:
        recent_mask = age < sp.recent_days
        decay = np.exp2(-age / sp.recent_half_life_days)
        norm = decay_norm(sp.recent_days, sp.recent_half_life_days)
        recent = raster(r * decay, recent_mask) / norm
        recent_component = (recent.reshape(ncat, size) * comp_policy).sum(0)
        # the smoothing is linear for a fixed share kept, so the mix is smoothed once
        mix = (1 - rho) * long_term + rho * recent
    else:
        # without recent activity the mix is L itself, bit for bit (L is never -0.0)
        recent_component = np.zeros(size)
        mix = long_term
    if sp.adaptive_smoothing:
        # how much of its own level a cell keeps: per category, from the plain counts of the
        # older and the newer half of the long-term window
        newer = age < sp.long_term_days / 2
        ones = np.ones(idx.size)
        keep = persistence_share(raster(ones, ~newer), raster(ones, newer), sp.neighbour_weight)
        mix = eb_smooth(mix, sp.neighbour_weight, keep)
    else:
        mix = smooth(mix, sp.neighbour_weight)
    base = mix * own.reshape(shape)  # a new array: the sums below may work in place

    nr_cats = np.isin(np.array(h.categories, dtype=object), list(nr.categories))
    nr_mask = nr_cats[cat] & (age < nr.days)
    near = np.zeros((ncat, *shape))
    if nr_mask.any():
        seeds = raster(r * (1 - age / nr.days) * nr.weight / nr.days, nr_mask)
        kernel = disk_kernel(nr.distance_m, h.frame.grid.size)
        for k in np.flatnonzero(nr_cats):
            near[k] = ndimage.convolve(seeds[k], kernel, mode="constant")

    policy = comp_policy.reshape(ncat, 1, 1)
    base += near
    base *= policy  # (base + near) × policy
    per_category = base.reshape(ncat, size)
    counts = np.bincount(cell, minlength=size).astype(float).reshape(shape)
    return CellScores(
        cutoff_s=int(cutoff_s),
        shift=shift,
        weekday=weekday,
        total=per_category.sum(axis=0),
        per_category=per_category,
        long_term=(long_term.reshape(ncat, size) * comp_policy).sum(0),
        recent=recent_component,
        near_repeat=(near.reshape(ncat, size) * comp_policy).sum(0),
        own_hours=own,
        category_shift_share=r_bar * day_share,
        evidence=block_sum(counts).reshape(size),
        weekday_factor=factor,
        used=idx,
    )
