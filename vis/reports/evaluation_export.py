"""Export a pilot report, or the area scans, as CSV, XLSX (openpyxl) or PDF (fpdf2).

Text cells that begin with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) are written
with a leading apostrophe, so that a spreadsheet never runs them as a formula. Numbers stay
numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from briefing.evaluation.areascan import AreaScan
from briefing.evaluation.explain import nl_number, nl_p
from briefing.evaluation.indicators import wide
from briefing.evaluation.report import PilotReport
from vis.reports.pdftext import latin1

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "xlsx", "pdf")


class ExportError(ValueError):
    """The export path has an unknown extension or cannot be written."""


def neutralise(value: Any) -> Any:
    """A cell value safe for a spreadsheet: text with a formula prefix gets a leading ``'``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _cells(frame: pd.DataFrame) -> list[list[Any]]:
    return [[neutralise(v) for v in row] for row in frame.itertuples(index=False, name=None)]


def export_report(report: PilotReport, path: Path) -> Path:
    """Write the report; the format follows the extension (.csv, .xlsx or .pdf)."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ExportError(f"onbekend exportformaat {path.suffix!r}: kies .csv, .xlsx of .pdf")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        {"csv": _csv, "xlsx": _xlsx, "pdf": _pdf}[suffix](report, path)
    except OSError as exc:
        raise ExportError(f"kan {path} niet schrijven: {exc.strerror or exc}") from exc
    return path


def _csv(report: PilotReport, path: Path) -> None:
    """One CSV with every table below each other; the first column names the table."""
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(["onderdeel", "pilot", report.pilot.name])
        for name, frame in report.tables().items():
            writer.writerow([])
            writer.writerow(["onderdeel", *[neutralise(str(c)) for c in frame.columns]])
            for row in _cells(frame):
                writer.writerow([name, *row])


def _xlsx(report: PilotReport, path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "pilot"
    p = report.pilot
    for row in (
        ["pilot", p.name],
        ["titel", p.label],
        ["basisperiode", p.baseline.label()],
        ["pilotperiode", p.pilot.label()],
        ["briefings", report.record_summary.explanation],
        ["dosis", report.dosage_summary.explanation],
        *(["opmerking", n] for n in report.notes),
    ):
        sheet.append([neutralise(v) for v in row])
    for name, frame in report.tables().items():
        ws = book.create_sheet(name[:31])
        ws.append([neutralise(str(c)) for c in frame.columns])
        for row in _cells(frame):
            ws.append(row)
    book.save(path)


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, float):
        return nl_number(value, 2)
    if isinstance(value, dt.date):
        return value.strftime("%d-%m-%Y")
    return str(value)


def _pdf(report: PilotReport, path: Path) -> None:
    from fpdf.errors import FPDFException

    try:
        _write_pdf(report, path)
    except FPDFException as exc:
        raise ExportError(f"PDF kon niet worden opgemaakt: {exc}") from exc


def _write_pdf(report: PilotReport, path: Path) -> None:
    """The answer first (headline, forest plot, targets, tests with Holm-adjusted p), then the
    explanations, key figures and tables: the same order as the evaluator's page."""
    from fpdf import FPDF

    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    p = report.pilot
    pdf.set_font("helvetica", "B", 14)
    pdf.multi_cell(0, 8, _latin(f"Evaluatie {p.label}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 9)
    line = f"Basisperiode {p.baseline.label()}; pilotperiode {p.pilot.label()}."
    pdf.multi_cell(0, 5, _latin(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("helvetica", "B", 12)
    pdf.multi_cell(0, 6, _latin(report.headline), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 8)
    note = ("Hoofdvraag: de pilotcategorieen in het behandelgebied, verschil-in-verschillen; "
            "alle andere toetsen zijn verkennend (p gecorrigeerd volgens Holm).")  # fmt: skip
    pdf.multi_cell(0, 4.5, note, new_x="LMARGIN", new_y="NEXT")
    _pdf_forest(pdf, report.effects)
    _pdf_targets(pdf, report.indicators)
    _pdf_tests(pdf, report.comparisons)
    pdf.add_page()
    pdf.set_font("helvetica", "", 9)
    for text in (report.record_summary.explanation, report.dosage_summary.explanation,
                 *report.notes):  # fmt: skip
        pdf.multi_cell(0, 5, _latin(text), new_x="LMARGIN", new_y="NEXT")
    _pdf_key_figures(pdf, wide(report.indicators))
    pdf.add_page()
    pdf.set_font("helvetica", "B", 11)
    pdf.cell(0, 7, "Toetsen in gewone taal", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 8)
    for text in report.comparisons["uitleg"]:
        pdf.multi_cell(0, 4.5, _latin(f"- {text}"), new_x="LMARGIN", new_y="NEXT")
    _pdf_table(pdf, "Indicatoren met aantallen", report.indicators, ["periode", "gebied",
               "omschrijving", "aantal", "waarde", "eenheid", "doel", "doel_gehaald"])  # fmt: skip
    _pdf_table(pdf, "Cijfers van buiten VIS", report.outside, list(report.outside.columns))
    pdf.output(str(path))


def _pdf_forest(pdf: Any, effects: pd.DataFrame) -> None:
    """Effect per series (% against expected) with its interval, a dashed line at 0."""
    pdf.ln(2)
    pdf.set_font("helvetica", "B", 11)
    pdf.cell(0, 7, "Effect per reeks (95%-BI)", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 8)
    known = effects.dropna(subset=["effect_pct", "ci_laag_pct", "ci_hoog_pct"])
    if known.empty:
        pdf.cell(0, 5, "Geen effect te bepalen.", new_x="LMARGIN", new_y="NEXT")
        return
    low = max(-100.0, min(-25.0, float(known["ci_laag_pct"].min())))
    high = min(300.0, max(25.0, float(known["ci_hoog_pct"].max())))
    x0, x1, row_h = 95.0, 270.0, 6.0

    def at(value: float) -> float:
        return x0 + (min(max(value, low), high) - low) / (high - low) * (x1 - x0)

    top = pdf.get_y()
    for i, row in enumerate(known.to_dict(orient="records")):
        y = top + i * row_h + row_h / 2
        pdf.set_xy(pdf.l_margin, y - 2)
        label = f"{row['reeks']}: {nl_number(row['effect_pct'], 0)} %"
        pdf.cell(x0 - pdf.l_margin - 2, 4, _latin(label))
        pdf.set_line_width(0.6)
        pdf.line(at(row["ci_laag_pct"]), y, at(row["ci_hoog_pct"]), y)
        size = 1.8
        pdf.rect(at(row["effect_pct"]) - size / 2, y - size / 2, size, size, style="F")
    bottom = top + len(known) * row_h
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=1, gap=1)
    pdf.line(at(0.0), top, at(0.0), bottom)
    pdf.set_dash_pattern()
    for tick in (low, 0.0, high):
        pdf.set_xy(at(tick) - 8, bottom + 0.5)
        pdf.cell(16, 4, f"{nl_number(tick, 0)} %", align="C")
    pdf.set_xy(pdf.l_margin, bottom + 5)


def _pdf_targets(pdf: Any, indicators: pd.DataFrame) -> None:
    judged = indicators.loc[
        (indicators["doel"].astype(str) != "")
        & ~indicators["doel_gehaald"].astype(str).str.startswith("n.v.t.")
    ]
    pdf.ln(1)
    pdf.set_font("helvetica", "B", 11)
    pdf.cell(0, 7, "Doelen van de gemeente", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 8)
    if judged.empty:
        pdf.cell(0, 5, "Geen doelen ingevuld.", new_x="LMARGIN", new_y="NEXT")
        return
    with pdf.table(text_align="LEFT", line_height=4) as table:
        table.row(["periode", "gebied", "indicator", "waarde", "doel", "gehaald"])
        for row in judged.to_dict(orient="records"):
            cells = (row["periode"], row["gebied"], row["omschrijving"],
                     _text(row["waarde"]), row["doel"], row["doel_gehaald"])  # fmt: skip
            table.row([_latin(str(v)) for v in cells])


def _pdf_tests(pdf: Any, comparisons: pd.DataFrame) -> None:
    pdf.ln(1)
    pdf.set_font("helvetica", "B", 11)
    pdf.cell(0, 7, "Toetsen (p en p na Holm-correctie)", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 7)
    widths = (40, 80, 18, 20, 34, 18, 18, 49)
    with pdf.table(text_align="LEFT", line_height=3.6, col_widths=widths) as table:
        table.row(["reeks", "toets", "rol", "schatting", "95%-BI", "p", "p (Holm)", "aantallen"])
        for row in comparisons.to_dict(orient="records"):
            ci = (
                "-" if _text(row["ci_laag"]) == "–" or _text(row["ci_hoog"]) == "–"
                else f"{_text(row['ci_laag'])} tot {_text(row['ci_hoog'])}"
            )  # fmt: skip
            cells = (row["reeks"], row["toets"], row["rol"], _text(row["schatting"]), ci,
                     _p(row["p"]), _p(row["p_holm"]), row["aantallen"])  # fmt: skip
            table.row([_latin(str(v)) for v in cells])


def _p(value: Any) -> str:
    if value is None or not isinstance(value, int | float) or value != value:
        return "-"
    return nl_p(float(value)).removeprefix("p ").removeprefix("= ")


def _pdf_key_figures(pdf: Any, table: pd.DataFrame) -> None:
    """The indicators with each group's two periods side by side, and the targets."""
    if table.empty:
        return
    pdf.ln(2)
    pdf.set_font("helvetica", "B", 11)
    pdf.cell(0, 7, "Kerncijfers", new_x="LMARGIN", new_y="NEXT")
    groups: list[tuple[str, str]] = [(str(c[0]), str(c[1])) for c in table.columns if c[1]]
    pdf.set_font("helvetica", "", 7)
    with pdf.table(text_align="LEFT", col_widths=(34, 24, *(14,) * len(groups), 30)) as out:
        heads = [f"{g.removesuffix('gebied')} {p.removesuffix('periode')}" for g, p in groups]
        out.row(["indicator", "eenheid", *heads, "doel"])
        for _, row in table.iterrows():
            labels = (row[("omschrijving", "")], row[("eenheid", "")])
            values = (_text(row[c]) for c in groups)
            out.row([_latin(str(v)) for v in (*labels, *values, row[("doel", "")])])


def _latin(text: str) -> str:
    """Latin-1 for the PDF core font; the target marks ✓/✗ keep their words."""
    return latin1(text.replace("✓ ", "").replace("✗ ", ""))


def _pdf_table(pdf: Any, title: str, frame: pd.DataFrame, columns: list[str]) -> None:
    pdf.add_page()
    pdf.set_font("helvetica", "B", 11)
    pdf.cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 7)
    with pdf.table(text_align="LEFT") as table:
        table.row([_latin(c) for c in columns])
        for row in frame[columns].itertuples(index=False, name=None):
            table.row([_latin(_text(v)) for v in row])


# --- area scans (gebiedsscans) ----------------------------------------------------------------

#: The tables of an area scan by their Dutch name, with the AreaScan attribute that holds them.
SCAN_TABLES = {
    "per_1000": "rates",
    "verandering": "change",
    "trend": "trend",
    "hotspots": "hotspots",
}


def scan_tables(scans: Sequence[AreaScan]) -> dict[str, pd.DataFrame]:
    """Each table of the scans, all gebieden below each other, with ``gebied`` as first column."""
    out: dict[str, pd.DataFrame] = {}
    for name, attr in SCAN_TABLES.items():
        parts = [getattr(s, attr).assign(gebied=s.gebied) for s in scans]
        parts = [p[["gebied", *[c for c in p.columns if c != "gebied"]]] for p in parts]
        out[name] = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return out


def export_area_scans(scans: Sequence[AreaScan], path: Path, as_of: dt.date) -> Path:
    """Write the area scans; the format follows the extension (.csv, .xlsx or .pdf)."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ExportError(f"onbekend exportformaat {path.suffix!r}: kies .csv, .xlsx of .pdf")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if suffix == "csv":
            _scans_csv(scans, path, as_of)
        elif suffix == "xlsx":
            _scans_xlsx(scans, path, as_of)
        else:
            from fpdf.errors import FPDFException

            try:
                _scans_pdf(scans, path, as_of)
            except FPDFException as exc:
                raise ExportError(f"PDF kon niet worden opgemaakt: {exc}") from exc
    except OSError as exc:
        raise ExportError(f"kan {path} niet schrijven: {exc.strerror or exc}") from exc
    return path


def _scans_csv(scans: Sequence[AreaScan], path: Path, as_of: dt.date) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(["onderdeel", "peildatum", as_of.isoformat()])
        writer.writerow([])
        writer.writerow(["onderdeel", "gebied", "inwoners", "wijken", "laatste_jaar"])
        for s in scans:
            writer.writerow([neutralise(v) for v in (
                "gebieden", s.gebied, s.inhabitants, " ".join(s.wijken), s.last_year.label()
            )])  # fmt: skip
        for name, frame in scan_tables(scans).items():
            writer.writerow([])
            writer.writerow(["onderdeel", *[neutralise(str(c)) for c in frame.columns]])
            for row in _cells(frame):
                writer.writerow([name, *row])


def _scans_xlsx(scans: Sequence[AreaScan], path: Path, as_of: dt.date) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "gebieden"
    sheet.append(["peildatum", as_of])
    sheet.append(["gebied", "inwoners", "wijken", "laatste_jaar"])
    for s in scans:
        sheet.append([neutralise(v) for v in (
            s.gebied, s.inhabitants, " ".join(s.wijken), s.last_year.label()
        )])  # fmt: skip
    for name, frame in scan_tables(scans).items():
        ws = book.create_sheet(name[:31])
        ws.append([neutralise(str(c)) for c in frame.columns])
        for row in _cells(frame):
            ws.append(row)
    book.save(path)


def _scans_pdf(scans: Sequence[AreaScan], path: Path, as_of: dt.date) -> None:
    """One page per gebied: rates against the city, the trend and the top hotspots."""
    from fpdf import FPDF

    pdf = FPDF(orientation="portrait", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    if not scans:
        pdf.add_page()
        pdf.set_font("helvetica", "", 10)
        pdf.cell(0, 7, "Geen gebieden geconfigureerd.", new_x="LMARGIN", new_y="NEXT")
    for s in scans:
        pdf.add_page()
        pdf.set_font("helvetica", "B", 14)
        pdf.multi_cell(0, 8, _latin(f"Gebiedsscan veiligheid {s.gebied}"),
                       new_x="LMARGIN", new_y="NEXT")  # fmt: skip
        pdf.set_font("helvetica", "", 8)
        inw = nl_number(float(s.inhabitants), 0) if s.inhabitants else "onbekend"
        for line in (
            f"Peildatum {as_of:%d-%m-%Y}; laatste jaar {s.last_year.label()}; inwoners {inw}.",
            f"Wijken: {', '.join(s.wijken) or 'geen'}.",
        ):
            pdf.multi_cell(0, 4.5, _latin(line), new_x="LMARGIN", new_y="NEXT")
        _scan_table(pdf, "Per 1.000 inwoners per jaar, gebied tegen de stad", s.rates,
                    ["reeks", "aantal", "gebied_per_1000", "stad_per_1000", "p"])  # fmt: skip
        _scan_table(pdf, "Trend: laatste jaar tegen het jaar ervoor", s.change,
                    ["reeks", "vorig_jaar", "laatste_jaar", "verhouding", "p"])  # fmt: skip
        pdf.set_font("helvetica", "", 7)
        for text in [*s.rates["uitleg"], *s.change["uitleg"]]:
            pdf.multi_cell(0, 3.6, _latin(f"- {text}"), new_x="LMARGIN", new_y="NEXT")
        _scan_table(pdf, "Top hotspots (misdrijven, laatste jaar)", s.hotspots,
                    ["cel", "aantal", "meest", "straat"])  # fmt: skip
    pdf.output(str(path))


def _scan_table(pdf: Any, title: str, frame: pd.DataFrame, columns: list[str]) -> None:
    pdf.ln(1)
    pdf.set_font("helvetica", "B", 10)
    pdf.cell(0, 6, _latin(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 7)
    if frame.empty:
        pdf.cell(0, 4.5, "geen", new_x="LMARGIN", new_y="NEXT")
        return
    with pdf.table(text_align="LEFT", line_height=3.8) as table:
        table.row([_latin(c) for c in columns])
        for row in frame[columns].itertuples(index=False, name=None):
            table.row([_latin(" ".join(_text(v).split())) for v in row])
