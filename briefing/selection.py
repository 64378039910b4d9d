"""Choosing the hotspot cells of a shift and shaping them into patrollable hotspots.

Cells are ranked by score among the cells with enough evidence (at least ``min_evidence``
incidents in the cell and its 8 neighbours over the long-term window, so a single old incident
never makes a hotspot). :func:`shape_hotspots` then walks that ranking best first: a cell joins a
hotspot it shares an edge with when the hotspot then still fits in a square of
``max_hotspot_m`` (a pair of handhavers can walk it in a shift); otherwise it starts a new hotspot
while there are fewer than ``max_hotspots``. The first cell that fits nowhere ends the choice, as
does the cell budget ``top_n``: the chosen cells are always the best ones of the ranking (a prefix),
so no weaker cell is taken in place of a stronger one just because it touches a hotspot.
Ties are broken by the flat cell index, so the choice is deterministic.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from briefing.grid import Frame
from briefing.params import SelectionParams
from briefing.scoring import CellScores

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def top_cells(score: FloatArray, eligible: npt.NDArray[np.bool_], n: int) -> IntArray:
    """Flat indices of the ``n`` highest positive scores among ``eligible`` (ties: lower index)."""
    candidates = np.flatnonzero(eligible & (score > 0))
    if candidates.size > n:
        # partial selection first (fast), then an exact, stable ordering of the few left
        kth = candidates.size - n
        part = np.argpartition(score[candidates], kth)
        threshold = score[candidates[part[kth]]]
        candidates = candidates[score[candidates] >= threshold]
    order = np.lexsort((candidates, -score[candidates]))
    return candidates[order][:n]


def shape_hotspots(frame: Frame, ranked: IntArray, params: SelectionParams) -> list[IntArray]:
    """Patrollable hotspots from ``ranked`` cells (best first); see the module text."""
    side = max(1, int(params.max_hotspot_m // frame.grid.size + 1e-9))
    cols, rows = frame.col_row(ranked)
    owner: dict[tuple[int, int], int] = {}
    groups: list[list[int]] = []
    boxes: list[tuple[int, int, int, int]] = []
    taken = 0
    for flat, col, row in zip(ranked.tolist(), cols.tolist(), rows.tolist(), strict=True):
        if taken >= params.top_n:
            break
        home = -1
        for g in sorted(
            {
                owner[n]
                for n in ((col - 1, row), (col + 1, row), (col, row - 1), (col, row + 1))
                if n in owner
            }
        ):
            c0, r0, c1, r1 = boxes[g]
            box = (min(c0, col), min(r0, row), max(c1, col), max(r1, row))
            fits = box[2] - box[0] < side and box[3] - box[1] < side
            if fits and len(groups[g]) < params.max_cells_per_hotspot:
                home, boxes[g] = g, box
                break
        if home < 0:
            if len(groups) >= params.max_hotspots:
                break
            home = len(groups)
            groups.append([])
            boxes.append((col, row, col, row))
        groups[home].append(flat)
        owner[(col, row)] = home
        taken += 1
    return [np.array(g, dtype=np.int64) for g in groups]


def select_hotspots(
    scores: CellScores,
    frame: Frame,
    params: SelectionParams,
    study: npt.NDArray[np.bool_] | None = None,
) -> list[IntArray]:
    """The shift's hotspots (each its cells, best first), ordered by their summed score."""
    eligible = scores.evidence >= params.min_evidence
    if study is not None:
        eligible &= study
    ranked = top_cells(scores.total, eligible, params.top_n)
    groups = shape_hotspots(frame, ranked, params)
    groups.sort(key=lambda g: (-float(scores.total[g].sum()), int(g[0])))
    return groups


def select_cells(
    scores: CellScores,
    frame: Frame,
    params: SelectionParams,
    study: npt.NDArray[np.bool_] | None = None,
) -> IntArray:
    """All cells of the shift's hotspots (:func:`select_hotspots`)."""
    groups = select_hotspots(scores, frame, params, study)
    return np.concatenate(groups) if groups else np.zeros(0, dtype=np.int64)


def merge_cells(
    frame: Frame, cells: IntArray, score: FloatArray, max_cells: int = 4
) -> list[IntArray]:
    """Group ``cells`` into hotspots of rook-connected cells, at most ``max_cells`` each.

    Cells are taken best first; a cell joins the best hotspot it touches that still has room,
    otherwise it starts a new one. Each hotspot lists its best cell first; hotspots are ordered by
    their summed score.
    """
    if cells.size == 0:
        return []
    order = cells[np.lexsort((cells, -score[cells]))]
    cols, rows = frame.col_row(order)
    owner: dict[tuple[int, int], int] = {}
    groups: list[list[int]] = []
    for flat, col, row in zip(order.tolist(), cols.tolist(), rows.tolist(), strict=True):
        touching = sorted(
            {
                owner[n]
                for n in ((col - 1, row), (col + 1, row), (col, row - 1), (col, row + 1))
                if n in owner
            }
        )
        room = [g for g in touching if len(groups[g]) < max_cells]
        if room:
            groups[room[0]].append(flat)
            owner[(col, row)] = room[0]
        else:
            owner[(col, row)] = len(groups)
            groups.append([flat])
    out = [np.array(g, dtype=np.int64) for g in groups]
    out.sort(key=lambda g: (-float(score[g].sum()), int(g[0])))
    return out
