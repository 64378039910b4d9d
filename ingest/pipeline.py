"""Reading, normalising and encoding ahead of the writer, in pieces, on a worker thread.

The worker reads the delivery, normalises it and encodes the rows for the database
(:func:`ingest.encode.prepare_rows`) while the caller writes what came before; Arrow, numpy,
pyproj and the databases release the GIL for most of that work, so the two overlap. A large
chunk is normalised in pieces of :data:`PIECE_ROWS`, so that writing starts after the first piece
rather than after a whole chunk, and the writer never waits long for the next piece.

Splitting does not change what is written: each id keeps its order of occurrence, and a chunk
whose ids repeat is not split (repeats are applied in rounds: :func:`ingest.load.write_incidents`).
Rows that the reader could not split into columns travel with a chunk's last piece, so quarantine
keeps its order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from ingest.columns import ID
from ingest.encode import PreparedRows
from ingest.formats import RawChunk
from ingest.normalise import Normalised, NormaliseParams, normalise

#: Rows per piece of a chunk; about a tenth of a second of normalising.
PIECE_ROWS = 25_000
#: Pieces normalised ahead of the writer.
AHEAD = 2


@dataclass(frozen=True)
class Part:
    """A piece of a delivered chunk, normalised."""

    chunk: RawChunk  # its raw rows (and, for a chunk's last piece, the chunk's rejects)
    norm: Normalised
    rows: PreparedRows  # norm.table, encoded for the database
    delivered: int  # rows received in the whole chunk, as the reader delivered it


def _unique_ids(chunk: RawChunk) -> bool:
    if ID not in chunk.rows.columns:
        return True
    ids = pc.utf8_trim_whitespace(pa.array(chunk.rows[ID], pa.large_string(), from_pandas=True))
    return pc.count_distinct(ids).as_py() == len(ids)


def _pieces(chunk: RawChunk, rows: int) -> Iterator[RawChunk]:
    n = len(chunk.rows)
    if n <= rows * 3 // 2 or not _unique_ids(chunk):
        yield chunk
        return
    starts = list(range(0, n, rows))
    if n - starts[-1] < rows // 2:  # no small tail piece
        starts.pop()
    for i, start in enumerate(starts):
        last = i == len(starts) - 1
        part = chunk.rows.iloc[start : None if last else starts[i + 1]]
        yield RawChunk(rows=part, rejects=chunk.rejects if last else ())


def normalised(
    chunks: Iterable[RawChunk],
    params: NormaliseParams,
    prepare: Callable[[pa.Table], PreparedRows] = PreparedRows,
    piece_rows: int = PIECE_ROWS,
) -> Iterator[Part]:
    """Normalised pieces of ``chunks`` in delivery order, produced ahead on a worker thread.

    ``prepare`` encodes each piece's incidents for the writer (by default: not at all).
    """

    def parts() -> Iterator[Part]:
        for chunk in chunks:
            for piece in _pieces(chunk, piece_rows):
                norm = normalise(piece.rows, params)
                yield Part(piece, norm, prepare(norm.table), chunk.received)

    source = parts()

    def step() -> Part | None:
        return next(source, None)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="vis-normalise") as pool:
        pending: deque[Future[Part | None]] = deque(pool.submit(step) for _ in range(AHEAD))
        try:
            while (part := pending.popleft().result()) is not None:
                pending.append(pool.submit(step))
                yield part
        finally:
            for future in pending:
                future.cancel()
