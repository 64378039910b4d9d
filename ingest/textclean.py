"""Control characters in received text: found and neutralised, vectorised.

A BVH extract may carry C0 control characters (U+0000 to U+001F) and DEL (U+007F) in any field:
a NUL that PostgreSQL cannot store in text, a stray tab or line break inside a quoted street. The
stored text fields are cleaned of them (a line break or tab becomes a space, the others go), so
the database only ever holds printable text. Only chunks that hold such a byte at all pay for it.

Invisible format characters go too: the bidirectional controls (U+061C, U+200E, U+200F,
U+202A-U+202E, U+2066-U+2069), with which a street name can show reversed ("Trojan Source"), and
the zero-width ones (U+200B-U+200D, U+2060, U+FEFF), which make two equal-looking names differ.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingest import arrowrows as ar

#: White space controls (tab, line feed, vertical tab, form feed, carriage return, the separators
#: 0x1c-0x1f): a run of them becomes one space.
_SPACING = r"[\x09-\x0d\x1c-\x1f]+"
#: The other controls and DEL: removed.
_INVISIBLE = "\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff"
_OTHER = r"[\x00-\x08\x0e-\x1b\x7f" + _INVISIBLE + "]"
_ANY = r"[\x00-\x1f\x7f" + _INVISIBLE + "]"
_SPACING_RE = re.compile(_SPACING)
_OTHER_RE = re.compile(_OTHER)


def may_hold_controls(values: pa.Array) -> bool:
    """False when no value holds a control character (a cheap look at the bytes)."""
    starts, lengths, data = ar.string_layout(values)
    if not len(values) or not len(data):
        return False
    used = data[int(starts[0]) : int(starts[-1] + lengths[-1])]
    # 0xD8, 0xE2 and 0xEF lead the UTF-8 of the invisible format characters (and of others).
    return bool(
        (used < 0x20).any()
        or (used == 0x7F).any()
        or (used == 0xD8).any()
        or (used == 0xE2).any()
        or (used == 0xEF).any()
    )


def has_controls(values: pa.Array) -> np.ndarray:
    """Which values hold a control character."""
    if not may_hold_controls(values):
        return np.zeros(len(values), bool)
    return ar.mask(pc.match_substring_regex(values, _ANY))


def clean(values: pa.Array) -> pa.Array:
    """The values without control characters (see the module docstring), trimmed."""
    if not may_hold_controls(values):
        return values
    spaced = pc.replace_substring_regex(values, _SPACING, " ")
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(spaced, _OTHER, ""))


def clean_text(value: str) -> str:
    """One text without control characters, like :func:`clean` (for messages and quotes)."""
    return _OTHER_RE.sub("", _SPACING_RE.sub(" ", value)).strip()
