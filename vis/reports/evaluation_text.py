"""`vis evaluate --pilot`'s output: the report as Dutch text, and as JSON.

The command line prints it and :mod:`vis.services.evaluation_results` stores it, also when the
evaluation page computed the report.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from briefing.evaluation.explain import NIET_INGEVULD, nl_number

if TYPE_CHECKING:
    from briefing.evaluation.report import PilotReport


def num(value: Any, digits: int = 1) -> str:
    known = isinstance(value, int | float) and value == value  # not None, not NaN
    return nl_number(float(value), digits) if known else "–"


def format_report(report: PilotReport) -> str:
    p = report.pilot
    lines = [
        f"Pilot {p.name}: {p.label}",
        f"Basisperiode {p.baseline.label()}; pilotperiode {p.pilot.label()}",
        "Inwoners: "
        + ", ".join(
            f"{g} {nl_number(v, 0) if v else 'onbekend'}" for g, v in report.populations.items()
        ),
        "",
        f"Antwoord: {report.headline}",
        "",
        "Effect per reeks (verschil-in-verschillen, behandelgebied tegen verwacht):",
        *(f"  {text}" for text in report.effects.get("tekst", [])),
        "",
        "Doelen van de gemeente:",
    ]
    for row in report.indicators.to_dict(orient="records"):
        if row["doel"] and not str(row["doel_gehaald"]).startswith("n.v.t."):
            lines.append(
                f"  {row['periode']!s:<13} {row['omschrijving']!s:<31} "
                f"{num(row['waarde'])}  doel {row['doel']}: {row['doel_gehaald']}"
            )
    lines += ["", "Indicatoren (per 1.000 inwoners per jaar, tenzij anders vermeld):"]
    for row in report.indicators.to_dict(orient="records"):
        waarde = row["waarde"]
        known = isinstance(waarde, int | float) and waarde == waarde  # not None, not NaN
        value = nl_number(float(waarde), 1) if known else str(row["toelichting"])
        target = f"  doel {row['doel']}" if row["doel"] else ""
        lines.append(
            f"  {row['periode']!s:<13} {row['gebied']!s:<15} {row['omschrijving']!s:<31} "
            f"{row['aantal']!s:>6}  {value}{target}"
        )
    lines += ["", "Cijfers van buiten VIS:"]
    for row in report.outside.to_dict(orient="records"):
        shown = (
            row["waarde"] if row["waarde"] == NIET_INGEVULD else f"{row['waarde']} {row['eenheid']}"
        )
        lines.append(f"  {row['omschrijving']}: {shown} (bron: {row['bron']})")
    lines += ["", "Toetsen:"]
    lines += [f"  {text}" for text in report.comparisons["uitleg"]]
    lines += ["", report.record_summary.explanation, report.dosage_summary.explanation]
    lines += [f"Opmerking: {n}" for n in report.notes]
    return "\n".join(lines)


def render(report: PilotReport) -> tuple[str, str]:
    """The report as the command prints it: Dutch text, and JSON."""
    return format_report(report), json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
