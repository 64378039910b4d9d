"""Self-calibration (issue 11): pick three rule parameters by a rolling-origin backtest.

A municipality's own history before a cut-off decides three parameters of the rules: the
long-term level's half-life, the near-repeat weight and the prior of this cell's own hours.
Nothing at or after the cut-off is used: targets must have begun and been known before it, and
every score uses only what was known before its own origin (:func:`briefing.scoring.score_cells`).

- **Origins** (:meth:`briefing.calibration_params.Plan.origins`): briefing days every
  ``every_days`` days, every shift. The last ``validation_days`` before the cut-off are the
  *validation window*; the ``tuning_days`` before it the *tuning window*. An origin's targets
  (the incidents that begin in its shift's hours on the ``horizon_days`` days from its start) lie
  wholly inside its window.
- **Measure**: per candidate, the hits of its hotspot cells (the production choice,
  :func:`briefing.selection.select_cells`) over the hits of the naive 365-day count's best cells
  of the same area on the same lattice (:mod:`briefing.equal_area`), summed over all origins
  and shifts. A ratio above 1 means the rules catch more than a map of last year would.
- **Choice** (:func:`pick_best`, :func:`decide`): the best candidate of the tuning window (ties:
  the defaults, then the grid's order) is kept only when it also beats the defaults (the
  configured ``rules.toml``) on the validation window, which the choice never saw; otherwise the
  defaults stay, and the outcome says why.

The search is cheap because the three parameters enter the score simply
(:func:`briefing.scoring.score_cells`): per cell the total is ``ρ(h, m) × A(h) + w × B``, where
``A`` is the policy-weighted, smoothed long-term level for half-life ``h``, ``ρ`` this cell's own
hours for prior ``m`` (:func:`briefing.scoring.own_hours`) and ``B`` the near-repeat boost per
unit weight. So each origin and shift needs one scoring per half-life; a test checks the
combination against :func:`score_cells` with each candidate's rules.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from briefing.aoristic import shift_window
from briefing.calibration_params import Candidate, Plan, SearchSpace
from briefing.equal_area import Lattice, area_hits, naive_on, shift_targets
from briefing.history import History
from briefing.inhotspot import in_hotspot_cells
from briefing.params import Rules
from briefing.scoring import DAY_S, CellScores, own_hours, score_cells
from briefing.selection import select_cells, top_cells

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: What a calibration came to: its best candidate is used, or the defaults stay.
Outcome = Literal["calibrated", "defaults"]
#: Why: ``won_validation`` (calibrated), ``defaults_best`` (the defaults won the tuning window),
#: ``lost_validation`` (the best did not beat the defaults on the validation window) or
#: ``not_measurable`` (the naive count caught nothing there, so no ratio).
Reason = Literal["won_validation", "defaults_best", "lost_validation", "not_measurable"]
#: Fewest targets the tuning and the validation window must hold for a calibration.
MIN_TUNING_TARGETS = 30
MIN_VALIDATION_TARGETS = 10


class CalibrationError(ValueError):
    """The history before the cut-off is too short or too thin to calibrate on (the message is
    Dutch: `vis calibrate` shows it)."""


@dataclass(frozen=True)
class Tally:
    """One candidate's sums over a window's origins and shifts."""

    hits: float = 0.0
    naive_hits: float = 0.0
    cells: int = 0
    selections: int = 0

    def add(self, hits: float, naive_hits: float, cells: int) -> Tally:
        return Tally(
            self.hits + hits, self.naive_hits + naive_hits, self.cells + cells, self.selections + 1
        )

    @property
    def ratio(self) -> float | None:
        """Hits over the naive count's hits at the same area; None when the naive count hit
        nothing (no ratio)."""
        return self.hits / self.naive_hits if self.naive_hits > 0 else None

    def as_dict(self) -> dict[str, Any]:
        ratio = self.ratio
        return {
            "hits": round(self.hits, 3),
            "naive_hits": round(self.naive_hits, 3),
            "ratio": round(ratio, 4) if ratio is not None else None,
            "mean_cells": round(self.cells / self.selections, 2) if self.selections else 0.0,
        }


@dataclass(frozen=True)
class Window:
    """A window's origins, its targets (counted per origin and shift) and every tally."""

    days: tuple[dt.date, ...]
    targets: int
    tallies: Mapping[Candidate, Tally]


def pick_best(tallies: Mapping[Candidate, Tally], defaults: Candidate) -> Candidate:
    """The candidate with the highest ratio; on a tie the defaults, then the first in the order
    of ``tallies``. Candidates without a ratio come last; if none has one, the defaults."""
    best, best_ratio = defaults, tallies[defaults].ratio if defaults in tallies else None
    for candidate, tally in tallies.items():
        ratio = tally.ratio
        if ratio is not None and (best_ratio is None or ratio > best_ratio):
            best, best_ratio = candidate, ratio
    return best


def decide(
    best: Candidate, defaults: Candidate, validation: Mapping[Candidate, Tally]
) -> tuple[Outcome, Reason, Candidate]:
    """Keep ``best`` only when it beats the defaults on the validation window (strictly)."""
    if best == defaults:
        return "defaults", "defaults_best", defaults
    mine, theirs = validation[best].ratio, validation[defaults].ratio
    if mine is None or theirs is None:
        return "defaults", "not_measurable", defaults
    if mine > theirs:
        return "calibrated", "won_validation", best
    return "defaults", "lost_validation", defaults


@dataclass(frozen=True)
class Parts:
    """What the three parameters act on, for one origin, shift and half-life (see the module
    text): ``scores`` were made with the cell profile off and near-repeat weight 1."""

    scores: CellScores
    level: FloatArray  # A: policy-weighted, smoothed long-term level per cell
    near: FloatArray  # B: near-repeat boost per unit weight, policy-weighted
    cell: npt.NDArray[np.int64]
    share: FloatArray  # each used incident's share of its window in the shift's hours
    prior: FloatArray  # its categories' mean share
    decay: FloatArray  # its long-term decay weight

    def total(self, candidate: Candidate, rules: Rules) -> FloatArray:
        """The cells' total score with ``candidate`` applied to ``rules``."""
        sp = dataclasses.replace(rules.scoring, cell_profile_prior=candidate.cell_profile_prior)
        rho = own_hours(self.cell, self.share, self.prior, self.decay, self.level.size, sp)
        return np.asarray(rho * self.level + candidate.near_repeat_weight * self.near)


def parts(
    h: History, cutoff_s: int, shift: int, weekday: int, rules: Rules, half_life: float
) -> Parts:
    """The :class:`Parts` of one scoring (one call of :func:`score_cells`)."""
    probe = dataclasses.replace(
        rules,
        scoring=dataclasses.replace(
            rules.scoring, long_term_half_life_days=half_life, cell_profile=False
        ),
        near_repeat=dataclasses.replace(rules.near_repeat, weight=1.0),
    )
    scores = score_cells(h, cutoff_s, shift, weekday, probe)
    used = scores.used
    age = np.maximum(cutoff_s - h.begin_s[used], 0) / DAY_S
    decay = np.exp2(-age / half_life) if half_life > 0 else np.ones(used.size)
    return Parts(
        scores=scores,
        level=scores.total - scores.near_repeat,
        near=scores.near_repeat,
        cell=h.cell[used],
        share=h.frac[used, shift, :].astype(np.float64).sum(axis=1),
        prior=scores.category_shift_share[h.cat[used]],
        decay=decay,
    )


def evaluate(
    h: History,
    rules: Rules,
    candidates: Sequence[Candidate],
    days: Sequence[dt.date],
    study: BoolArray,
    cutoff_s: int,
    progress: Callable[[int], None] | None = None,
) -> Window:
    """Every candidate on every origin day and shift (see the module text); ``progress`` is
    called with the number of origins done."""
    lat = Lattice(h.frame, h.cell, study)
    depth = rules.selection.top_n + 1
    horizon = rules.backtest.horizon_days
    half_lives = sorted({c.long_term_half_life_days for c in candidates})
    tallies = {c: Tally() for c in candidates}
    targets = 0
    for done, day in enumerate(days, 1):
        for s in range(len(h.shifts)):
            start, _ = shift_window(day, h.shifts[s], h.timezone)
            origin = int(start.timestamp())
            idx = shift_targets(h, study, day, s, horizon)
            idx = idx[(h.known_s[idx] < cutoff_s) & (h.begin_s[idx] < cutoff_s)]
            target_cells = h.cell[idx]
            targets += idx.size
            naive = top_cells(naive_on(h, lat, origin), study, depth)
            for half_life in half_lives:
                p = parts(h, origin, s, day.weekday(), rules, half_life)
                for c in candidates:
                    if c.long_term_half_life_days != half_life:
                        continue
                    # only the total differs from the probe's scores, and only it and the
                    # evidence decide the choice
                    scores = dataclasses.replace(p.scores, total=p.total(c, rules))
                    chosen = select_cells(scores, h.frame, rules.selection, study)
                    hits = float(in_hotspot_cells(target_cells, chosen).sum())
                    naive_hits = area_hits(naive, float(chosen.size), target_cells)
                    tallies[c] = tallies[c].add(hits, naive_hits, int(chosen.size))
        if progress is not None:
            progress(done)
    return Window(tuple(days), targets, MappingProxyType(tallies))


@dataclass(frozen=True)
class Calibration:
    """The result: what the briefings use (``chosen``), why, and the figures behind it."""

    plan: Plan
    outcome: Outcome
    reason: Reason
    chosen: Candidate
    best: Candidate
    defaults: Candidate
    tuning: Window
    validation: Window

    def as_dict(self) -> dict[str, Any]:
        def window(w: Window) -> dict[str, Any]:
            return {
                "first_origin": w.days[0].isoformat() if w.days else None,
                "last_origin": w.days[-1].isoformat() if w.days else None,
                "origins": len(w.days),
                "targets": w.targets,
            }

        return {
            "until": self.plan.until.isoformat(),
            "plan": {
                "tuning_days": self.plan.tuning_days,
                "validation_days": self.plan.validation_days,
                "every_days": self.plan.every_days,
            },
            "outcome": self.outcome,
            "reason": self.reason,
            "chosen": self.chosen.as_dict(),
            "best": self.best.as_dict(),
            "defaults": self.defaults.as_dict(),
            "tuning": {
                **window(self.tuning),
                "candidates": [
                    {"params": c.as_dict(), **t.as_dict()} for c, t in self.tuning.tallies.items()
                ],
            },
            "validation": {
                **window(self.validation),
                "best": self.validation.tallies[self.best].as_dict(),
                "defaults": self.validation.tallies[self.defaults].as_dict(),
            },
        }


def calibrate(
    h: History,
    rules: Rules,
    plan: Plan,
    study: BoolArray,
    *,
    space: SearchSpace | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Calibration:
    """Calibrate ``rules`` (the defaults) on ``h`` up to ``plan.until`` (see the module text).

    Raises :class:`CalibrationError` when a window has no origins or too few targets."""
    cutoff_s = int(plan.cutoff(h.timezone).timestamp())
    tuning_days, validation_days = plan.origins(rules.backtest.horizon_days)
    if not tuning_days or not validation_days:
        raise CalibrationError(  # the message is shown to the operator: Dutch
            "in de afstemmings- of de validatieperiode valt geen briefingdag: maak ze langer"
        )
    defaults = Candidate.of(rules)
    candidates = (space or SearchSpace()).candidates(rules)
    total = len(tuning_days) + len(validation_days)

    def step(offset: int) -> Callable[[int], None] | None:
        if progress is None:
            return None
        report = progress
        return lambda done: report(offset + done, total)

    tuning = evaluate(h, rules, candidates, tuning_days, study, cutoff_s, step(0))
    if tuning.targets < MIN_TUNING_TARGETS:
        raise CalibrationError(
            f"de afstemmingsperiode heeft {tuning.targets} doelincidenten, er zijn er "
            f"minstens {MIN_TUNING_TARGETS} nodig"
        )
    best = pick_best(tuning.tallies, defaults)
    pair = [best] if best == defaults else [best, defaults]
    validation = evaluate(h, rules, pair, validation_days, study, cutoff_s, step(len(tuning_days)))
    if validation.targets < MIN_VALIDATION_TARGETS:
        raise CalibrationError(
            f"de validatieperiode heeft {validation.targets} doelincidenten, er zijn er "
            f"minstens {MIN_VALIDATION_TARGETS} nodig"
        )
    outcome, reason, chosen = decide(best, defaults, validation.tallies)
    return Calibration(plan, outcome, reason, chosen, best, defaults, tuning, validation)
