"""What every extract reader yields: chunks of raw text rows, rejects, and the format error."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd


class FormatError(ValueError):
    """A delivery that can't be read at all (wrong format, broken file, no header)."""


@dataclass(frozen=True)
class Reject:
    """A received row that could not be split into columns."""

    row_number: int
    raw: dict[str, Any]
    reason: str


@dataclass(frozen=True)
class RawChunk:
    rows: pd.DataFrame
    rejects: tuple[Reject, ...] = field(default=())

    @property
    def received(self) -> int:
        return len(self.rows) + len(self.rejects)
