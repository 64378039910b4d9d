"""Briefings as Dutch text for the shift supervisor and as one self-contained HTML page.

The HTML uses no outside resources (no scripts, fonts, images or style sheets from elsewhere) and
escapes every value that comes from the data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from briefing.reasons import nl_number
from briefing.since_last import row_order

#: The KPI test's outcome in words (briefing.since_last); "normal" says nothing.
_MARKS = {"higher": "hoger dan normaal", "lower": "lager dan normaal"}


def _localiser(timezone: str) -> Callable[..., str]:
    """``local(iso, fmt)``: an ISO moment as local time in ``timezone`` (the settings')."""
    zone = ZoneInfo(timezone)

    def local(iso: str | None, fmt: str = "%d-%m-%Y %H:%M") -> str:
        if not iso:
            return "onbekend"
        return dt.datetime.fromisoformat(iso).astimezone(zone).strftime(fmt)

    return local


def _pct(share: float) -> str:
    return f"{round(100 * share)}%"


def render_text(b: dict[str, Any], timezone: str) -> str:
    """One briefing as plain text; times local in ``timezone``."""
    _local = _localiser(timezone)
    lines = [
        f"Briefing {b['shift_label']} {_local(b['window']['start'], '%d-%m-%Y')} "
        f"({_local(b['window']['start'], '%H:%M')}-{_local(b['window']['end'], '%H:%M')}), "
        f"{b['municipality']}",
        f"Gegevens tot {_local(b['data_until'])}"
        + ("" if b.get("data_fresh", True) else " - LET OP: niet actueel"),
        f"Regelversie {b['rules_version']}",
        "",
        "Prioriteiten deze dienst:",
    ]
    pr = b.get("priorities", {})
    cats = ", ".join(f"{c['label']} ({_pct(c['share'])})" for c in pr.get("categories", []))
    areas = ", ".join(f"{a['name']} ({_pct(a['share'])})" for a in pr.get("areas", []))
    lines += [f"  Onderwerpen: {cats or '-'}", f"  Wijken: {areas or '-'}", "", "Hotspots:"]
    if not b["hotspots"]:
        lines.append("  geen: te weinig gegevens voor een hotspot")
    for hs in b["hotspots"]:
        where = hs["area"]["name"] if hs.get("area") else "onbekende wijk"
        streets = "/".join(hs.get("streets", []))
        cats = ", ".join(f"{c['label']} {c['count']}" for c in hs["categories"])
        lines.append(f"  {hs['rank']}. {where}{' - ' + streets if streets else ''} [{hs['id']}]")
        lines.append(
            f"     score {nl_number(hs['score'], 3)}" + (f"; 12 maanden: {cats}" if cats else "")
        )
        lines += [f"     - {r}" for r in hs["reasons"]]
        lines += [f"     > {a}" for a in hs["actions"]]
    since = b.get("since_last", {})
    lines += ["", f"Sinds de vorige briefing ({_local(since.get('from'))}):"]
    for row in sorted(since.get("categories", []), key=row_order)[:12]:
        mark = " (niet in hotspots)" if row.get("excluded") else ""
        test = _MARKS.get(str(row.get("direction")), "")
        lines.append(
            f"  {row['label']}: {row['count']} (gemiddeld {nl_number(row['average'])}"
            f"{', ' + test if test else ''}){mark}"
        )
    if since.get("notable"):
        lines.append("  Opvallend:")
        for n in since["notable"]:
            extra = ", aanhouding" if n["arrest"] else ""
            lines.append(
                f"   - {n['time']} {n['label']}, {n['street'] or 'straat onbekend'}{extra}"
            )
    lines += ["", *b.get("notes", [])]
    return "\n".join(lines)


_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#111;max-width:60em}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.4em}
table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:.25em .5em;text-align:left}
.hs{border:1px solid #ccc;border-radius:6px;padding:.6em 1em;margin:.6em 0}
.warn{color:#a00;font-weight:bold}.small{color:#555;font-size:.9em}
"""


def render_html(briefings: Sequence[dict[str, Any]], timezone: str) -> str:
    """Briefings as one self-contained HTML page; times local in ``timezone``."""
    _local = _localiser(timezone)
    e = escape
    parts = [
        "<!DOCTYPE html><html lang='nl'><head><meta charset='utf-8'>",
        "<title>VIS briefing</title>",
        f"<style>{_CSS}</style></head><body>",
    ]
    for b in briefings:
        start = b["window"]["start"]
        parts.append(
            f"<h1>Briefing {e(b['shift_label'])} {e(_local(start, '%d-%m-%Y'))} "
            f"({e(_local(start, '%H:%M'))}-{e(_local(b['window']['end'], '%H:%M'))})</h1>"
        )
        fresh = "" if b.get("data_fresh", True) else " <span class='warn'>niet actueel</span>"
        parts.append(
            f"<p class='small'>{e(b['municipality'])} · gegevens tot "
            f"{e(_local(b['data_until']))}{fresh} · regelversie {e(b['rules_version'])}</p>"
        )
        pr = b.get("priorities", {})
        parts.append("<h2>Prioriteiten</h2><ul>")
        for c in pr.get("categories", []):
            parts.append(f"<li>{e(c['label'])} ({e(_pct(c['share']))})</li>")
        for a in pr.get("areas", []):
            parts.append(f"<li>Wijk {e(a['name'])} ({e(_pct(a['share']))})</li>")
        parts.append("</ul><h2>Hotspots</h2>")
        if not b["hotspots"]:
            parts.append("<p>Geen hotspots: te weinig gegevens.</p>")
        for hs in b["hotspots"]:
            where = hs["area"]["name"] if hs.get("area") else "onbekende wijk"
            parts.append(
                f"<div class='hs'><b>{hs['rank']}. {e(where)}</b> "
                f"{e('/'.join(hs.get('streets', [])))} <span class='small'>({e(hs['id'])}, "
                f"score {e(nl_number(hs['score'], 3))})</span><br>"
                + e(", ".join(f"{c['label']}: {c['count']}" for c in hs["categories"]))
                + "<ul>"
                + "".join(f"<li>{e(r)}</li>" for r in hs["reasons"])
                + "".join(f"<li><b>Actie:</b> {e(a)}</li>" for a in hs["actions"])
                + "</ul></div>"
            )
        since = b.get("since_last", {})
        parts.append(
            f"<h2>Sinds de vorige briefing ({e(_local(since.get('from')))})</h2>"
            "<table><tr><th>Categorie</th><th>Aantal</th><th>Gemiddeld</th><th>Toets</th></tr>"
        )
        for row in sorted(since.get("categories", []), key=row_order):
            parts.append(
                f"<tr><td>{e(row['label'])}{' *' if row.get('excluded') else ''}</td>"
                f"<td>{row['count']}</td><td>{e(nl_number(row['average']))}</td>"
                f"<td>{e(_MARKS.get(str(row.get('direction')), ''))}</td></tr>"
            )
        parts.append("</table>")
        if since.get("notable"):
            parts.append("<h2>Opvallend</h2><ul>")
            for n in since["notable"]:
                arrest = " (aanhouding)" if n["arrest"] else ""
                parts.append(
                    f"<li>{e(n['time'])} {e(n['label'])}, {e(n['street'] or 'straat onbekend')}"
                    f"{arrest}</li>"
                )
            parts.append("</ul>")
        parts += [f"<p class='small'>{e(note)}</p>" for note in b.get("notes", [])]
    parts.append("</body></html>")
    return "\n".join(parts)
