"""The typed model of ``pilots.toml``: every key with its type, default and meaning.

:func:`briefing.evaluation.config.parse_pilots` validates the file against :class:`PilotsFile`
(unknown keys, missing keys and wrong types are refused with a Dutch message naming the key), then
builds the frozen evaluation parameters from it. The configuration docs are generated from these
models (``python -m vis.settings_doc``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class PilotConfigError(ValueError):
    """pilots.toml is missing, not TOML, or holds an unknown, missing or invalid key."""


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AreaTable(_Table):
    """An area of a pilot: treatment, control or buffer."""

    kind: str = Field(
        description="wijken, gebieden (names as in gebieden.toml), cellen (grid cell ids), "
        "hotspots (the briefed hotspots of the pilot period) or rest (every place with a known "
        "wijk outside treatment and buffer)."
    )
    codes: list[str] = Field(
        default_factory=list, description="Codes of the wijken, names of the gebieden or cell ids."
    )
    buffer_m: float = Field(
        0.0, description="For a buffer of kind hotspots or cellen: ring width in metres."
    )


class TargetsTable(_Table):
    year: int | None = Field(None, description="Year the targets are for (e.g. 2017).")
    source: str = Field(
        "", description="Where the targets come from (document, year); required with a target."
    )
    woninginbraak_per_1000: float | None = Field(
        None, description="Woninginbraken per 1,000 inhabitants per year, at most."
    )
    attempt_share_pct: float | None = Field(
        None, description="Attempts among woninginbraken in %, at least (45 = 45:55)."
    )
    jeugdoverlast_pct: float | None = Field(
        None, description="Residents troubled by youth groups (survey), % at most."
    )
    burgernet_participants: int | None = Field(
        None, description="Burgernet participants, at least."
    )


class OutsideTable(_Table):
    key: str = Field(
        description="Identifier (jeugdoverlast_pct and burgernet_deelnemers meet their target)."
    )
    label: str = Field(description="Dutch description shown to the reader.")
    unit: str = Field("", description="Unit, e.g. % or deelnemers.")
    value: float | None = Field(
        None, description="The figure; leave it out when unknown (shown as 'niet ingevuld')."
    )
    year: int | None = Field(None, description="Year of the figure; may be left out.")
    source: str = Field(
        "", description="Where the figure comes from; required when value is given."
    )


class PilotTable(_Table):
    name: str = Field(description="Short unique name, used by `vis evaluate --pilot NAME`.")
    label: str = Field("", description="Dutch title (default: the name).")
    description: str = Field("", description="What was done, where and by whom.")
    baseline: tuple[dt.date, dt.date] = Field(
        description="Baseline period: [first day, last day], inclusive."
    )
    period: tuple[dt.date, dt.date] = Field(
        description="Pilot period: [first day, last day], inclusive; after the baseline."
    )
    categories: list[str] = Field(
        default_factory=list,
        description="Category keys the pilot aims at; empty or absent: all misdrijven.",
    )
    alpha: float = Field(0.05, gt=0, lt=1, description="Significance level of the tests.")
    did_model: Literal["poisson", "negbin"] = Field(
        "poisson", description="Difference-in-differences model: poisson or negbin."
    )
    rate_test: Literal["exact-cond", "score"] = Field(
        "exact-cond", description="Rate-ratio test: exact-cond or score."
    )
    treatment: AreaTable = Field(description="Treatment area (an area table).")
    control: AreaTable = Field(description="Control area (an area table).")
    buffer: AreaTable | None = Field(
        None, description="Displacement buffer around the treatment area (an area table)."
    )


class PilotsFile(_Table):
    """The whole of ``pilots.toml``."""

    targets: TargetsTable = Field(
        default_factory=TargetsTable,
        description="The programme's targets, shown beside the indicators.",
    )
    outside: list[OutsideTable] = Field(
        default_factory=list, description="Surveys and outside figures, entered by hand."
    )
    pilot: list[PilotTable] = Field(default_factory=list, description="The pilots to evaluate.")


def key_docs() -> dict[str, str]:
    """Every key of the file with its meaning, as the README lists them: ``pilot[].treatment``
    for an area table and ``area.kind`` for the keys inside one ("[]": an array of tables)."""
    docs: dict[str, str] = {}
    tables: dict[str, tuple[type[BaseModel], str]] = {
        "targets": (TargetsTable, "."),
        "outside": (OutsideTable, "[]."),
        "pilot": (PilotTable, "[]."),
    }
    for name, info in PilotsFile.model_fields.items():
        model, joint = tables[name]
        docs[name + ("[]" if joint == "[]." else "")] = info.description or ""
        for key, sub in model.model_fields.items():
            docs[f"{name}{joint}{key}"] = sub.description or ""
    for key, sub in AreaTable.model_fields.items():
        docs[f"area.{key}"] = sub.description or ""
    return docs


def _place(loc: tuple[int | str, ...], data: Mapping[str, Any]) -> str:
    """``pilot 'naam'`` (or ``pilot[2]``) and the dotted keys below it, for a message."""
    parts: list[str] = []
    for i, step in enumerate(loc):
        if isinstance(step, int):
            if i == 1 and loc[0] == "pilot":
                pilots = data.get("pilot", [])
                raw = pilots[step] if isinstance(pilots, list) and step < len(pilots) else {}
                name = raw.get("name") if isinstance(raw, dict) else None
                parts[-1] = f"pilot {name!r}" if name else f"pilot[{step}]"
            elif parts:
                parts[-1] += f"[{step}]"
            continue
        parts.append(str(step))
    return ".".join(parts) or "pilots.toml"


def _message(error: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    loc: tuple[int | str, ...] = tuple(error["loc"])
    kind = str(error["type"])
    if kind == "extra_forbidden":
        return f"{_place(loc[:-1], data)}: onbekende sleutel(s) {loc[-1]}"
    if kind == "missing":
        return f"{_place(loc, data)} ontbreekt"
    if kind.startswith("date"):
        # a day of a period: name the period, not the position inside it
        where = loc[:-1] if isinstance(loc[-1], int) else loc
        return f"{_place(where, data)}: geen datum jjjj-mm-dd: {error.get('input')!r}"
    return f"{_place(loc, data)}: {error['msg']}"


def validate(data: Mapping[str, Any]) -> PilotsFile:
    """The parsed file as a :class:`PilotsFile`; :class:`PilotConfigError` names every key that
    is unknown, missing or of the wrong type."""
    try:
        return PilotsFile.model_validate(data)
    except ValidationError as exc:
        raise PilotConfigError("; ".join(_message(e, data) for e in exc.errors())) from None
