"""The incident history as arrays, prepared once and scored for many cut-offs.

:func:`prepare` turns an incident DataFrame (the columns of :data:`INCIDENT_COLUMNS`, times
UTC-aware) into a :class:`History`: sorted by the start of the incident window, with category
indices, cell indices and the aoristic shares per shift and weekday. Nothing in it depends on a
cut-off; every selection by Kennisname happens in the scoring.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from briefing.aoristic import local_minutes, shift_fractions, shift_masks
from briefing.grid import Frame
from briefing.lattice import Grid
from briefing.params import Rules, ShiftDef

#: Columns the briefing reads; ``end_at`` may be empty (a point in time), ``x``/``y`` too.
INCIDENT_COLUMNS: tuple[str, ...] = (
    "id",
    "category",
    "street",
    "begin_at",
    "end_at",
    "known_at",
    "arrests",
    "x",
    "y",
    "area_code",
)
#: Category key used for incidents without a category (unmapped codes).
UNMAPPED = ""

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def empty_incidents() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in INCIDENT_COLUMNS})
    for c in ("begin_at", "end_at", "known_at"):
        frame[c] = pd.Series(dtype="datetime64[ns, UTC]")
    for c in ("x", "y"):
        frame[c] = pd.Series(dtype=float)
    frame["arrests"] = pd.Series(dtype=float)
    return frame


def _seconds(values: pd.Series) -> IntArray:
    ts = pd.to_datetime(values, utc=True)
    ns = ts.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    return ns // 1_000_000_000


@dataclass(frozen=True)
class History:
    """Incidents as parallel arrays, sorted by ``begin_s`` (UTC epoch seconds)."""

    frame: Frame
    shifts: tuple[ShiftDef, ...]
    timezone: str
    categories: tuple[str, ...]
    cat: IntArray
    cell: IntArray
    begin_s: IntArray
    known_s: IntArray
    frac: npt.NDArray[np.float32]
    x: FloatArray
    y: FloatArray
    arrests: IntArray
    street: npt.NDArray[np.object_]
    area: npt.NDArray[np.object_]
    begin_local_min: IntArray
    usable: npt.NDArray[np.bool_]
    weights: FloatArray
    #: The incidents' own ids (``id`` column), for what a briefing lists one by one.
    ids: npt.NDArray[np.object_]

    @property
    def n(self) -> int:
        return int(self.begin_s.size)

    def shift_index(self, name: str) -> int:
        for i, s in enumerate(self.shifts):
            if s.name == name:
                return i
        raise KeyError(name)


def scoring_grid(grid: Grid, rules: Rules) -> Grid:
    """The lattice VIS scores on: ``grid``'s origin with the rules' ``scoring.cell_size_m``."""
    if grid.size == rules.scoring.cell_size_m:
        return grid
    return type(grid)(rules.scoring.cell_size_m, grid.origin_x, grid.origin_y)


def prepare(
    incidents: pd.DataFrame,
    *,
    grid: Grid,
    shifts: Sequence[ShiftDef],
    timezone: str,
    rules: Rules,
    frame: Frame | None = None,
) -> History:
    """Arrays for scoring; ``usable`` marks incidents with a cell and outside the feedback guard."""
    missing = [c for c in INCIDENT_COLUMNS if c not in incidents.columns]
    if missing:
        raise ValueError(f"incident frame lacks column(s): {', '.join(missing)}")
    df = incidents.loc[:, list(INCIDENT_COLUMNS)]
    begin = _seconds(df["begin_at"])
    order = np.argsort(begin, kind="stable")
    df = df.iloc[order].reset_index(drop=True)
    begin = begin[order]
    x = pd.to_numeric(df["x"], errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(df["y"], errors="coerce").to_numpy(dtype=float)
    if frame is None:
        frame = Frame.around(grid, x, y)
    cell = frame.flat_index(x, y)
    cat_text = df["category"].fillna(UNMAPPED).astype(str)
    categories = tuple(sorted(set(cat_text.tolist())))
    cat = np.searchsorted(np.array(categories, dtype=object), cat_text.to_numpy(dtype=object))
    begin_min = local_minutes(df["begin_at"], timezone)
    end_at = df["end_at"].where(df["end_at"].notna(), df["begin_at"])
    end_min = local_minutes(end_at, timezone)
    frac = shift_fractions(begin_min, end_min, shift_masks(shifts))
    excluded = np.isin(np.array(categories, dtype=object), list(rules.excluded))
    usable = (cell >= 0) & ~excluded[cat]
    weights = np.array([rules.weight(c or None) for c in categories], dtype=float)
    arrests = pd.to_numeric(df["arrests"], errors="coerce").fillna(0).to_numpy(dtype=np.int64)
    return History(
        frame=frame,
        shifts=tuple(shifts),
        timezone=timezone,
        categories=categories,
        cat=cat.astype(np.int64),
        cell=cell,
        begin_s=begin,
        known_s=_seconds(df["known_at"]),
        frac=frac,
        x=x,
        y=y,
        arrests=arrests,
        street=df["street"].fillna("").astype(str).to_numpy(dtype=object),
        area=df["area_code"].fillna("").astype(str).to_numpy(dtype=object),
        begin_local_min=begin_min,
        usable=usable,
        weights=weights,
        ids=df["id"].astype(str).to_numpy(dtype=object),
    )
