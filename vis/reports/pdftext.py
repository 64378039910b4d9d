"""Text for the PDFs' core fonts, which know Latin-1 only.

Typographic characters outside Latin-1 get their usual plain spelling (``≤`` → ``<=``), letters
with a diacritic outside Latin-1 lose the diacritic (``ł`` stays ``?``, ``ś`` → ``s``), and what
is left becomes ``?``: the text never fails to draw and never silently loses a whole word.
"""

from __future__ import annotations

import unicodedata

_PLAIN = str.maketrans(
    {
        "—": "-", "–": "-", "‐": "-", "−": "-", "≈": "~", "≤": "<=", "≥": ">=", "≠": "!=",
        "→": "->", "←": "<-", "↑": "+", "↓": "-", "·": "-", "…": "...", "’": "'", "‘": "'",
        "‚": ",", "“": '"', "”": '"', "„": '"', "€": "EUR", "‰": " promille", "•": "-",
        "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2060": "", "\u200b": "",
    }
)  # fmt: skip


def _fold(char: str) -> str:
    if ord(char) < 256:
        return char
    base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
    return base or "?"


def latin1(text: object, *, one_line: bool = False) -> str:
    """``text`` as Latin-1 for a core PDF font; ``one_line`` also folds all white space."""
    s = ("" if text is None else str(text)).translate(_PLAIN)
    if one_line:
        s = " ".join(s.split())
    if s.isascii():
        return s
    return "".join(_fold(ch) for ch in s)
