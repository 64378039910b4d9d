"""Why a hotspot was chosen and what to do there, in plain Dutch with real numbers.

Reasons come from the incidents that entered the score (known before the cut-off, outside the
feedback guard), one per component that raised it: a near-repeat series, recent activity against
the cell's own average, a structurally high category (the long-term level), this cell's own hours
(the share of its incidents in the shift's hours against its categories elsewhere), the time of
the shift and the weekday. Actions come from the rules'
``[[action]]`` entries. Only category, street and counts appear: never house numbers or free text.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from babel.numbers import format_decimal
from scipy.spatial import cKDTree

from briefing.history import History
from briefing.params import Rules
from briefing.scoring import DAY_S, CellScores

IntArray = npt.NDArray[np.int64]
WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
FALLBACK_ACTION = "zichtbaar surveilleren en signalen doorgeven aan de politie"


def nl_number(value: float, decimals: int = 1) -> str:
    """A number the Dutch way: decimal comma, no needless zeros (``1,5``; ``3``)."""
    pattern = "#,##0" + ("." + "#" * decimals if decimals > 0 else "")
    return str(format_decimal(value, format=pattern, locale="nl_NL"))


@dataclass(frozen=True)
class Series:
    category: str
    count: int
    days: int
    streets: tuple[str, ...]


def near_repeat_series(h: History, s: CellScores, members: IntArray, rules: Rules) -> list[Series]:
    """Recent near-repeat incidents within the space window of the hotspot's cells, per category."""
    nr = rules.near_repeat
    idx = s.used[(s.cutoff_s - h.begin_s[s.used]) < nr.days * DAY_S]
    cats = np.array(h.categories, dtype=object)
    idx = idx[np.isin(cats[h.cat[idx]], list(nr.categories))]
    if idx.size == 0:
        return []
    cx, cy = h.frame.centres(members)
    tree = cKDTree(np.column_stack([h.x[idx], h.y[idx]]))
    near = sorted(
        {
            i
            for hits in tree.query_ball_point(np.column_stack([cx, cy]), nr.distance_m)
            for i in hits
        }
    )
    found = idx[np.array(near, dtype=np.int64)] if near else idx[:0]
    out = []
    for category in nr.categories:
        sel = found[cats[h.cat[found]] == category]
        if sel.size >= nr.min_series:
            days = max(1, math.ceil((s.cutoff_s - int(h.begin_s[sel].min())) / DAY_S))
            streets = tuple(
                name for name, _ in Counter(h.street[sel].tolist()).most_common() if name
            )
            out.append(Series(category, int(sel.size), days, streets))
    return out


def _months(rules: Rules) -> int:
    return max(1, round(rules.scoring.long_term_days / 30.4375))


def own_hours_reason(
    h: History, s: CellScores, members: IntArray, inside: IntArray, rules: Rules
) -> str | None:
    """ "This cell's own hours" when they raised the score: the share of the hotspot's incidents
    in the shift's hours against the share its categories have elsewhere (``ρ ≥ 1.1``)."""
    if not rules.scoring.cell_profile or inside.size < 3:
        return None
    rho = float(s.own_hours[members].max())
    if rho < 1.1:
        return None
    share = h.frac[inside, s.shift, :].sum(axis=1).astype(float)
    expected = float(s.category_shift_share[h.cat[inside]].mean())
    return (
        f"eigen uren van deze plek: {round(100 * float(share.mean()))}% van de incidenten hier "
        f"viel in de uren van deze dienst (voor deze soorten elders {round(100 * expected)}%)"
    )


def hotspot_reasons(
    h: History,
    s: CellScores,
    members: IntArray,
    inside: IntArray,
    series: list[Series],
    rules: Rules,
    labels: Mapping[str, str],
    shares: Mapping[str, float],
) -> list[str]:
    """Dutch reasons for one hotspot; ``inside`` are the used incidents in its cells and
    ``shares`` each category's share of its score."""
    sel = rules.selection
    reasons: list[str] = []
    for sr in series:
        reasons.append(
            f"{sr.count} {rules.noun(sr.category, sr.count, labels.get(sr.category))} in "
            f"{sr.days} dagen binnen {nl_number(rules.near_repeat.distance_m, 0)} m"
        )
    age = (s.cutoff_s - h.begin_s[inside]) / DAY_S
    recent = int((age < sel.recent_days).sum())
    average = inside.size * sel.recent_days / rules.scoring.long_term_days
    if recent >= 2 and recent > 1.5 * average:
        reasons.append(
            f"recent meer: {recent} incidenten in {sel.recent_days} dagen "
            f"(gemiddeld {nl_number(average)} per {sel.recent_days} dagen)"
        )
    cats = np.array(h.categories, dtype=object)[h.cat[inside]]
    counts = Counter(cats.tolist())
    if counts:
        # the category that weighs most in this hotspot's score for this shift
        top = max(counts, key=lambda c: (shares.get(c, 0.0), counts[c], c))
        n = counts[top]
        if n >= sel.structural_min:
            reasons.append(
                f"structureel hoog: {n} {rules.noun(top, n, labels.get(top))} in "
                f"{_months(rules)} maanden"
            )
        own = own_hours_reason(h, s, members, inside, rules)
        if own:
            reasons.append(own)
        mine = inside[cats == top]
        share = float(h.frac[mine, s.shift, :].sum()) / mine.size
        day_share = h.shifts[s.shift].hours / 24
        if not own and n >= 3 and share >= 1.2 * day_share:
            reasons.append(
                f"{round(100 * share)}% van de {rules.noun(top, 2, labels.get(top))} hier valt "
                f"in de uren van deze dienst"
            )
        factor = float(s.weekday_factor[h.categories.index(top)])
        if factor >= 1.2:
            reasons.append(
                f"{rules.noun(top, 2, labels.get(top))} komen op {WEEKDAYS[s.weekday]} "
                f"{nl_number(factor)}× zo vaak voor als gemiddeld"
            )
    if not reasons:
        reasons.append(f"{inside.size} incidenten in {_months(rules)} maanden in dit gebied")
    return reasons


def hotspot_actions(
    rules: Rules,
    shift: str,
    shares: Mapping[str, float],
    series: list[Series],
    streets: tuple[str, ...],
    wijk: str,
    labels: Mapping[str, str],
) -> list[str]:
    """The actions of every matching ``[[action]]`` rule, in the order of the rules file."""
    out: list[str] = []
    series_cats = {sr.category: sr for sr in series}
    for rule in rules.actions:
        if rule.shifts and shift not in rule.shifts:
            continue
        use_streets = streets
        if rule.kind == "near_repeat":
            hits = [series_cats[c] for c in rule.categories if c in series_cats]
            if not hits:
                continue
            # the series' streets that lie in the hotspot itself: a series reaches further
            # (distance_m) than the hotspot, and an action names the hotspot's own streets
            use_streets = tuple(name for name in hits[0].streets if name in streets) or streets
            main = hits[0].category
        else:
            share = sum(shares.get(c, 0.0) for c in rule.categories)
            if share < rule.min_share or share == 0:
                continue
            main = max(rule.categories, key=lambda c: shares.get(c, 0.0))
        text = rule.text.format(
            straten="/".join(use_streets[: rules.selection.max_streets]) or "het gebied",
            wijk=wijk or "de wijk",
            categorie=labels.get(main, main).lower(),
        )
        if text not in out:
            out.append(text)
    return out or [FALLBACK_ACTION]
