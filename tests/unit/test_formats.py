"""Reading BVH extracts (CSV, XLSX, JSON) into raw chunks of text, as the contract §1 describes."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import Workbook

from ingest import columns as c
from ingest.columns import ColumnError, canonical_names, check_required
from ingest.formats import (
    FormatError,
    RawChunk,
    Reject,
    format_for_path,
    iter_json_page,
    parse_json_page,
    read_extract,
)

HEADER = [c.ID, c.MK_CODE, c.BEGIN, c.KNOWN, c.STREET]
ROW_1 = ["PL1", "A20", "13-03-2017 08:15", "13-03-2017 09:00", "Stationsplein"]
ROW_2 = ["PL2", "A72", "14-03-2017 10:00", "14-03-2017 11:30", "Hof"]


def _csv(rows: list[list[str]], sep: str = ";", header: list[str] = HEADER) -> str:
    return "\n".join(sep.join(r) for r in [header, *rows]) + "\n"


def _read(data: bytes | Path, fmt: str = "bvh-csv", **kw: Any) -> list[RawChunk]:
    return list(read_extract(data, fmt, column_map=kw.pop("column_map", {}), **kw))


def _records(chunks: list[RawChunk]) -> list[dict[str, Any]]:
    return [r for ch in chunks for r in ch.rows.to_dict("records")]


def _rejects(chunks: list[RawChunk]) -> list[Reject]:
    return [r for ch in chunks for r in ch.rejects]


# --- CSV: separators and encodings ---------------------------------------------------------------


@pytest.mark.parametrize("sep", [";", ",", "\t"])
def test_csv_is_split_on_the_separator_of_its_header(sep: str) -> None:
    chunks = _read(_csv([ROW_1, ROW_2], sep=sep).encode())
    rows = _records(chunks)
    assert [r[c.ID] for r in rows] == ["PL1", "PL2"]
    assert rows[0][c.BEGIN] == "13-03-2017 08:15"
    assert rows[1][c.STREET] == "Hof"
    assert [r[c.ROW] for r in rows] == [1, 2]
    assert _rejects(chunks) == []


def test_csv_columns_carry_the_contract_names_and_stay_text() -> None:
    row = ["007", "A20", "13-03-2017 08:15", "13-03-2017 09:00", "0012"]
    rows = _records(_read(_csv([row]).encode()))
    assert list(rows[0]) == [c.ROW, *HEADER]
    # No type inference: leading zeros survive.
    assert rows[0][c.ID] == "007" and rows[0][c.STREET] == "0012"


def test_csv_empty_cells_are_empty_strings_even_in_an_all_empty_column() -> None:
    rows = _records(_read(_csv([[*ROW_1[:4], ""], [*ROW_2[:4], ""]]).encode()))
    assert [r[c.STREET] for r in rows] == ["", ""]


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b"")],
    ids=["utf8", "utf8-bom", "cp1252"],
)
def test_csv_encodings_are_recognised(encoding: str, prefix: bytes) -> None:
    street = "Café Ëlla € 5"
    data = prefix + _csv([[*ROW_1[:4], street]]).encode(encoding)
    rows = _records(_read(data))
    assert rows[0][c.STREET] == street
    # A BOM never sticks to the first column name.
    assert rows[0][c.ID] == "PL1"


def test_cp1252_csv_is_not_mistaken_for_utf8_when_the_odd_byte_comes_late() -> None:
    rows = [[f"PL{i}", "A20", "13-03-2017 08:15", "13-03-2017 09:00", "x"] for i in range(5000)]
    rows.append(["PL_last", "A20", "13-03-2017 08:15", "13-03-2017 09:00", "Brink é"])
    data = _csv(rows).encode("cp1252")
    assert len(data) > 64 * 1024  # beyond the sniffed head
    got = _records(_read(data))
    assert got[-1][c.STREET] == "Brink é"
    assert len(got) == 5001


def test_csv_with_crlf_line_ends_reads_clean_values() -> None:
    data = _csv([ROW_1, ROW_2]).replace("\n", "\r\n").encode()
    rows = _records(_read(data))
    assert rows[0][c.STREET] == "Stationsplein"
    assert rows[1][c.STREET] == "Hof"


def test_quoted_fields_keep_separators_quotes_and_newlines() -> None:
    text = _csv([]) + 'PL1;A20;13-03-2017 08:15;13-03-2017 09:00;"Hof; ""oost""\ntweede regel"\n'
    text += "PL2;A72;14-03-2017 10:00;14-03-2017 11:30;Hof\n"
    rows = _records(_read(text.encode()))
    assert rows[0][c.STREET] == 'Hof; "oost"\ntweede regel'
    assert [r[c.ID] for r in rows] == ["PL1", "PL2"]
    assert [r[c.ROW] for r in rows] == [1, 2]


def test_a_separator_inside_quotes_in_a_comma_file_is_data() -> None:
    text = _csv([], sep=",") + 'PL1,A20,13-03-2017 08:15,13-03-2017 09:00,"155432,5"\n'
    rows = _records(_read(text.encode()))
    assert rows[0][c.STREET] == "155432,5"


def test_blank_lines_between_rows_are_not_rows() -> None:
    text = _csv([ROW_1]) + "\n\n" + ";".join(ROW_2) + "\n"
    rows = _records(_read(text.encode()))
    assert [r[c.ID] for r in rows] == ["PL1", "PL2"]


# --- CSV: rows that can't be split ---------------------------------------------------------------


def test_truncated_last_row_is_a_reject_with_a_reason() -> None:
    text = _csv([ROW_1]) + "PL2;A72;14-03-2017"
    chunks = _read(text.encode())
    assert [r[c.ID] for r in _records(chunks)] == ["PL1"]
    (reject,) = _rejects(chunks)
    assert reject.reason == "rij heeft 3 velden, verwacht 5"
    assert reject.raw == {"_text": "PL2;A72;14-03-2017"}
    assert sum(ch.received for ch in chunks) == 2


def test_a_row_with_too_many_fields_is_a_reject_and_later_rows_still_load() -> None:
    text = _csv([ROW_1, [*ROW_2, "extra"], ["PL3", *ROW_2[1:]]])
    chunks = _read(text.encode())
    assert [r[c.ID] for r in _records(chunks)] == ["PL1", "PL3"]
    (reject,) = _rejects(chunks)
    assert reject.reason == "rij heeft 6 velden, verwacht 5"
    assert sum(ch.received for ch in chunks) == 3


def test_row_numbers_point_at_the_row_in_the_delivery_after_a_reject() -> None:
    text = _csv([ROW_1, [*ROW_2, "extra"], ["PL3", *ROW_2[1:]]])
    chunks = _read(text.encode())
    assert [r.row_number for r in _rejects(chunks)] == [2]
    assert [r[c.ROW] for r in _records(chunks)] == [1, 3]


def test_a_quote_left_open_at_the_end_is_not_a_complete_row() -> None:
    text = _csv([ROW_1]) + 'PL2;A72;14-03-2017 10:00;14-03-2017 11:30;"Hof, afgebro'
    try:
        chunks = _read(text.encode())
    except FormatError:
        return
    assert [r[c.ID] for r in _records(chunks)] == ["PL1"]
    assert len(_rejects(chunks)) == 1


@pytest.mark.parametrize("end", ["", "\n", "\r\n", '""', '""\n'], ids=repr)
@pytest.mark.parametrize("chunk_rows", [1, 2, 100])
def test_a_row_cut_off_inside_a_quote_is_a_reject_that_keeps_its_values(
    end: str, chunk_rows: int
) -> None:
    text = _csv([ROW_1]) + f'PL2;A72;14-03-2017 10:00;14-03-2017 11:30;"Hof, afgebro{end}'
    chunks = _read(text.encode("cp1252"), chunk_rows=chunk_rows)
    assert [r[c.ID] for r in _records(chunks)] == ["PL1"]
    (reject,) = _rejects(chunks)
    assert reject.row_number == 2
    assert reject.reason.startswith("rij is afgebroken: een aanhalingsteken")
    assert reject.raw[c.ID] == "PL2"
    assert reject.raw[c.STREET] == "Hof, afgebro" + end.replace('""', '"')


@pytest.mark.parametrize(
    "last",
    ['"Hof"', '"Hof"\n', '""', '""\r\n', 'Hof"', '"Hof ""oost"""', '"a;""b"'],
    ids=repr,
)
def test_a_last_row_whose_quotes_are_closed_is_a_complete_row(last: str) -> None:
    text = _csv([ROW_1]) + "PL2;A72;14-03-2017 10:00;14-03-2017 11:30;" + last
    chunks = _read(text.encode())
    assert [r[c.ID] for r in _records(chunks)] == ["PL1", "PL2"]
    assert _rejects(chunks) == []


def test_row_numbers_count_rejects_blank_lines_and_multi_line_values_right() -> None:
    text = _csv([ROW_1, ["PL2", "A72"]]) + "\n"
    text += 'PL3;A72;14-03-2017 10:00;14-03-2017 11:30;"Hof\nachter"\n'
    text += "kapot\n" + ";".join(["PL5", *ROW_2[1:]]) + "\n"
    text += "\n".join(";".join([f"PL{i}", *ROW_2[1:]]) for i in range(6, 12)) + "\n"
    chunks = _read(text.encode(), chunk_rows=2)
    rows = _records(chunks)
    assert [(r[c.ID], r[c.ROW]) for r in rows] == [
        ("PL1", 1),
        ("PL3", 3),
        ("PL5", 5),
        *((f"PL{i}", i) for i in range(6, 12)),
    ]
    assert [r.row_number for r in _rejects(chunks)] == [2, 4]


def test_rejects_and_rows_add_up_over_many_chunks() -> None:
    rows = [[f"PL{i}", "A20", "13-03-2017 08:15", "13-03-2017 09:00", "x"] for i in range(25)]
    text = _csv(rows[:10]) + "kapot;regel\n" + "\n".join(";".join(r) for r in rows[10:]) + "\n"
    chunks = _read(text.encode(), chunk_rows=7)
    assert all(len(ch.rows) <= 7 for ch in chunks)
    assert [r[c.ID] for r in _records(chunks)] == [f"PL{i}" for i in range(25)]
    assert len(_rejects(chunks)) == 1
    assert sum(ch.received for ch in chunks) == 26


def test_chunk_row_numbers_continue_across_chunks() -> None:
    rows = [[f"PL{i}", "A20", "13-03-2017 08:15", "13-03-2017 09:00", "x"] for i in range(10)]
    chunks = _read(_csv(rows).encode(), chunk_rows=3)
    assert [len(ch.rows) for ch in chunks] == [3, 3, 3, 1]
    assert [r[c.ROW] for r in _records(chunks)] == list(range(1, 11))


# --- CSV: files that are not a readable CSV ------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "leeg bestand"),
        (b"  \r\n\n", "leeg bestand"),
        (b"PK\x03\x04\x14\x00\x06\x00rest of a zip", "geen CSV"),
        (b'{"incidenten": [], "volgende": null}', "geen CSV"),
        (b'  [{"Incident Identificatie": "PL1"}]', "geen CSV"),
        (b"alleen een woord\nen nog een\n", "geen scheidingsteken"),
    ],
    ids=["empty", "whitespace", "xlsx", "json-object", "json-list", "no-separator"],
)
def test_unreadable_csv_is_a_format_error_with_a_clear_message(data: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        _read(data)


def test_a_file_of_only_a_bom_is_a_format_error() -> None:
    with pytest.raises(FormatError):
        _read(b"\xef\xbb\xbf\r\n")


def test_a_real_xlsx_file_read_as_csv_is_a_format_error(tmp_path: Path) -> None:
    path = _xlsx(tmp_path, {"Incidenten": [HEADER, ROW_1]})
    with pytest.raises(FormatError, match="geen CSV"):
        _read(path, "bvh-csv")


def test_header_only_csv_has_no_rows() -> None:
    # A window without incidents: zero rows, like an empty JSON page, not a broken file.
    chunks = _read(_csv([]).encode())
    assert sum(ch.received for ch in chunks) == 0


def test_header_only_csv_without_final_newline_also_has_no_rows() -> None:
    chunks = _read(";".join(HEADER).encode())
    assert sum(ch.received for ch in chunks) == 0


def test_header_only_csv_with_a_bom_and_without_final_newline_has_no_rows() -> None:
    chunks = _read(b"\xef\xbb\xbf" + ";".join(HEADER).encode())
    assert sum(ch.received for ch in chunks) == 0


def test_one_row_without_final_newline_is_read() -> None:
    rows = _records(_read(_csv([ROW_1]).rstrip("\n").encode()))
    assert [(r[c.ID], r[c.STREET]) for r in rows] == [("PL1", "Stationsplein")]


def test_missing_file_is_a_format_error(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match=r"kan .* niet openen"):
        _read(tmp_path / "bestaat-niet.csv")


def test_unknown_format_name_is_a_format_error() -> None:
    with pytest.raises(FormatError, match="onbekend formaat 'bvh-xml'"):
        _read(b"x", "bvh-xml")


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("a.csv", "bvh-csv"),
        ("a.TXT", "bvh-csv"),
        ("a.xlsx", "bvh-xlsx"),
        ("a.XLSM", "bvh-xlsx"),
        ("a.json", "bvh-json"),
    ],
)
def test_format_follows_the_file_suffix(name: str, fmt: str) -> None:
    assert format_for_path(Path(name)) == fmt


def test_unknown_suffix_asks_for_a_format() -> None:
    with pytest.raises(FormatError, match="--format"):
        format_for_path(Path("extract.xml"))


def test_a_header_named_like_the_row_number_column_is_a_clear_error() -> None:
    text = _csv([[*ROW_1, "9"]], header=[*HEADER, c.ROW])
    with pytest.raises((FormatError, ColumnError)):
        _read(text.encode())


def test_a_column_named_like_the_row_number_column_says_what_to_do(tmp_path: Path) -> None:
    record = {**_obj(ROW_1), c.ROW: 9}
    with pytest.raises(ColumnError, match=r"_row.*gereserveerd.*hernoem"):
        _read(_page([record]), "bvh-json")
    path = _xlsx(tmp_path, {"Incidenten": [[*HEADER, c.ROW], [*ROW_1, 9]]})
    with pytest.raises((ColumnError, FormatError), match="gereserveerd"):
        _read(path, "bvh-xlsx")


# --- columns: renaming, case, required -----------------------------------------------------------


def test_column_map_renames_a_units_own_headers() -> None:
    header = ["Incident ID", "MK code", c.BEGIN, c.KNOWN, "Straat"]
    chunks = _read(
        _csv([ROW_1], header=header).encode(),
        column_map={"Incident ID": c.ID, "MK code": c.MK_CODE, "Straat": c.STREET},
    )
    row = _records(chunks)[0]
    assert row[c.ID] == "PL1" and row[c.MK_CODE] == "A20" and row[c.STREET] == "Stationsplein"


def test_headers_match_case_insensitively_and_ignore_surrounding_space() -> None:
    header = ["incident identificatie", " INCIDENTSOORT CODE ", "begin-pleegdatum/tijd", c.KNOWN]
    row = _records(_read(_csv([ROW_1[:4]], header=header).encode()))[0]
    assert list(row) == [c.ROW, c.ID, c.MK_CODE, c.BEGIN, c.KNOWN]
    assert row[c.ID] == "PL1"


def test_canonical_names_keep_unknown_headers_and_apply_the_map_case_insensitively() -> None:
    names = canonical_names(
        ["\ufeffINCIDENT ID", "x", "Weer", "Eigen kolom"], {"Incident ID": c.ID, "X": c.X}
    )
    assert names == [c.ID, c.X, c.WEATHER, "Eigen kolom"]


def test_missing_required_columns_are_a_column_error_naming_them() -> None:
    with pytest.raises(ColumnError, match=r"Kennisnamedatum/tijd") as info:
        _read(_csv([["PL1", "A20", "x"]], header=[c.ID, c.MK_CODE, c.BEGIN]).encode())
    assert c.ID not in str(info.value)


def test_one_of_code_or_label_is_enough() -> None:
    check_required([c.ID, c.BEGIN, c.KNOWN, c.MK_LABEL])
    check_required([c.ID, c.BEGIN, c.KNOWN, c.MK_CODE])
    with pytest.raises(ColumnError, match="Incidentsoort code of Incidentsoort"):
        check_required([c.ID, c.BEGIN, c.KNOWN])


def test_two_headers_mapping_onto_one_column_are_a_column_error() -> None:
    header = [c.ID, "Incident ID", c.MK_CODE, c.BEGIN, c.KNOWN]
    with pytest.raises(ColumnError, match="dubbele kolom"):
        _read(_csv([ROW_1], header=header).encode(), column_map={"Incident ID": c.ID})


# --- XLSX ----------------------------------------------------------------------------------------


def _xlsx(tmp_path: Path, sheets: dict[str, list[list[Any]]], name: str = "x.xlsx") -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    path = tmp_path / name
    wb.save(path)
    return path


def test_xlsx_reads_the_incidenten_sheet_before_the_first_sheet(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path,
        {"Toelichting": [["Dit is uitleg"], ["geen data"]], "Incidenten": [HEADER, ROW_1, ROW_2]},
    )
    rows = _records(_read(path, "bvh-xlsx"))
    assert [r[c.ID] for r in rows] == ["PL1", "PL2"]
    assert [r[c.ROW] for r in rows] == [1, 2]


def test_xlsx_without_an_incidenten_sheet_reads_the_first_sheet(tmp_path: Path) -> None:
    path = _xlsx(tmp_path, {"Blad1": [HEADER, ROW_1], "Blad2": [["iets anders"]]})
    assert [r[c.ID] for r in _records(_read(path, "bvh-xlsx"))] == ["PL1"]


def test_xlsx_from_bytes_reads_like_from_a_file(tmp_path: Path) -> None:
    path = _xlsx(tmp_path, {"Incidenten": [HEADER, ROW_1]})
    assert _records(_read(path.read_bytes(), "bvh-xlsx")) == _records(_read(path, "bvh-xlsx"))


def test_xlsx_cells_are_rendered_as_text(tmp_path: Path) -> None:
    header = [c.ID, c.MK_CODE, c.BEGIN, c.END, c.KNOWN, c.X, c.Y, c.SUSPECTS, c.REPORT, c.STREET]
    cells = [
        12345,
        "A20",
        dt.datetime(2017, 3, 13, 8, 15, 30),
        dt.date(2017, 3, 13),
        "13-03-2017 09:00",
        155432.5,
        463000.0,
        2,
        True,
        None,
    ]
    path = _xlsx(tmp_path, {"Incidenten": [header, cells]})
    row = _records(_read(path, "bvh-xlsx"))[0]
    assert row[c.ID] == "12345"
    assert row[c.BEGIN] == "2017-03-13T08:15:30"
    # openpyxl stores a date as a date-time serial: midnight.
    assert row[c.END] in ("2017-03-13", "2017-03-13T00:00:00")
    assert row[c.KNOWN] == "13-03-2017 09:00"
    assert row[c.X] == "155432.5"
    assert row[c.Y] == "463000"
    assert row[c.SUSPECTS] == "2"
    assert row[c.REPORT] == "J"
    assert row[c.STREET] == ""


def test_xlsx_skips_empty_rows_and_pads_short_rows(tmp_path: Path) -> None:
    path = _xlsx(tmp_path, {"Incidenten": [HEADER, ROW_1, [None] * 5, ROW_2[:3]]})
    rows = _records(_read(path, "bvh-xlsx"))
    assert [r[c.ID] for r in rows] == ["PL1", "PL2"]
    assert rows[1][c.KNOWN] == "" and rows[1][c.STREET] == ""


def test_xlsx_ignores_empty_header_cells_at_the_end(tmp_path: Path) -> None:
    path = _xlsx(tmp_path, {"Incidenten": [[*HEADER, None, None], [*ROW_1, None, "los"]]})
    row = _records(_read(path, "bvh-xlsx"))[0]
    assert list(row) == [c.ROW, *HEADER]


def test_xlsx_applies_the_column_map_and_checks_required_columns(tmp_path: Path) -> None:
    path = _xlsx(tmp_path, {"Incidenten": [["Incidentnummer", c.MK_LABEL, c.BEGIN, c.KNOWN]]})
    assert _read(path, "bvh-xlsx", column_map={"Incidentnummer": c.ID}) == []
    # The XLSX reader wraps the ColumnError in a FormatError; either names the column.
    with pytest.raises((ColumnError, FormatError), match="Incident Identificatie"):
        _read(path, "bvh-xlsx")


def test_xlsx_chunks_keep_counting_rows(tmp_path: Path) -> None:
    rows = [[f"PL{i}", "A20", "13-03-2017 08:15", "13-03-2017 09:00", "x"] for i in range(5)]
    chunks = _read(_xlsx(tmp_path, {"Incidenten": [HEADER, *rows]}), "bvh-xlsx", chunk_rows=2)
    assert [len(ch.rows) for ch in chunks] == [2, 2, 1]
    assert [r[c.ROW] for r in _records(chunks)] == [1, 2, 3, 4, 5]


def test_an_empty_xlsx_sheet_is_a_format_error(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="leeg"):
        _read(_xlsx(tmp_path, {"Incidenten": []}), "bvh-xlsx")


def test_a_zip_that_is_not_a_workbook_is_a_format_error() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "geen werkmap")
    with pytest.raises(FormatError, match="XLSX onleesbaar"):
        _read(buf.getvalue(), "bvh-xlsx")


@pytest.mark.parametrize("data", [_csv([ROW_1]).encode(), b""], ids=["csv", "empty"])
def test_a_non_zip_body_read_as_xlsx_is_a_format_error(data: bytes) -> None:
    with pytest.raises(FormatError):
        _read(data, "bvh-xlsx")


def test_a_non_zip_body_read_as_xlsx_says_it_is_no_xlsx() -> None:
    with pytest.raises(FormatError, match="XLSX onleesbaar: dit is geen XLSX-bestand"):
        _read(b"<html>503 Service Unavailable</html>", "bvh-xlsx")


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9])
def test_a_cut_off_xlsx_is_a_format_error(tmp_path: Path, keep: float) -> None:
    rows = [[f"PL{i}", "A20", "13-03-2017 08:15", "13-03-2017 09:00", "x" * 30] for i in range(300)]
    data = _xlsx(tmp_path, {"Incidenten": [HEADER, *rows]}).read_bytes()
    with pytest.raises(FormatError, match="XLSX onleesbaar"):
        _read(data[: int(len(data) * keep)], "bvh-xlsx")


def test_an_xlsx_with_damaged_sheet_data_is_a_format_error(tmp_path: Path) -> None:
    source = _xlsx(tmp_path, {"Incidenten": [HEADER, ROW_1]})
    damaged = io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(damaged, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]  # the sheet's XML stops halfway
            zout.writestr(item, data)
    with pytest.raises(FormatError, match="XLSX onleesbaar"):
        _read(damaged.getvalue(), "bvh-xlsx")


# --- JSON ----------------------------------------------------------------------------------------


def _page(records: list[Any], volgende: str | None = None) -> bytes:
    return json.dumps({"incidenten": records, "volgende": volgende}).encode()


def _obj(row: list[str], header: list[str] = HEADER) -> dict[str, Any]:
    return dict(zip(header, row, strict=True))


def test_json_page_gives_its_rows_and_its_next_page() -> None:
    body = _page([_obj(ROW_1), _obj(ROW_2)], "https://feed.example/p2")
    records, nxt = parse_json_page(body)
    assert nxt == "https://feed.example/p2" and len(records) == 2
    rows = _records(_read(body, "bvh-json"))
    assert [r[c.ID] for r in rows] == ["PL1", "PL2"]
    assert rows[0][c.BEGIN] == "13-03-2017 08:15"


def test_json_keys_are_renamed_and_a_missing_key_is_an_empty_cell() -> None:
    first = {"Incidentnummer": "PL1", c.MK_LABEL: "Diefstal", c.BEGIN: "x", c.KNOWN: "y"}
    second = {"Incidentnummer": "PL2", c.MK_LABEL: "Fiets", c.BEGIN: "x", c.KNOWN: "y", "x": "1"}
    rows = _records(_read(_page([first, second]), "bvh-json", column_map={"Incidentnummer": c.ID}))
    assert [r[c.ID] for r in rows] == ["PL1", "PL2"]
    assert [r[c.X] for r in rows] == ["", "1"]


def test_json_values_are_rendered_as_text() -> None:
    record = {
        c.ID: 12,
        c.MK_LABEL: "Diefstal",
        c.BEGIN: None,
        c.KNOWN: "13-03-2017 09:00",
        c.REPORT: True,
        c.ATTEMPT: False,
        c.X: 155432.5,
        c.PROJECTS: ["a", "b"],
    }
    row = _records(_read(_page([record]), "bvh-json"))[0]
    assert row[c.ID] == "12"
    assert row[c.BEGIN] == ""
    assert (row[c.REPORT], row[c.ATTEMPT]) == ("J", "N")
    assert row[c.X] == "155432.5"
    assert json.loads(row[c.PROJECTS]) == ["a", "b"]


def test_json_elements_that_are_not_objects_are_rejects() -> None:
    body = _page([_obj(ROW_1), 7, "tekst", None, [1, 2], _obj(ROW_2)])
    chunks = _read(body, "bvh-json")
    assert [r[c.ID] for r in _records(chunks)] == ["PL1", "PL2"]
    assert [r[c.ROW] for r in _records(chunks)] == [1, 6]
    rejects = _rejects(chunks)
    assert [r.row_number for r in rejects] == [2, 3, 4, 5]
    assert [r.raw for r in rejects] == [
        {"_value": 7},
        {"_value": "tekst"},
        {"_value": None},
        {"_value": [1, 2]},
    ]
    assert {r.reason for r in rejects} == {"element is geen object"}
    assert sum(ch.received for ch in chunks) == 6


def test_a_page_of_only_non_objects_gives_one_reject_each() -> None:
    chunks = _read(_page([1, "x", None]), "bvh-json")
    assert [r.row_number for r in _rejects(chunks)] == [1, 2, 3]


def test_a_page_of_only_non_objects_has_no_rows_and_a_reason_per_element() -> None:
    chunks = _read(_page([1, "x", None]), "bvh-json", chunk_rows=2)
    assert _records(chunks) == []
    assert {r.reason for r in _rejects(chunks)} == {"element is geen object"}
    assert sum(ch.received for ch in chunks) == 3


def test_empty_json_page_has_no_rows() -> None:
    assert sum(ch.received for ch in _read(_page([]), "bvh-json")) == 0


def test_json_rows_of_later_pages_continue_the_numbering() -> None:
    chunks = list(iter_json_page(_page([_obj(ROW_1), 5]), {}, 100, first_row=40))
    assert [r[c.ROW] for r in _records(chunks)] == [41]
    assert [r.row_number for r in _rejects(chunks)] == [42]


def test_json_chunks_split_a_page() -> None:
    records = [_obj([f"PL{i}", *ROW_1[1:]]) for i in range(5)]
    chunks = list(iter_json_page(_page(records), {}, 2))
    assert [len(ch.rows) for ch in chunks] == [2, 2, 1]
    assert [r[c.ROW] for r in _records(chunks)] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "JSON onleesbaar"),
        (b'{"incidenten": [', "JSON onleesbaar"),
        (b"\xff\xfe{}", "JSON onleesbaar"),
        (b"[]", "vorm"),
        (b'[{"Incident Identificatie": "PL1"}]', "vorm"),
        (b'{"volgende": null}', "vorm"),
        (b'{"incidenten": {"a": 1}}', "vorm"),
        (b'{"incidenten": "PL1"}', "vorm"),
        (b'"incidenten"', "vorm"),
        (b'{"incidenten": [], "volgende": 2}', "volgende"),
        (b'{"incidenten": [], "volgende": ["p2"]}', "volgende"),
    ],
)
def test_json_of_the_wrong_shape_is_a_format_error(body: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        _read(body, "bvh-json")


def test_json_page_missing_a_required_key_everywhere_is_a_column_error() -> None:
    with pytest.raises(ColumnError, match="Kennisnamedatum/tijd"):
        _read(_page([{c.ID: "PL1", c.MK_CODE: "A20", c.BEGIN: "x"}]), "bvh-json")


def test_a_lone_surrogate_in_json_is_not_a_crash() -> None:
    body = b'{"incidenten": [{"Incident Identificatie": "\\ud800", "Incidentsoort": "x", '
    body += b'"Begin-pleegdatum/tijd": "", "Kennisnamedatum/tijd": ""}]}'
    try:
        chunks = _read(body, "bvh-json")
    except FormatError:
        return
    assert sum(ch.received for ch in chunks) == 1


@pytest.mark.parametrize(
    ("escaped", "kept"),
    [(b"\\ud800", "\\ud800"), (b"a\\uDC00b", "a\\udc00b"), (b"\xed\xa0\x80", "\\ud800")],
    ids=["high", "low", "raw-bytes"],
)
def test_an_element_with_a_lone_surrogate_is_a_reject_whose_raw_row_is_storable(
    escaped: bytes, kept: str
) -> None:
    good = json.dumps(_obj(ROW_1)).encode()
    bad = json.dumps(_obj(ROW_2)).encode().replace(b'"Hof"', b'"' + escaped + b'"')
    chunks = _read(b'{"incidenten": [' + good + b", " + bad + b"]}", "bvh-json")
    assert [r[c.ID] for r in _records(chunks)] == ["PL1"]
    (reject,) = _rejects(chunks)
    assert reject.row_number == 2
    assert reject.reason == "element bevat een ongeldig teken (losse surrogaat)"
    assert reject.raw[c.STREET] == kept
    json.dumps(reject.raw, ensure_ascii=False).encode("utf-8")  # no surrogate left


def test_a_surrogate_pair_escape_is_one_character_not_a_reject() -> None:
    body = json.dumps({"incidenten": [_obj([*ROW_1[:4], "Hof \U0001f6b2"])]}).encode()
    assert b"\\ud83d\\udeb2" in body
    chunks = _read(body, "bvh-json")
    assert [r[c.STREET] for r in _records(chunks)] == ["Hof \U0001f6b2"]
    assert _rejects(chunks) == []


def test_example_json_pages_read_like_the_example_csv(test_data: Path) -> None:
    csv_rows = _records(_read(test_data / "bvh-extract-example.csv"))
    json_rows: list[dict[str, Any]] = []
    seen = 0
    for page in ("page1", "page2"):
        body = (test_data / f"bvh-extract-example.{page}.json").read_bytes()
        for ch in iter_json_page(body, {}, 100, first_row=seen):
            seen += ch.received
            json_rows.extend(ch.rows.to_dict("records"))
    assert len(csv_rows) == 9
    assert pd.DataFrame(json_rows).equals(pd.DataFrame(csv_rows))
