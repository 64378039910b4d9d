"""Frozen parameters of the hotspot rules, read and validated from ``config/rules.toml``.

Everything the scoring, selection, reasons, briefing and backtest use comes from one
:class:`Rules` object. :func:`load_rules` reads the TOML, refuses unknown or missing keys and bad
values with a message that names the key, and :func:`rules_version` hashes the file together with
the code, so that a stored briefing says exactly which rules made it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

#: Placeholders an action text may use (filled in by :mod:`briefing.reasons`).
ACTION_PLACEHOLDERS = frozenset({"straten", "wijk", "categorie"})
#: Kinds of action rule.
ACTION_KINDS = frozenset({"near_repeat", "category"})


class RulesError(ValueError):
    """The rules file is missing, not TOML, or holds an unknown, missing or invalid key."""


@dataclass(frozen=True)
class ShiftDef:
    """One shift in local time; ``end`` at or before ``start`` means the next day."""

    name: str
    label: str
    start: dt.time
    end: dt.time

    @property
    def hours(self) -> float:
        start = self.start.hour + self.start.minute / 60
        end = self.end.hour + self.end.minute / 60
        return (end - start) % 24 or 24.0


@dataclass(frozen=True)
class ScoringParams:
    long_term_days: int = 1095
    long_term_half_life_days: float = 365.0
    cell_size_m: float = 62.5
    cell_profile: bool = True
    cell_profile_prior: float = 20.0
    neighbour_weight: float = 0.5
    recent_days: int = 90
    recent_half_life_days: float = 14.0
    recent_share: float = 0.0
    profile_shrinkage: float = 0.0
    weekday_pseudocount: float = 30.0
    default_weight: float = 0.5
    adaptive_smoothing: bool = True


@dataclass(frozen=True)
class NearRepeatParams:
    categories: tuple[str, ...] = ("woninginbraak", "autokraak")
    distance_m: float = 200.0
    days: int = 14
    weight: float = 0.1
    min_series: int = 2


@dataclass(frozen=True)
class SelectionParams:
    top_n: int = 40
    min_evidence: int = 3
    structural_min: int = 10
    recent_days: int = 14
    max_categories: int = 3
    max_streets: int = 2
    max_cells_per_hotspot: int = 16
    max_hotspots: int = 10
    max_hotspot_m: float = 250.0


@dataclass(frozen=True)
class BriefingParams:
    since_hours: int = 24
    average_days: int = 28
    notable_categories: tuple[str, ...] = (
        "woninginbraak",
        "straatroof",
        "overval",
        "mishandeling",
        "openlijk_geweld",
        "bedreiging",
        "drugshandel",
    )
    max_notable: int = 15
    kpi_alpha: float = 0.05
    stale_hours: int = 36
    priority_categories: int = 3
    priority_areas: int = 3


@dataclass(frozen=True)
class BacktestParams:
    horizon_days: int = 7
    random_seed: int = 20170701
    ph_bandwidth_cells: int = 3
    ph_weeks: int = 8


@dataclass(frozen=True)
class ActionRule:
    """Turns a pattern in a hotspot into a recommended action (Dutch text with placeholders)."""

    kind: str
    categories: tuple[str, ...]
    text: str
    shifts: tuple[str, ...] = ()
    min_share: float = 0.0


def _proxy(values: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(values or {}))


@dataclass(frozen=True)
class Rules:
    """All rule parameters; build it with :func:`load_rules` (or directly in tests)."""

    scoring: ScoringParams = field(default_factory=ScoringParams)
    near_repeat: NearRepeatParams = field(default_factory=NearRepeatParams)
    excluded: tuple[str, ...] = ("drugsbezit", "verkeer", "handhaving_eigen")
    selection: SelectionParams = field(default_factory=SelectionParams)
    briefing: BriefingParams = field(default_factory=BriefingParams)
    backtest: BacktestParams = field(default_factory=BacktestParams)
    weights: Mapping[str, float] = field(default_factory=_proxy)
    nouns: Mapping[str, tuple[str, str]] = field(default_factory=_proxy)
    actions: tuple[ActionRule, ...] = ()

    def weight(self, category: str | None) -> float:
        if category is None:
            return self.scoring.default_weight
        return float(self.weights.get(category, self.scoring.default_weight))

    def noun(self, category: str, count: int, label: str | None = None) -> str:
        """The Dutch noun for ``count`` incidents of ``category`` (singular or plural)."""
        forms = self.nouns.get(category)
        if forms is None:
            base = (label or category).lower()
            return base if count == 1 else f"incidenten {base}"
        return forms[0] if count == 1 else forms[1]


# --- loading ---------------------------------------------------------------------------------

SECTIONS: dict[str, type] = {
    "scoring": ScoringParams,
    "near_repeat": NearRepeatParams,
    "selection": SelectionParams,
    "briefing": BriefingParams,
    "backtest": BacktestParams,
}
_TOP_LEVEL = {*SECTIONS, "feedback_guard", "weights", "nouns", "action"}


def _check_value(where: str, value: Any, default: Any) -> Any:
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise RulesError(f"{where}: expected true or false")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise RulesError(f"{where}: expected a whole number")
        if value < 0:
            raise RulesError(f"{where}: must not be negative")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RulesError(f"{where}: expected a number")
        if value < 0:
            raise RulesError(f"{where}: must not be negative")
        return float(value)
    if isinstance(default, tuple):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise RulesError(f"{where}: expected a list of texts")
        return tuple(value)
    raise RulesError(f"{where}: unsupported value")


def _section(name: str, raw: Any, cls: type) -> Any:
    if not isinstance(raw, dict):
        raise RulesError(f"[{name}] must be a table")
    defaults = cls()
    known = set(defaults.__dataclass_fields__)
    unknown = sorted(set(raw) - known)
    if unknown:
        raise RulesError(f"[{name}]: unknown key(s) {', '.join(unknown)}")
    missing = sorted(known - set(raw))
    if missing:
        raise RulesError(f"[{name}]: missing key(s) {', '.join(missing)}")
    values = {k: _check_value(f"{name}.{k}", raw[k], getattr(defaults, k)) for k in known}
    return cls(**values)


def _actions(raw: Any, shift_names: set[str] | None) -> tuple[ActionRule, ...]:
    if not isinstance(raw, list):
        raise RulesError("[[action]] must be a list of tables")
    out: list[ActionRule] = []
    allowed = {"kind", "categories", "text", "shifts", "min_share"}
    for i, item in enumerate(raw, 1):
        where = f"action #{i}"
        if not isinstance(item, dict):
            raise RulesError(f"{where}: must be a table")
        unknown = sorted(set(item) - allowed)
        if unknown:
            raise RulesError(f"{where}: unknown key(s) {', '.join(unknown)}")
        kind = item.get("kind")
        if kind not in ACTION_KINDS:
            raise RulesError(f"{where}: kind must be one of {sorted(ACTION_KINDS)}")
        text = item.get("text")
        if not isinstance(text, str) or not text.strip():
            raise RulesError(f"{where}: text is missing")
        names = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
        if names - ACTION_PLACEHOLDERS:
            raise RulesError(
                f"{where}: unknown placeholder(s) {sorted(names - ACTION_PLACEHOLDERS)}; "
                f"allowed: {sorted(ACTION_PLACEHOLDERS)}"
            )
        categories = _check_value(f"{where}.categories", item.get("categories", []), ())
        if not categories:
            raise RulesError(f"{where}: categories must name at least one category")
        shifts = _check_value(f"{where}.shifts", item.get("shifts", []), ())
        if shift_names is not None and set(shifts) - shift_names:
            raise RulesError(f"{where}: unknown shift(s) {sorted(set(shifts) - shift_names)}")
        min_share = _check_value(f"{where}.min_share", item.get("min_share", 0.0), 0.0)
        if min_share > 1:
            raise RulesError(f"{where}.min_share: must lie between 0 and 1")
        out.append(ActionRule(kind, categories, text.strip(), shifts, min_share))
    return tuple(out)


def parse_rules(
    raw: Mapping[str, Any],
    *,
    categories: set[str] | None = None,
    shifts: set[str] | None = None,
) -> Rules:
    """Validate a parsed rules document; ``categories``/``shifts`` (if given) are the known keys."""
    unknown = sorted(set(raw) - _TOP_LEVEL)
    if unknown:
        raise RulesError(f"unknown section(s) {', '.join(unknown)}")
    missing = sorted(_TOP_LEVEL - set(raw))
    if missing:
        raise RulesError(f"missing section(s) {', '.join(missing)}")
    sections = {name: _section(name, raw[name], cls) for name, cls in SECTIONS.items()}
    guard = raw["feedback_guard"]
    if not isinstance(guard, dict) or set(guard) != {"excluded"}:
        raise RulesError("[feedback_guard] must hold exactly the key 'excluded'")
    excluded = _check_value("feedback_guard.excluded", guard["excluded"], ())
    weights_raw = raw["weights"]
    if not isinstance(weights_raw, dict):
        raise RulesError("[weights] must be a table")
    weights = {k: _check_value(f"weights.{k}", v, 0.0) for k, v in weights_raw.items()}
    nouns_raw = raw["nouns"]
    if not isinstance(nouns_raw, dict):
        raise RulesError("[nouns] must be a table")
    nouns: dict[str, tuple[str, str]] = {}
    for key, forms in nouns_raw.items():
        pair = _check_value(f"nouns.{key}", forms, ())
        if len(pair) != 2:
            raise RulesError(f"nouns.{key}: give [singular, plural]")
        nouns[key] = (pair[0], pair[1])
    rules = Rules(
        scoring=sections["scoring"],
        near_repeat=sections["near_repeat"],
        excluded=excluded,
        selection=sections["selection"],
        briefing=sections["briefing"],
        backtest=sections["backtest"],
        weights=MappingProxyType(weights),
        nouns=MappingProxyType(nouns),
        actions=_actions(raw["action"], shifts),
    )
    _check_ranges(rules)
    if categories is not None:
        named = {
            *rules.excluded,
            *rules.weights,
            *rules.nouns,
            *rules.near_repeat.categories,
            *rules.briefing.notable_categories,
            *(c for a in rules.actions for c in a.categories),
        }
        if named - categories:
            raise RulesError(f"unknown category key(s) {', '.join(sorted(named - categories))}")
    return rules


def _check_ranges(rules: Rules) -> None:
    s, nr, sel = rules.scoring, rules.near_repeat, rules.selection
    checks = [
        (s.long_term_days >= 1, "scoring.long_term_days must be at least 1"),
        (s.cell_size_m > 0, "scoring.cell_size_m must be above 0"),
        (sel.max_hotspots >= 1, "selection.max_hotspots must be at least 1"),
        (
            sel.max_hotspot_m >= s.cell_size_m,
            "selection.max_hotspot_m must be at least scoring.cell_size_m",
        ),
        (s.recent_days >= 1, "scoring.recent_days must be at least 1"),
        (s.recent_half_life_days > 0, "scoring.recent_half_life_days must be above 0"),
        (s.recent_share <= 1, "scoring.recent_share must lie between 0 and 1"),
        (s.profile_shrinkage <= 1, "scoring.profile_shrinkage must lie between 0 and 1"),
        (s.neighbour_weight <= 1, "scoring.neighbour_weight must lie between 0 and 1"),
        (nr.days >= 1, "near_repeat.days must be at least 1"),
        (nr.distance_m > 0, "near_repeat.distance_m must be above 0"),
        (sel.top_n >= 1, "selection.top_n must be at least 1"),
        (sel.max_cells_per_hotspot >= 1, "selection.max_cells_per_hotspot must be at least 1"),
        (sel.min_evidence >= 2, "selection.min_evidence must be at least 2"),
        (rules.briefing.since_hours >= 1, "briefing.since_hours must be at least 1"),
        (rules.briefing.average_days >= 1, "briefing.average_days must be at least 1"),
        (0 < rules.briefing.kpi_alpha < 1, "briefing.kpi_alpha must lie between 0 and 1"),
        (rules.backtest.horizon_days >= 1, "backtest.horizon_days must be at least 1"),
    ]
    for ok, message in checks:
        if not ok:
            raise RulesError(message)


def load_rules(
    path: str | Path, *, categories: set[str] | None = None, shifts: set[str] | None = None
) -> Rules:
    """Read and validate ``config/rules.toml`` (errors name the file and the key)."""
    p = Path(path)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RulesError(f"rules file not found: {p}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"{p}: cannot be read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{p}: not valid TOML: {exc}") from exc
    try:
        return parse_rules(raw, categories=categories, shifts=shifts)
    except RulesError as exc:
        raise RulesError(f"{p}: {exc}") from exc


def fingerprint_sources() -> list[Path]:
    """The source files of all code that shapes a hotspot: every ``briefing`` module and the
    module that holds the grid class (found through the class, so it follows the grid wherever
    it lives)."""
    import inspect

    from briefing import history

    sources = {p.resolve() for p in Path(__file__).parent.glob("*.py")}
    grid_module = inspect.getsourcefile(history.Grid)
    if grid_module is not None:
        sources.add(Path(grid_module).resolve())
    return sorted(sources)


def code_fingerprint() -> str:
    """Package version plus a hash of :func:`fingerprint_sources` (every ``briefing`` module,
    the grid's ``lattice.py`` included): changes when the rules code does."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("vis")
    except PackageNotFoundError:  # run from a source tree that was never installed
        release = "0+source"
    digest = hashlib.sha256()
    for source in fingerprint_sources():
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return f"{release}+{digest.hexdigest()[:12]}"


def rules_version(
    rules_text: bytes, code: str | None = None, calibration: str | None = None
) -> str:
    """``r<hash>``: a hash of the rules file's bytes, the code version and, when the rules were
    calibrated (``vis calibrate``), the active calibration's tag
    (:func:`briefing.calibration_params.calibration_tag`). Without a calibration the hash is the
    same as before calibrations existed."""
    digest = hashlib.sha256(rules_text)
    digest.update(b"\0")
    digest.update((code if code is not None else code_fingerprint()).encode())
    if calibration is not None:
        digest.update(b"\0calibration\0")
        digest.update(calibration.encode())
    return f"r{digest.hexdigest()[:16]}"
