"""The briefing as a printable PDF (fpdf2, core fonts, no outside resources)."""

from __future__ import annotations

from dataclasses import dataclass, field

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from vis.pdftext import latin1


def _latin(text: object) -> str:
    return latin1(text, one_line=True)


@dataclass
class PdfBriefing:
    title: str
    meta: str
    freshness: str
    kpis: list[tuple[str, str]] = field(default_factory=list)  # (label, value and mark)
    priorities: list[tuple[str, list[str], list[str]]] = field(default_factory=list)
    incidents: list[tuple[str, str, str]] = field(default_factory=list)  # time, street, category
    headings: dict[str, str] = field(default_factory=dict)
    credit: str = ""


def briefing_pdf(b: PdfBriefing) -> bytes:
    return briefings_pdf([b])


def briefings_pdf(items: list[PdfBriefing]) -> bytes:
    """One PDF with a page (or more) per briefing."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    for b in items:
        _briefing_pages(pdf, b)
    return bytes(pdf.output())


def _briefing_pages(pdf: FPDF, b: PdfBriefing) -> None:
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def line(text: str, size: float = 10, style: str = "", height: float = 5.5) -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(width, height, _latin(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    line(b.title, 16, "B", 8)
    line(b.meta, 9)
    line(b.freshness, 9, "I")
    pdf.ln(2)
    if b.kpis:
        line(b.headings.get("kpi", "KPI"), 12, "B", 7)
        for label, value in b.kpis:
            line(f"{label}: {value}", 10)
        pdf.ln(2)
    line(b.headings.get("priorities", "Prioriteiten"), 12, "B", 7)
    for title, reasons, actions in b.priorities:
        line(title, 11, "B", 6)
        for r in reasons:
            line(f"  - {r}", 10)
        for a in actions:
            line(f"  > {a}", 10)
        pdf.ln(1)
    if b.incidents:
        pdf.ln(1)
        line(b.headings.get("incidents", "Incidenten"), 12, "B", 7)
        for when, street, cat in b.incidents:
            line(f"{when}  {street}  ({cat})", 9.5)
    if b.credit:
        pdf.ln(2)
        line(b.credit, 8, "I")
