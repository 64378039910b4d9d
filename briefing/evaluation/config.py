"""Read and validate ``config/pilots.toml``: the pilots, the programme's targets, outside figures.

The file is read by one typed model (:class:`briefing.evaluation.pilots_file.PilotsFile`); every key
it may hold is in :data:`KEY_DOCS` (a test checks that the shipped file uses no other key and that
the README documents each). Unknown keys, missing keys and bad values raise
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
from briefing.evaluation.pilots_file import (
    AreaTable,
    PilotConfigError,
    PilotTable,
    key_docs,
    validate,
)

#: Every key of pilots.toml with its meaning ("[]" marks an array of tables), from the typed model.
KEY_DOCS: dict[str, str] = key_docs()


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


def _period(days: tuple[dt.date, dt.date], where: str) -> Period:
    try:
        return Period(days[0], days[1])
    except ValueError as exc:
        raise PilotConfigError(f"{where}: {exc}") from exc


def _area(table: AreaTable, where: str) -> AreaSet:
    try:
        return AreaSet(kind=table.kind, codes=tuple(table.codes), buffer_m=table.buffer_m)  # type: ignore[arg-type]
    except ValueError as exc:
        raise PilotConfigError(f"{where}: {exc}") from exc


def _pilot(table: PilotTable) -> Pilot:
    where = f"pilot {table.name!r}"
    try:
        return Pilot(
            name=table.name,
            label=table.label or table.name,
            description=table.description,
            baseline=_period(table.baseline, f"{where}.baseline"),
            pilot=_period(table.period, f"{where}.period"),
            treatment=_area(table.treatment, f"{where}.treatment"),
            control=_area(table.control, f"{where}.control"),
            buffer=None if table.buffer is None else _area(table.buffer, f"{where}.buffer"),
            categories=tuple(table.categories),
            alpha=table.alpha,
            did_model=table.did_model,
            rate_test=table.rate_test,
        )
    except PilotConfigError:
        raise
    except ValueError as exc:
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
    """Validate the parsed TOML of pilots.toml (:class:`PilotsFile`) and build its parameters."""
    file = validate(data)
    t = file.targets
    try:
        targets = Targets(
            year=t.year,
            woninginbraak_per_1000=t.woninginbraak_per_1000,
            attempt_share_pct=t.attempt_share_pct,
            jeugdoverlast_pct=t.jeugdoverlast_pct,
            burgernet_participants=t.burgernet_participants,
        )
    except ValueError as exc:
        raise PilotConfigError(f"targets: {exc}") from exc
    if any(v is not None for k, v in vars(targets).items() if k != "year") and not t.source:
        raise PilotConfigError("targets.source ontbreekt: noem waar de doelen vandaan komen")
    outside = []
    for i, raw in enumerate(file.outside):
        try:
            outside.append(
                OutsideFigure(
                    key=raw.key,
                    label=raw.label,
                    unit=raw.unit,
                    value=raw.value,
                    year=raw.year,
                    source=raw.source,
                )
            )
        except ValueError as exc:
            raise PilotConfigError(f"outside[{i}]: {exc}") from exc
    pilots = tuple(_pilot(raw) for raw in file.pilot)
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
    return PilotConfig(targets, t.source, tuple(outside), pilots)


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
