"""Difference in differences on an area × week panel: a Poisson or negative-binomial GLM.

The model is the two-way fixed-effects form::

    log E[count] = log(exposure) + area_i + week_t + β · (treated_i · pilot_t)

with exposure = inhabitants × days of the bin (or only days when the population is unknown).
``exp(β)`` is the incidence rate ratio (IRR): how the treated areas' rate changed in the pilot,
relative to the change in the control areas. The Poisson fit widens its standard errors by the
Pearson dispersion when that exceeds 1 (quasi-Poisson) against overdispersion; the negative
binomial takes its ``alpha`` from the Cameron–Trivedi moment estimate of the Poisson fit.

Areas without any incident and weeks without any incident carry no information under fixed
effects and are dropped before the fit (they would only make statsmodels warn of a perfect fit).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from briefing.evaluation.explain import direction_sentence
from briefing.evaluation.params import Period, day_series, within

PANEL_COLUMNS = ["unit", "bin", "bin_start", "days", "treated", "post", "count", "exposure"]


@dataclass(frozen=True)
class DidResult:
    model: str
    irr: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    n_obs: int
    n_units: int
    alpha_nb: float | None = None
    notes: tuple[str, ...] = ()
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _bins(period: Period, prefix: str, width: int) -> list[tuple[str, pd.Timestamp, int]]:
    out = []
    start = period.start
    i = 0
    while start <= period.end:
        days = min(width, (period.end - start).days + 1)
        out.append((f"{prefix}{i:03d}", pd.Timestamp(start), days))
        start = start + pd.Timedelta(days=days).to_pytimedelta()
        i += 1
    return out


def weekly_panel(
    events: pd.DataFrame,
    units: Mapping[str, tuple[bool, float | None]],
    baseline: Period,
    pilot: Period,
    *,
    bin_days: int = 7,
) -> pd.DataFrame:
    """Counts per unit and 7-day bin of both periods.

    ``events`` has columns ``date`` (local date) and ``unit``; ``units`` maps each unit to
    (treated, inhabitants or None). Bins start at each period's first day; the last one may be
    shorter, and its exposure is shorter with it.
    """
    bins = [(n, s, d, False) for n, s, d in _bins(baseline, "b", bin_days)]
    bins += [(n, s, d, True) for n, s, d in _bins(pilot, "p", bin_days)]
    frame = pd.DataFrame(bins, columns=["bin", "bin_start", "days", "post"])
    edges = pd.to_datetime(frame["bin_start"])
    counts: dict[tuple[str, str], int] = {}
    if len(events):
        ev = events.loc[events["unit"].isin(list(units))].copy()
        day = day_series(ev)
        in_period = within(day, baseline.start, baseline.end) | within(day, pilot.start, pilot.end)
        ev, day = ev.loc[in_period], day.loc[in_period]
        idx = np.searchsorted(edges.to_numpy(), day.to_numpy(), side="right") - 1
        ev = ev.assign(bin=frame["bin"].to_numpy()[idx])
        sizes = ev.groupby(["unit", "bin"]).size()
        counts = {(str(k[0]), str(k[1])): int(n) for k, n in zip(sizes.index, sizes, strict=True)}
    rows = []
    for unit, (treated, population) in units.items():
        for label, begin, days, post in bins:
            per_day = float(population) if population else 1.0
            rows.append(
                {
                    "unit": unit,
                    "bin": label,
                    "bin_start": begin.date(),
                    "days": days,
                    "treated": bool(treated),
                    "post": post,
                    "count": counts.get((unit, label), 0),
                    "exposure": per_day * days,
                }
            )
    return pd.DataFrame(rows, columns=PANEL_COLUMNS)


def _undetermined(model: str, panel: pd.DataFrame, reason: str) -> DidResult:
    n_units = int(panel["unit"].nunique()) if len(panel) else 0
    return DidResult(model, None, None, None, None, len(panel), n_units, reason=reason)


def fit_did(
    panel: pd.DataFrame, *, model: Literal["poisson", "negbin"] = "poisson", alpha: float = 0.05
) -> DidResult:
    """The IRR of ``treated × pilot`` with its ``1 - alpha`` CI and p; see the module text."""
    if panel.empty:
        return _undetermined(model, panel, "geen gebieden of weken")
    cells = panel.groupby(["treated", "post"])["count"].sum()
    for (treated, post), label in {
        (True, False): "het behandelgebied in de basisperiode",
        (True, True): "het behandelgebied in de pilotperiode",
        (False, False): "het controlegebied in de basisperiode",
        (False, True): "het controlegebied in de pilotperiode",
    }.items():
        if int(cells.get((treated, post), 0)) == 0:
            return _undetermined(model, panel, f"geen incidenten in {label}")
    data = panel.loc[panel["exposure"] > 0]
    unit_total = data.groupby("unit")["count"].transform("sum")
    bin_total = data.groupby("bin")["count"].transform("sum")
    data = data.loc[(unit_total > 0) & (bin_total > 0)].reset_index(drop=True)
    dropped = len(panel) - len(data)
    exog = pd.concat(
        [
            pd.Series(1.0, index=data.index, name="const"),
            pd.get_dummies(data["unit"], prefix="u", drop_first=True, dtype=float),
            pd.get_dummies(data["bin"], prefix="w", drop_first=True, dtype=float),
            (data["treated"] & data["post"]).astype(float).rename("did"),
        ],
        axis=1,
    )
    y = data["count"].astype(float).to_numpy()
    offset = np.log(data["exposure"].astype(float).to_numpy())
    notes: list[str] = []
    if dropped:
        notes.append(f"{dropped} gebied-weken zonder informatie (geen incidenten) weggelaten")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = sm.GLM(y, exog, family=sm.families.Poisson(), offset=offset).fit()
        nb_alpha: float | None = None
        inflate = 1.0
        if model == "negbin":
            mu = np.asarray(fit.mu)
            nb_alpha = max(float(np.sum((y - mu) ** 2 - y) / np.sum(mu**2)), 1e-8)
            family = sm.families.NegativeBinomial(alpha=nb_alpha)
            fit = sm.GLM(y, exog, family=family, offset=offset).fit()
        elif fit.df_resid > 0:
            # Quasi-Poisson: widen (never narrow) by the Pearson dispersion. A saturated model
            # (no residual degrees of freedom) keeps the Poisson standard errors.
            inflate = math.sqrt(max(1.0, float(fit.pearson_chi2) / float(fit.df_resid)))
    notes += sorted({f"statsmodels: {w.message}" for w in caught})
    beta, se = float(fit.params["did"]), float(fit.bse["did"]) * inflate
    if not (math.isfinite(beta) and math.isfinite(se) and se > 0):
        return _undetermined(model, panel, "het model convergeerde niet")
    q = float(stats.norm.ppf(1 - alpha / 2))
    p = float(2 * stats.norm.sf(abs(beta / se)))
    return DidResult(
        model=model,
        irr=math.exp(beta),
        ci_low=math.exp(beta - q * se),
        ci_high=math.exp(beta + q * se),
        p_value=p,
        n_obs=len(data),
        n_units=int(data["unit"].nunique()),
        alpha_nb=nb_alpha,
        notes=tuple(notes),
    )


def explain_did(result: DidResult, alpha: float = 0.05, *, subject: str) -> str:
    return direction_sentence(
        result.irr,
        result.p_value,
        alpha,
        subject=subject,
        against="verwacht uit het controlegebied (verschil-in-verschillen)",
        reason=result.reason,
    )
