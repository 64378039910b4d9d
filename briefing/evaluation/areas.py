"""Which incidents lie in a pilot's treatment, buffer and control area, and their populations.

Groups made of wijken or gebieden must not share a wijk: that is an error naming the wijken
(:class:`~briefing.evaluation.config.PilotConfigError`), because a wijk counted for one group
would vanish from the other's population and difference-in-differences units alike. Shapes
(cells, hotspots and their rings) are resolved by precedence: treatment wins over buffer, buffer
over control, for incidents and DiD units alike (shapes have no population). Wijken and gebieden
go by the incident's wijk (``area_code``); cells by the incident's grid cell; the briefed hotspots
by point in polygon. A buffer with ``buffer_m`` is a ring of that width around the treatment
shape (hotspots or cells). ``rest`` is every incident with a known wijk outside the other two.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from shapely import geometry as sgeom
from shapely.ops import unary_union

from briefing.evaluation.config import PilotConfigError
from briefing.evaluation.params import BUFFER, CONTROL, GROUP_LABELS, TREATMENT, AreaSet, Pilot
from briefing.lattice import Grid


@dataclass(frozen=True)
class Assignment:
    group: pd.Series  # per incident: behandeling, buffer, controle or None
    populations: dict[str, float | None]  # per group
    wijken: dict[str, frozenset[str]]  # per group, when it is a set of wijken
    notes: tuple[str, ...]


def _cells_shape(codes: tuple[str, ...], grid: Grid) -> shapely.Geometry:
    boxes = []
    for code in codes:
        boxes.append(sgeom.box(*grid.id_bounds(code)))
    return unary_union(boxes)


def _wijken_of(area: AreaSet, areas: pd.DataFrame) -> frozenset[str] | None:
    if area.kind == "wijken":
        return frozenset(area.codes)
    if area.kind == "gebieden":
        return frozenset(areas.loc[areas["gebied"].isin(area.codes), "code"])
    return None


def check_overlap(roles: list[tuple[str, AreaSet]], areas: pd.DataFrame) -> None:
    """Refuse groups of wijken or gebieden that share a wijk, naming the wijken."""
    seen: list[tuple[str, frozenset[str]]] = []
    clashes = []
    for role, area in roles:
        members = _wijken_of(area, areas)
        if members is None:
            continue
        for other, theirs in seen:
            shared = sorted(members & theirs)
            if shared:
                clashes.append(
                    f"{', '.join(shared)} in zowel {GROUP_LABELS[other]} als {GROUP_LABELS[role]}"
                )
        seen.append((role, members))
    if clashes:
        raise PilotConfigError(f"overlappende gebieden: {'; '.join(clashes)}")


def assign_groups(
    incidents: pd.DataFrame,
    pilot: Pilot,
    areas: pd.DataFrame,
    hotspot_shape: shapely.Geometry | None,
    grid: Grid,
) -> Assignment:
    """Group of each incident (``area_code``, ``x``, ``y``) and the population of each group.

    ``areas`` has ``code``, ``gebied`` and ``inhabitants`` of the municipality's wijken;
    ``hotspot_shape`` is the union of the pilot period's briefed hotspots (metric CRS).
    """
    n = len(incidents)
    xs = incidents["x"].to_numpy(float) if n else np.zeros(0)
    ys = incidents["y"].to_numpy(float) if n else np.zeros(0)
    located = np.isfinite(xs) & np.isfinite(ys)
    codes = incidents["area_code"] if n else pd.Series([], dtype=object)
    population = dict(zip(areas["code"], pd.to_numeric(areas["inhabitants"]), strict=True))
    notes: list[str] = []
    taken = np.zeros(n, dtype=bool)
    group = np.full(n, None, dtype=object)
    shapes: dict[str, shapely.Geometry] = {}
    pops: dict[str, float | None] = {}
    wijken: dict[str, frozenset[str]] = {}

    def inside(shape: shapely.Geometry) -> np.ndarray:
        mask = np.zeros(n, dtype=bool)
        if n and not shape.is_empty and located.any():
            mask[located] = shapely.intersects_xy(shape, xs[located], ys[located])
        return mask

    roles: list[tuple[str, AreaSet]] = [(TREATMENT, pilot.treatment)]
    if pilot.buffer is not None:
        roles.append((BUFFER, pilot.buffer))
    roles.append((CONTROL, pilot.control))
    check_overlap(roles, areas)
    for role, area in roles:
        members = _wijken_of(area, areas)
        shape: shapely.Geometry | None = None
        if members is not None:
            mask = codes.isin(members).to_numpy().copy()
            wijken[role] = members
            pops[role] = float(sum(population.get(c, 0) or 0 for c in members)) or None
        elif area.kind == "rest":
            mask = (codes.notna() & codes.isin(population)).to_numpy().copy()
            used = set().union(*wijken.values()) if wijken else set()
            if len(wijken) == len(roles) - 1:  # every other group is a set of wijken
                rest = frozenset(population) - used
                wijken[role] = rest
                pops[role] = float(sum(population[c] or 0 for c in rest)) or None
            else:
                pops[role] = None
        else:
            if area.kind == "cellen":
                shape = _cells_shape(area.codes, grid)
            else:
                shape = hotspot_shape if hotspot_shape is not None else sgeom.Polygon()
                if shape.is_empty:
                    notes.append(
                        f"{role}: geen opgeslagen briefings met hotspots in de pilotperiode"
                    )
            if area.buffer_m > 0:
                base = shapes.get(TREATMENT, shape)
                shape = base.buffer(area.buffer_m).difference(base)
            shapes[role] = shape
            mask = inside(shape)
            pops[role] = None
        mask &= ~taken
        group[mask] = role
        taken |= mask
    if any(v is None for v in pops.values()):
        notes.append(
            "geen inwonertal voor cellen of hotspots: vergelijkingen per dag, niet per inwoner"
        )
    return Assignment(pd.Series(group, index=incidents.index), pops, wijken, tuple(notes))


def unit_map(
    assignment: Assignment, areas: pd.DataFrame
) -> tuple[dict[str, str], Mapping[str, tuple[bool, float | None]]]:
    """Units of the difference-in-differences: wijken when every group is a set of wijken, else
    the groups themselves. Returns (wijk or group → unit, unit → (treated, inhabitants))."""
    groups = [g for g in (TREATMENT, CONTROL) if g in assignment.populations]
    if all(g in assignment.wijken for g in groups):
        population = dict(zip(areas["code"], pd.to_numeric(areas["inhabitants"]), strict=True))
        units: dict[str, tuple[bool, float | None]] = {}
        for g in groups:
            for code in sorted(assignment.wijken[g]):
                units[code] = (g == TREATMENT, float(population.get(code) or 0) or None)
        return {c: c for c in units}, units
    return {g: g for g in groups}, {g: (g == TREATMENT, assignment.populations[g]) for g in groups}
