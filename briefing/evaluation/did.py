"""Difference in differences on an area × week panel: a Poisson or negative-binomial GLM.

The model is the two-way fixed-effects form::

    log E[count] = log(exposure) + area_i + week_t + β · (treated_i · pilot_t)

with exposure = inhabitants × days of the bin (or only days when the population is unknown).
``exp(β)`` is the incidence rate ratio (IRR): how the treated areas' rate changed in the pilot,
relative to the change in the control areas. The Poisson fit widens its standard errors by the
Pearson dispersion when that exceeds 1 (quasi-Poisson) against overdispersion; the negative
binomial takes its ``alpha`` from the Cameron–Trivedi moment estimate of the Poisson fit and is
fitted by statsmodels' GLM with the dummy matrix (imported only for a negative-binomial pilot:
the import takes over a second, once per process).

Areas without any incident and weeks without any incident carry no information under fixed
effects and are dropped before the fit (they would only make statsmodels warn of a perfect fit).

The Poisson fit does not build the dummy matrix: with area and week effects and one binary
regressor the maximum-likelihood equations say that fitted and observed counts agree per area,
per week and over the treated-pilot cells, so they are solved by iterative proportional fitting
on the area × week table, and the standard error of β comes from the Fisher information
``X'·diag(μ)·X`` assembled from that table (the same estimate and standard error as
statsmodels' GLM, which the tests check, in milliseconds instead of seconds).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from briefing.evaluation.distributions import norm_ppf, norm_sf
from briefing.evaluation.explain import direction_sentence
from briefing.evaluation.params import Period, day_series

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
    n_bins = len(bins)
    names = list(units)
    counts = np.zeros(len(names) * n_bins, dtype=np.int64)
    if len(events):
        unit_idx = pd.Index(names).get_indexer(pd.Index(events["unit"])).astype(np.int64)
        day = day_series(events).to_numpy(dtype="datetime64[D]")
        starts = np.array([np.datetime64(b[1].date(), "D") for b in bins])
        ends = starts + np.array([b[2] for b in bins], dtype="timedelta64[D]")
        bin_idx = np.searchsorted(starts, day, side="right") - 1
        inside = (unit_idx >= 0) & (bin_idx >= 0)
        inside[inside] &= day[inside] < ends[bin_idx[inside]]  # not in the gap between periods
        flat = unit_idx[inside] * n_bins + bin_idx[inside]
        counts = np.bincount(flat, minlength=len(names) * n_bins)
    days = np.array([b[2] for b in bins], dtype=np.int64)
    per_day = np.array([float(units[u][1] or 1.0) for u in names])
    return pd.DataFrame(
        {
            "unit": np.repeat(np.array(names, dtype=object), n_bins),
            "bin": np.tile(np.array([b[0] for b in bins], dtype=object), len(names)),
            "bin_start": np.tile(np.array([b[1].date() for b in bins], dtype=object), len(names)),
            "days": np.tile(days, len(names)),
            "treated": np.repeat(np.array([bool(units[u][0]) for u in names]), n_bins),
            "post": np.tile(np.array([b[3] for b in bins]), len(names)),
            "count": counts.astype(np.int64),
            "exposure": np.repeat(per_day, n_bins) * np.tile(days, len(names)),
        },
        columns=PANEL_COLUMNS,
    )


def _undetermined(model: str, panel: pd.DataFrame, reason: str) -> DidResult:
    n_units = int(panel["unit"].nunique()) if len(panel) else 0
    return DidResult(model, None, None, None, None, len(panel), n_units, reason=reason)


def fit_did(
    panel: pd.DataFrame, *, model: Literal["poisson", "negbin"] = "poisson", alpha: float = 0.05
) -> DidResult:
    """The IRR of ``treated × pilot`` with its ``1 - alpha`` CI and p; see the module text."""
    if panel.empty:
        return _undetermined(model, panel, "geen gebieden of weken")
    count = panel["count"].to_numpy(np.int64)
    treated_units = panel["treated"].to_numpy(bool)
    post = panel["post"].to_numpy(bool)
    for (treated, after), label in {
        (True, False): "het behandelgebied in de basisperiode",
        (True, True): "het behandelgebied in de pilotperiode",
        (False, False): "het controlegebied in de basisperiode",
        (False, True): "het controlegebied in de pilotperiode",
    }.items():
        if int(count[(treated_units == treated) & (post == after)].sum()) == 0:
            return _undetermined(model, panel, f"geen incidenten in {label}")
    # Drop areas and weeks without any incident (and bins without exposure).
    _, unit_idx = np.unique(panel["unit"].to_numpy(), return_inverse=True)
    _, bin_idx = np.unique(panel["bin"].to_numpy(), return_inverse=True)
    unit_total = np.bincount(unit_idx, count)[unit_idx]
    bin_total = np.bincount(bin_idx, count)[bin_idx]
    keep = (panel["exposure"].to_numpy(float) > 0) & (unit_total > 0) & (bin_total > 0)
    data = panel.loc[keep].reset_index(drop=True)
    dropped = len(panel) - len(data)
    notes: list[str] = []
    if dropped:
        notes.append(f"{dropped} gebied-weken zonder informatie (geen incidenten) weggelaten")
    nb_alpha: float | None = None
    if model == "negbin":
        beta, se, nb_alpha, caught = _negbin(data)
        notes += caught
    else:
        beta, se, mu, n_params = _poisson_fe(data)
        y = data["count"].to_numpy(float)
        df_resid = len(data) - n_params
        if df_resid > 0:
            # Quasi-Poisson: widen (never narrow) by the Pearson dispersion. A saturated model
            # (no residual degrees of freedom) keeps the Poisson standard errors.
            dispersion = float(np.sum((y - mu) ** 2 / mu)) / df_resid
            se *= math.sqrt(max(1.0, dispersion))
    if not (math.isfinite(beta) and math.isfinite(se) and se > 0):
        return _undetermined(model, panel, "het model convergeerde niet")
    q = norm_ppf(1 - alpha / 2)
    p = 2 * norm_sf(abs(beta / se))
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


def _poisson_fe(data: pd.DataFrame) -> tuple[float, float, np.ndarray, int]:
    """β, its Poisson standard error, the fitted means (in ``data``'s order) and the number of
    parameters of the two-way fixed-effects Poisson model (see the module text)."""
    units, u = np.unique(data["unit"].to_numpy(), return_inverse=True)
    bins, b = np.unique(data["bin"].to_numpy(), return_inverse=True)
    y = data["count"].to_numpy(float)
    exposure = data["exposure"].to_numpy(float)
    treated = (data["treated"] & data["post"]).to_numpy(bool)
    n_u, n_b = len(units), len(bins)
    y_u = np.bincount(u, y, n_u)
    y_b = np.bincount(b, y, n_b)
    y_d = float(y[treated].sum())
    area, week, beta = np.zeros(n_u), np.zeros(n_b), 0.0
    for _ in range(10_000):
        shift = np.where(treated, beta, 0.0)
        area = np.log(y_u / np.bincount(u, exposure * np.exp(week[b] + shift), n_u))
        week = np.log(y_b / np.bincount(b, exposure * np.exp(area[u] + shift), n_b))
        base = exposure * np.exp(area[u] + week[b])
        new_beta = math.log(y_d / float(base[treated].sum()))
        mu = base * np.exp(np.where(treated, new_beta, 0.0))
        done = abs(new_beta - beta) < 1e-12 and np.allclose(np.bincount(u, mu, n_u), y_u)
        beta = new_beta
        if done:
            break
    mu = exposure * np.exp(area[u] + week[b] + np.where(treated, beta, 0.0))
    # Fisher information of (areas, weeks but the first, β) from the area × week table of μ.
    table = np.zeros((n_u, n_b))
    np.add.at(table, (u, b), mu)
    table_d = np.zeros((n_u, n_b))
    np.add.at(table_d, (u, b), np.where(treated, mu, 0.0))
    k = n_u + n_b - 1
    info = np.zeros((k + 1, k + 1))
    info[:n_u, :n_u] = np.diag(table.sum(axis=1))
    info[n_u:k, n_u:k] = np.diag(table.sum(axis=0)[1:])
    info[:n_u, n_u:k] = table[:, 1:]
    info[n_u:k, :n_u] = table[:, 1:].T
    info[:n_u, k] = info[k, :n_u] = table_d.sum(axis=1)
    info[n_u:k, k] = info[k, n_u:k] = table_d.sum(axis=0)[1:]
    info[k, k] = table_d.sum()
    try:
        variance = float(np.linalg.inv(info)[k, k])
    except np.linalg.LinAlgError:
        return beta, math.nan, mu, k + 1
    return beta, math.sqrt(variance) if variance > 0 else math.nan, mu, k + 1


def _negbin(data: pd.DataFrame) -> tuple[float, float, float, list[str]]:
    """β, its standard error, the NB2 alpha (Cameron–Trivedi, from the Poisson fit) and
    statsmodels' warnings of the negative-binomial GLM with area and week dummies."""
    # the GLM's own modules: ``statsmodels.api`` also imports the formula, graphics, time-series
    # and data-set packages, a third of a second more that the fit never uses
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

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
    _, _, mu, _ = _poisson_fe(data)
    nb_alpha = max(float(np.sum((y - mu) ** 2 - y) / np.sum(mu**2)), 1e-8)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        family = families.NegativeBinomial(alpha=nb_alpha)
        fit = GLM(y, exog, family=family, offset=offset).fit()
    notes = sorted({f"statsmodels: {w.message}" for w in caught})
    return float(fit.params["did"]), float(fit.bse["did"]), nb_alpha, notes


def explain_did(result: DidResult, alpha: float = 0.05, *, subject: str) -> str:
    return direction_sentence(
        result.irr,
        result.p_value,
        alpha,
        subject=subject,
        against="verwacht uit het controlegebied (verschil-in-verschillen)",
        reason=result.reason,
    )
