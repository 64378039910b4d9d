"""Police text is inert: Markdown escaping without links, exports without spreadsheet formulas."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import Workbook, load_workbook

from vis.pages.common import h, md
from vis.pages.status import csv_cell, quarantine_csv
from vis.reports.evaluation_export import neutralise

#: GitHub-flavoured Markdown's literal autolinks (mdast-util-gfm-autolink-literal), which it looks
#: for in the text after escapes are resolved.
GFM_URL = re.compile(r"(https?://|www(?=\.))[-.\w]+", re.I)
GFM_EMAIL = re.compile(r"[-.\w+]+@[-\w]+(?:\.[-\w]+)+")
FORMULAS = [
    '=HYPERLINK("http://evil.example","klik")',
    "+31 6 1234",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
]


def _as_markdown_text(escaped: str) -> str:
    """What Markdown makes of :func:`md`'s output: backslash escapes resolved."""
    return re.sub(r"\\(.)", r"\1", escaped)


@pytest.mark.parametrize(
    "value",
    [
        "zie http://evil.example/x",
        "HTTPS://EVIL.EXAMPLE",
        "www.evil.example",
        "mail boef@evil.example",
        "mailto:boef@evil.example",
        '=HYPERLINK("https://evil.example","klik")',
    ],
)
def test_markdown_text_never_becomes_a_link(value: str) -> None:
    text = _as_markdown_text(md(value))
    assert not GFM_URL.search(text) and not GFM_EMAIL.search(text), text
    assert text.replace("\u2060", "") == value  # the same text, with invisible joiners


@pytest.mark.parametrize(
    "value",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[klik](javascript:alert(1))",
        "**vet** _schuin_ `code` # kop",
        "$x^2$ | a | b |",
        "a\nb\r\n- lijst",
    ],
)
def test_markdown_escaping_keeps_the_text_and_no_structure(value: str) -> None:
    escaped = md(value)
    assert "\n" not in escaped and "\r" not in escaped
    assert not re.search(r"(?<!\\)[<>\[\]()*_`#$|]", escaped), escaped
    assert _as_markdown_text(escaped).replace("\u2060", "") == " ".join(value.split())


def test_html_escaping_leaves_no_tag_or_attribute() -> None:
    assert h('<img src=x onerror="a()">') == "&lt;img src=x onerror=&quot;a()&quot;&gt;"
    assert h(None) == ""


@pytest.mark.parametrize("value", FORMULAS)
def test_export_cells_never_start_a_formula(value: str) -> None:
    assert neutralise(value) == "'" + value
    assert csv_cell(value) == "'" + value


def test_plain_values_are_exported_as_they_are() -> None:
    assert neutralise("Utrechtseweg") == "Utrechtseweg" and neutralise(3) == 3
    assert csv_cell("Utrechtseweg") == "Utrechtseweg" and csv_cell(None) == ""


def test_xlsx_cells_hold_formula_text_as_text(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([neutralise(v) for v in FORMULAS])
    path = tmp_path / "x.xlsx"
    book.save(path)
    cells = next(load_workbook(path)["Sheet"].iter_rows())
    assert [c.data_type for c in cells] == ["s"] * len(FORMULAS)  # no "f" (formula) cell
    # (XML reads a carriage return back as a line feed.)
    assert [c.value for c in cells] == ["'" + v.replace("\r", "\n") for v in FORMULAS]


def test_quarantine_csv_guards_every_column() -> None:
    row = SimpleNamespace(
        id=1,
        run_id=2,
        row_number=3,
        incident_id="@SUM(A1)",
        reason="-1+1",
        received_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        raw=["=1+1"],
    )
    lines = quarantine_csv([row]).decode("utf-8-sig").splitlines()
    cells = lines[1].split(";")
    assert cells[3:5] == ["'@SUM(A1)", "'-1+1"]
    assert all(not c.startswith(("=", "+", "-", "@")) for c in cells)
