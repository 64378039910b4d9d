"""Choosing the hotspot cells of a shift and merging neighbouring ones into hotspots.

The top ``N`` cells by score are chosen among the cells with enough evidence (at least
``min_evidence`` incidents in the cell and its 8 neighbours over the long-term window, so a single
old incident never makes a hotspot). Chosen cells that share an edge are merged into one hotspot:
the cell budget stays ``N`` (what the backtest measures), the number of hotspots may be smaller.
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


def select_cells(
    scores: CellScores, params: SelectionParams, study: npt.NDArray[np.bool_] | None = None
) -> IntArray:
    """The shift's top cells with enough evidence (inside the study area), best first."""
    eligible = scores.evidence >= params.min_evidence
    if study is not None:
        eligible &= study
    return top_cells(scores.total, eligible, params.top_n)


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
