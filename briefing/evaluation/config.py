"""Read and validate ``config/pilots.toml``: the pilots, the programme's targets, outside figures.

Every key the file may hold is in :data:`KEY_DOCS` (a test checks that the shipped file uses no
other key and that the README documents each). Unknown keys, missing keys and bad values raise
:class:`PilotConfigError` with a message that names the key. :func:`dump_pilots` writes a
configuration back as TOML, so the evaluator's page can save edits.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefing.evaluation.params import AreaSet, OutsideFigure, Period, Pilot, Targets


class PilotConfigError(ValueError):
    """pilots.toml is missing, not TOML, or holds an unknown, missing or invalid key."""


#: Every key of pilots.toml with its meaning ("[]" marks an array of tables).
KEY_DOCS: dict[str, str] = {
    "targets": "The programme's targets, shown beside the indicators.",
    "targets.year": "Year the targets are for (e.g. 2017).",
    "targets.source": "Where the targets come from (document, year).",
    "targets.woninginbraak_per_1000": "Woninginbraken per 1,000 inhabitants per year, at most.",
    "targets.attempt_share_pct": "Attempts among woninginbraken in %, at least (45 = 45:55).",
    "targets.jeugdoverlast_pct": "Residents troubled by youth groups (survey), % at most.",
    "targets.burgernet_participants": "Burgernet participants, at least.",
    "outside[]": "A survey or outside figure, entered by hand.",
    "outside[].key": "Identifier (jeugdoverlast_pct and burgernet_deelnemers meet their target).",
    "outside[].label": "Dutch description shown to the reader.",
    "outside[].unit": "Unit, e.g. % or deelnemers.",
    "outside[].value": "The figure; leave it out when unknown (shown as 'niet ingevuld').",
    "outside[].year": "Year of the figure; may be left out.",
    "outside[].source": "Where the figure comes from; required when value is given.",
    "pilot[]": "One pilot to evaluate.",
    "pilot[].name": "Short unique name, used by `vis evaluate --pilot NAME`.",
    "pilot[].label": "Dutch title.",
    "pilot[].description": "What was done, where and by whom.",
    "pilot[].baseline": "Baseline period: [first day, last day], inclusive.",
    "pilot[].period": "Pilot period: [first day, last day], inclusive; after the baseline.",
    "pilot[].categories": "Category keys the pilot aims at; empty or absent: all misdrijven.",
    "pilot[].alpha": "Significance level of the tests (default 0.05).",
    "pilot[].did_model": "Difference-in-differences model: poisson (default) or negbin.",
    "pilot[].rate_test": "Rate-ratio test: exact-cond (default) or score.",
    "pilot[].treatment": "Treatment area (an area table, below).",
    "pilot[].control": "Control area (an area table).",
    "pilot[].buffer": "Displacement buffer around the treatment area (an area table; optional).",
    "area.kind": "wijken, gebieden (names as in gebieden.toml), cellen (grid cell ids), "
    "hotspots (the briefed hotspots of the pilot period) or rest (everything else).",
    "area.codes": "Codes of the wijken, names of the gebieden or ids of the cells.",
    "area.buffer_m": "For a buffer of kind hotspots or cellen: ring width in metres.",
}

_AREA_KEYS = {"kind", "codes", "buffer_m"}


@dataclass(frozen=True)
class PilotConfig:
    targets: Targets
    targets_source: str
    outside: tuple[OutsideFigure, ...]
    pilots: tuple[Pilot, ...]

    def names(self) -> list[str]:
        return [p.name for p in self.pilots]

    def pilot(self, name: str) -> Pilot:
        for p in self.pilots:
            if p.name == name:
                return p
        known = ", ".join(self.names()) or "geen"
        raise PilotConfigError(f"geen pilot {name!r} in de configuratie (bekend: {known})")


def _check_keys(table: Mapping[str, Any], allowed: Iterable[str], where: str) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise PilotConfigError(f"{where}: onbekende sleutel(s) {', '.join(unknown)}")


def _require(table: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in table:
        raise PilotConfigError(f"{where}.{key} ontbreekt")
    return table[key]


def _period(value: Any, where: str) -> Period:
    if not (isinstance(value, list) and len(value) == 2):
        raise PilotConfigError(f"{where}: verwacht [eerste dag, laatste dag]")
    days = []
    for v in value:
        if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            days.append(v)
            continue
        try:
            days.append(dt.date.fromisoformat(str(v)))
        except ValueError as exc:
            raise PilotConfigError(f"{where}: geen datum jjjj-mm-dd: {v!r}") from exc
    try:
        return Period(days[0], days[1])
    except ValueError as exc:
        raise PilotConfigError(f"{where}: {exc}") from exc


def _area(value: Any, where: str) -> AreaSet:
    if not isinstance(value, dict):
        raise PilotConfigError(f"{where}: verwacht een tabel met kind en codes")
    _check_keys(value, _AREA_KEYS, where)
    codes = value.get("codes", [])
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise PilotConfigError(f"{where}.codes: verwacht een lijst met teksten")
    try:
        return AreaSet(
            kind=_require(value, "kind", where),
            codes=tuple(codes),
            buffer_m=float(value.get("buffer_m", 0.0)),
        )
    except (ValueError, TypeError) as exc:
        raise PilotConfigError(f"{where}: {exc}") from exc


def _pilot(raw: Any, i: int) -> Pilot:
    where = f"pilot[{i}]"
    if not isinstance(raw, dict):
        raise PilotConfigError(f"{where}: verwacht een tabel")
    allowed = {k.removeprefix("pilot[].") for k in KEY_DOCS if k.startswith("pilot[].")}
    _check_keys(raw, allowed, where)
    name = str(_require(raw, "name", where))
    where = f"pilot {name!r}"
    buffer = raw.get("buffer")
    categories = raw.get("categories", [])
    if not isinstance(categories, list):
        raise PilotConfigError(f"{where}.categories: verwacht een lijst")
    try:
        return Pilot(
            name=name,
            label=str(raw.get("label", name)),
            description=str(raw.get("description", "")),
            baseline=_period(_require(raw, "baseline", where), f"{where}.baseline"),
            pilot=_period(_require(raw, "period", where), f"{where}.period"),
            treatment=_area(_require(raw, "treatment", where), f"{where}.treatment"),
            control=_area(_require(raw, "control", where), f"{where}.control"),
            buffer=None if buffer is None else _area(buffer, f"{where}.buffer"),
            categories=tuple(str(c) for c in categories),
            alpha=float(raw.get("alpha", 0.05)),
            did_model=raw.get("did_model", "poisson"),
            rate_test=raw.get("rate_test", "exact-cond"),
        )
    except PilotConfigError:
        raise
    except (ValueError, TypeError) as exc:
        raise PilotConfigError(f"{where}: {exc}") from exc


def _check_same_kind_overlap(pilot: Pilot) -> None:
    """Treatment, buffer and control of the same kind must not share a code (wijken of gebieden
    in different kinds are checked against the areas when the pilot is evaluated)."""
    roles = [("treatment", pilot.treatment), ("buffer", pilot.buffer), ("control", pilot.control)]
    clashes = []
    for i, (role, area) in enumerate(roles):
        for other, theirs in roles[i + 1 :]:
            if area is None or theirs is None or area.kind != theirs.kind:
                continue
            shared = sorted(set(area.codes) & set(theirs.codes))
            if shared:
                clashes.append(f"{', '.join(shared)} in zowel {role} als {other}")
    if clashes:
        raise PilotConfigError(f"pilot {pilot.name!r}: overlappende gebieden: {'; '.join(clashes)}")


def parse_pilots(data: Mapping[str, Any], *, known_categories: Iterable[str] = ()) -> PilotConfig:
    """Validate the parsed TOML of pilots.toml."""
    _check_keys(data, {"targets", "outside", "pilot"}, "pilots.toml")
    t = data.get("targets", {})
    _check_keys(
        t, {k.removeprefix("targets.") for k in KEY_DOCS if k.startswith("targets.")}, "targets"
    )
    try:
        targets = Targets(
            year=t.get("year"),
            woninginbraak_per_1000=t.get("woninginbraak_per_1000"),
            attempt_share_pct=t.get("attempt_share_pct"),
            jeugdoverlast_pct=t.get("jeugdoverlast_pct"),
            burgernet_participants=t.get("burgernet_participants"),
        )
    except (ValueError, TypeError) as exc:
        raise PilotConfigError(f"targets: {exc}") from exc
    if any(v is not None for k, v in vars(targets).items() if k != "year") and not t.get("source"):
        raise PilotConfigError("targets.source ontbreekt: noem waar de doelen vandaan komen")
    outside = []
    allowed_out = {k.removeprefix("outside[].") for k in KEY_DOCS if k.startswith("outside[].")}
    for i, raw in enumerate(data.get("outside", [])):
        where = f"outside[{i}]"
        _check_keys(raw, allowed_out, where)
        value = raw.get("value")
        if value is not None and not isinstance(value, int | float):
            raise PilotConfigError(f"{where}.value: verwacht een getal")
        try:
            outside.append(
                OutsideFigure(
                    key=str(_require(raw, "key", where)),
                    label=str(_require(raw, "label", where)),
                    unit=str(raw.get("unit", "")),
                    value=None if value is None else float(value),
                    year=raw.get("year"),
                    source=str(raw.get("source", "")),
                )
            )
        except ValueError as exc:
            raise PilotConfigError(f"{where}: {exc}") from exc
    pilots = tuple(_pilot(raw, i) for i, raw in enumerate(data.get("pilot", [])))
    names = [p.name for p in pilots]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise PilotConfigError(f"pilotnamen komen dubbel voor: {', '.join(dupes)}")
    for p in pilots:
        _check_same_kind_overlap(p)
    known = set(known_categories)
    for p in pilots:
        unknown = sorted(set(p.categories) - known) if known else []
        if unknown:
            raise PilotConfigError(f"pilot {p.name!r}.categories: onbekend {', '.join(unknown)}")
    return PilotConfig(targets, str(t.get("source", "")), tuple(outside), pilots)


def load_pilots(path: Path, *, known_categories: Iterable[str] = ()) -> PilotConfig:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PilotConfigError(f"pilotconfiguratie niet gevonden: {path}") from exc
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PilotConfigError(f"{path}: {exc}") from exc
    try:
        return parse_pilots(data, known_categories=known_categories)
    except PilotConfigError as exc:
        raise PilotConfigError(f"{path}: {exc}") from exc


def check_codes(config: PilotConfig, wijken: Iterable[str], gebieden: Iterable[str]) -> None:
    """Refuse area codes that are not configured wijken or gebieden."""
    known = {"wijken": set(wijken), "gebieden": set(gebieden)}
    for p in config.pilots:
        for role, area in (
            ("treatment", p.treatment),
            ("control", p.control),
            ("buffer", p.buffer),
        ):
            if area is None or area.kind not in known:
                continue
            unknown = sorted(set(area.codes) - known[area.kind])
            if unknown:
                raise PilotConfigError(
                    f"pilot {p.name!r}.{role}: onbekende {area.kind} {', '.join(unknown)}"
                )


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def _area_table(area: AreaSet) -> str:
    parts = [f'kind = "{area.kind}"', f"codes = {_toml_value(list(area.codes))}"]
    if area.buffer_m:
        parts.append(f"buffer_m = {area.buffer_m!r}")
    return "{ " + ", ".join(parts) + " }"


def dump_pilots(config: PilotConfig) -> str:
    """The configuration as TOML that :func:`parse_pilots` reads back to an equal object."""
    lines = ["[targets]"]
    for key, value in [("source", config.targets_source), *vars(config.targets).items()]:
        if value not in (None, ""):
            lines.append(f"{key} = {_toml_value(value)}")
    for f in config.outside:
        lines += [
            "",
            "[[outside]]",
            f"key = {_toml_value(f.key)}",
            f"label = {_toml_value(f.label)}",
        ]
        lines.append(f"unit = {_toml_value(f.unit)}")
        if f.value is not None:
            lines.append(f"value = {f.value!r}")
        if f.year is not None:
            lines.append(f"year = {f.year}")
        lines.append(f"source = {_toml_value(f.source)}")
    for p in config.pilots:
        lines += [
            "",
            "[[pilot]]",
            f"name = {_toml_value(p.name)}",
            f"label = {_toml_value(p.label)}",
        ]
        lines.append(f"description = {_toml_value(p.description)}")
        lines.append(f"baseline = {_toml_value([p.baseline.start, p.baseline.end])}")
        lines.append(f"period = {_toml_value([p.pilot.start, p.pilot.end])}")
        lines.append(f"categories = {_toml_value(list(p.categories))}")
        lines += [
            f"alpha = {p.alpha!r}",
            f'did_model = "{p.did_model}"',
            f'rate_test = "{p.rate_test}"',
        ]
        lines += [f"treatment = {_area_table(p.treatment)}", f"control = {_area_table(p.control)}"]
        if p.buffer is not None:
            lines.append(f"buffer = {_area_table(p.buffer)}")
    return "\n".join(lines) + "\n"
