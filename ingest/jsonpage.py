"""Reading one page of the paged JSON feed (``{"incidenten": [...], "volgende": URL}``).

Every element of ``incidenten`` is a row. An element that is not an object, or whose text is not
valid Unicode (a lone surrogate escape such as ``\\ud800``, which no database can store), is a
:class:`Reject` with a reason; the other elements become a chunk of text rows (see ``formats``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import pandas as pd

from ingest.columns import ROW, canonical_names, check_required
from ingest.rawchunk import FormatError, RawChunk, Reject

#: A surrogate as an escape or as UTF-8-style bytes (json reads bytes with 'surrogatepass').
_MAY_HOLD_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_json_page(body: bytes) -> tuple[list[Any], str | None]:
    """The ``incidenten`` list and the ``volgende`` URL of one JSON page."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(f"JSON onleesbaar: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("incidenten"), list):
        raise FormatError('JSON heeft niet de vorm {"incidenten": [...], "volgende": ...}')
    nxt = data.get("volgende")
    if nxt is not None and not isinstance(nxt, str):
        raise FormatError('"volgende" is geen URL of null')
    if isinstance(nxt, str) and _SURROGATE.search(nxt):
        raise FormatError('"volgende" bevat een ongeldig teken (losse surrogaat)')
    return data["incidenten"], nxt


def iter_json_page(
    body: bytes, column_map: Mapping[str, str], chunk_rows: int, *, first_row: int = 0
) -> Iterator[RawChunk]:
    records, _ = parse_json_page(body)
    reasons = _reasons(records, surrogates=bool(_MAY_HOLD_SURROGATE.search(body)))
    keys: dict[str, None] = {}
    for record, reason in zip(records, reasons, strict=True):
        if reason is None:
            keys.update(dict.fromkeys(record))
    names = canonical_names(list(keys), column_map)
    if any(reason is None for reason in reasons):
        check_required(names)
    columns = list(keys)
    seen = first_row
    for start in range(0, len(records), chunk_rows):
        good: list[list[str]] = []
        numbers: list[int] = []
        rejects = []
        end = start + chunk_rows
        part = zip(records[start:end], reasons[start:end], strict=True)
        for offset, (record, reason) in enumerate(part):
            number = seen + offset + 1
            if reason is not None:
                rejects.append(Reject(number, _raw(record), reason))
                continue
            good.append([_json_text(record.get(k)) for k in columns])
            numbers.append(number)
        frame = pd.DataFrame(good, columns=names, dtype=str)
        frame.insert(0, ROW, numbers)
        yield RawChunk(rows=frame, rejects=tuple(rejects))
        seen += min(chunk_rows, len(records) - start)


def _reasons(records: list[Any], *, surrogates: bool) -> list[str | None]:
    """Why each element is rejected, or None for a usable object."""
    out: list[str | None] = []
    for record in records:
        if not isinstance(record, dict):
            out.append("element is geen object")
        elif surrogates and _holds_surrogate(record):
            out.append("element bevat een ongeldig teken (losse surrogaat)")
        else:
            out.append(None)
    return out


def _holds_surrogate(value: Any) -> bool:
    return bool(_SURROGATE.search(json.dumps(value, ensure_ascii=False)))


def _raw(value: Any) -> dict[str, Any]:
    """A rejected element as a quarantine row keeps it: an object as it is, else as ``_value``.

    A lone surrogate is kept as its escape text (``\\ud800``), so that the row stays storable.
    """
    if _holds_surrogate(value):
        text = json.dumps(value, ensure_ascii=False)
        # In the JSON text an escaped backslash, so that the loaded value holds the escape text.
        value = json.loads(_SURROGATE.sub(lambda m: f"\\\\u{ord(m.group()):04x}", text))
    return value if isinstance(value, dict) else {"_value": value}


def _json_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "J" if value else "N"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
