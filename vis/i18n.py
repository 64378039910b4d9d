"""The UI's texts: Dutch first, English switchable. ``t(key, lang, **fields)`` formats one.

A missing English text falls back to Dutch; a missing key raises ``KeyError`` (the tests look up
every key the pages use, so a typo fails there).
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["nl", "en"]
LANGUAGES: dict[str, str] = {"nl": "Nederlands", "en": "English"}

TEXTS: dict[str, tuple[str, str]] = {
    # shell and login
    "app.title": ("VIS — Veiligheidsinformatie", "VIS — Safety information"),
    "login.title": ("Inloggen", "Log in"),
    "login.intro": (
        "Log in met je gebruikersnaam en wachtwoord.",
        "Log in with your username and password.",
    ),
    "login.username": ("Gebruikersnaam", "Username"),
    "login.password": ("Wachtwoord", "Password"),
    "login.submit": ("Inloggen", "Log in"),
    "login.failed": (
        "Inloggen mislukt: onbekende combinatie, of het account is (tijdelijk) geblokkeerd.",
        "Login failed: unknown combination, or the account is (temporarily) locked.",
    ),
    "login.throttled": (
        "Te veel mislukte inlogpogingen vanaf dit adres. Probeer het over {seconds} s opnieuw.",
        "Too many failed logins from this address. Try again in {seconds} s.",
    ),
    "login.busy": (
        "Er worden nu veel inlogpogingen tegelijk verwerkt vanaf dit adres. Probeer het over "
        "{seconds} s opnieuw.",
        "Many logins from this address are being processed right now. Try again in {seconds} s.",
    ),
    "login.client_locked": (
        "Te veel mislukte inlogpogingen vanaf dit adres: inloggen is hier {minutes} min "
        "geblokkeerd.",
        "Too many failed logins from this address: logging in from here is blocked for {minutes} "
        "min.",
    ),
    "login.oidc": ("Inloggen met {provider}", "Log in with {provider}"),
    "login.oidc_unknown": (
        "Je bent aangemeld als {email}, maar hebt geen rol in VIS. Vraag een beheerder.",
        "You are signed in as {email}, but have no role in VIS. Ask an administrator.",
    ),
    "login.expired": (
        "Je sessie is verlopen na {minutes} minuten zonder activiteit. Log opnieuw in.",
        "Your session expired after {minutes} idle minutes. Please log in again.",
    ),
    "login.logged_out": ("Je bent uitgelogd.", "You have logged out."),
    "shell.user": ("Ingelogd als **{user}** ({role})", "Logged in as **{user}** ({role})"),
    "shell.logout": ("Uitloggen", "Log out"),
    "shell.logout_all": ("Overal uitloggen", "Log out everywhere"),
    "shell.revoked": (
        "Je sessie is beëindigd: je account of je rol is gewijzigd, of je bent elders uitgelogd.",
        "Your session has ended: your account or role changed, or you logged out elsewhere.",
    ),
    "dl.link": ("{name} ophalen", "Fetch {name}"),
    "dl.once": (
        "De link werkt één keer, één minuut, alleen in deze browser; de download wordt gelogd.",
        "The link works once, for one minute, only in this browser; the download is logged.",
    ),
    "shell.language": ("Taal", "Language"),
    "shell.denied": (
        "Geen toegang: deze pagina hoort niet bij jouw rol.",
        "Access denied: this page is not part of your role.",
    ),
    "role.supervisor": ("leidinggevende", "supervisor"),
    "role.handhaver": ("handhaver", "enforcement officer"),
    "role.evaluator": ("evaluator", "evaluator"),
    "role.admin": ("beheerder", "administrator"),
    "page.briefing": ("Briefing", "Briefing"),
    "page.status": ("Status", "Status"),
    "page.tablet": ("Dienst", "Shift"),
    "page.evaluation": ("Evaluatie", "Evaluation"),
    "page.users": ("Gebruikers", "Users"),
    "page.audit_log": ("Auditlog", "Audit log"),
    # selection of a briefing
    "sel.date": ("Datum", "Date"),
    "sel.shift": ("Dienst", "Shift"),
    "sel.none": (
        "Nog geen briefing voor {date}, {shift}.",
        "No briefing yet for {date}, {shift}.",
    ),
    "sel.fallback": (
        "Getoond: de laatst opgeslagen briefing ({date}, {shift}).",
        "Shown: the most recent stored briefing ({date}, {shift}).",
    ),
    "sel.empty": ("Er zijn nog geen briefings opgeslagen.", "No briefings have been stored yet."),
    # freshness
    "fresh.ok": (
        "Gegevens tot {until}; laatste inlezing {finished} geslaagd.",
        "Data until {until}; last ingest {finished} succeeded.",
    ),
    "fresh.failed": (
        "Laatste inlezing ({started}) is MISLUKT. Gegevens tot {until}.",
        "The last ingest ({started}) FAILED. Data until {until}.",
    ),
    "fresh.old": (
        "Gegevens zijn ouder dan een dag: tot {until}.",
        "Data is older than a day: until {until}.",
    ),
    "fresh.none": ("Nog geen gegevens ingelezen.", "No data has been ingested yet."),
    # briefing page
    "brief.title": ("Briefing {date} — {shift}", "Briefing {date} — {shift}"),
    "brief.meta": (
        "Venster {start} – {end} · gegevens tot {until} · regels {rules} · versie {version}",
        "Window {start} – {end} · data until {until} · rules {rules} · version {version}",
    ),
    "brief.kpi": (
        "Sinds de vorige briefing ({hours} uur) tegen het gemiddelde van {days} dagen",
        "Since the last briefing ({hours} h) vs the {days}-day mean",
    ),
    "brief.kpi_rest": ("Verder zoals gewoonlijk: {names}.", "Otherwise as usual: {names}."),
    "brief.kpi_none": ("Geen incidenten in de vergelijking.", "No incidents to compare."),
    "kpi.higher": ("↑ hoger dan normaal", "↑ higher than usual"),
    "kpi.lower": ("↓ lager dan normaal", "↓ lower than usual"),
    "kpi.normal": ("≈ normaal", "≈ as usual"),
    "kpi.help": (
        "Gemiddeld {mean} per {hours} uur; Poisson-toets p = {p} (significant bij p < {alpha}).",
        "Mean {mean} per {hours} h; Poisson test p = {p} (significant at p < {alpha}).",
    ),
    "brief.map": ("Hotspots", "Hotspots"),
    "brief.priorities": ("Prioriteiten", "Priorities"),
    "brief.reasons": ("Waarom", "Why"),
    "brief.actions": ("Acties", "Actions"),
    "brief.no_hotspots": ("Geen hotspots in deze briefing.", "No hotspots in this briefing."),
    "brief.incidents": (
        "Opvallende incidenten sinds de vorige briefing",
        "Notable incidents since the last briefing",
    ),
    "brief.no_incidents": ("Geen opvallende incidenten.", "No notable incidents."),
    "brief.detail": ("Details van incident", "Incident details"),
    "brief.pdf": ("PDF downloaden", "Download PDF"),
    "brief.print": (
        "Afdrukken: Ctrl+P (de afdrukopmaak laat menu en knoppen weg).",
        "Print: Ctrl+P (the print layout leaves out menus and buttons).",
    ),
    "col.street": ("Straat", "Street"),
    "col.time": ("Tijd", "Time"),
    "col.category": ("Categorie", "Category"),
    "col.area": ("Wijk", "District"),
    "hotspot": ("Hotspot {rank}", "Hotspot {rank}"),
    "hotspot.score": ("score {score}", "score {score}"),
    "map.credit": (
        "Kaart: wijkgrenzen, Bron: CBS ({source}).",
        "Map: districts, Source: CBS ({source}).",
    ),
    # tablet
    "tab.title": ("{shift} — {date}", "{shift} — {date}"),
    "tab.visit": ("Ik ben hier geweest", "I have been here"),
    "tab.duration": ("Duur (minuten, optioneel)", "Duration (minutes, optional)"),
    "tab.note": ("Notitie (optioneel, eigen woorden)", "Note (optional, own words)"),
    "tab.note_hint": (
        "Geen namen, kentekens of adressen; na {days} dagen gewist",
        "No names, number plates or addresses; erased after {days} days",
    ),
    "tab.saved": (
        "Bezoek aan hotspot {rank} vastgelegd om {time}.",
        "Visit to hotspot {rank} recorded at {time}.",
    ),
    "tab.visits": ("Jouw bezoeken deze dienst: {n}", "Your visits this shift: {n}"),
    "tab.route": ("Route (kaarten-app)", "Route (maps app)"),
    # status
    "st.sources": ("Versheid per bron", "Freshness per source"),
    "st.ledger": ("Inleeslog", "Ingest ledger"),
    "st.quarantine": ("Quarantaine ({n} rijen)", "Quarantine ({n} rows)"),
    "st.csv": ("Quarantaine als CSV", "Quarantine as CSV"),
    "st.next": ("Volgende geplande inlezing: {when}", "Next scheduled ingest: {when}"),
    "st.c.source": ("Bron", "Source"),
    "st.c.last_status": ("Laatste run", "Last run"),
    "st.c.last_started": ("Laatst gestart", "Last started"),
    "st.c.last_success": ("Laatst geslaagd", "Last success"),
    "st.c.fetched_until": ("Opgehaald tot", "Fetched until"),
    "st.c.run": ("Run", "Run"),
    "st.c.status": ("Uitkomst", "Outcome"),
    "st.c.started": ("Gestart", "Started"),
    "st.c.finished": ("Klaar", "Finished"),
    "st.c.from": ("Venster van", "Window from"),
    "st.c.to": ("Venster tot", "Window to"),
    "st.c.received": ("Ontvangen", "Received"),
    "st.c.loaded": ("Geladen", "Loaded"),
    "st.c.quarantined": ("Quarantaine", "Quarantined"),
    "st.c.duration": ("Duur (s)", "Duration (s)"),
    "st.c.error": ("Fout", "Error"),
    "st.c.row": ("Rij", "Row"),
    "st.c.incident": ("Incident", "Incident"),
    "st.c.reason": ("Reden", "Reason"),
    "st.c.received_at": ("Ontvangen op", "Received at"),
    "st.success": ("geslaagd", "succeeded"),
    "st.failed": ("mislukt", "failed"),
    "st.running": ("bezig", "running"),
    # evaluation
    "ev.intro": (
        "Het archief van opgeslagen briefings over de laatste {days} dagen. Voor afgelopen "
        "diensten: hoeveel incidenten daarna begonnen binnen de hotspots, en hoeveel bezoeken er "
        "werden vastgelegd. Pilotevaluaties met vergelijkingsgebieden volgen apart.",
        "The record of stored briefings over the last {days} days. For past shifts: how many "
        "incidents then began inside the hotspots, and how many visits were recorded. Pilot "
        "evaluations with comparison areas follow separately.",
    ),
    "ev.per_day": ("Briefings per dag en dienst", "Briefings per day and shift"),
    "ev.hits": ("Afgelopen diensten", "Past shifts"),
    "ev.none": ("Geen briefings in deze periode.", "No briefings in this period."),
    "ev.view": ("Weergave", "View"),
    "ev.view.record": ("Briefings", "Briefings"),
    "ev.view.pilot": ("Pilot", "Pilot"),
    "ev.view.areas": ("Gebiedsscans", "Area scans"),
    # pilot evaluation
    "ep.choose": ("Pilot", "Pilot"),
    "ep.computing": ("Pilot wordt doorgerekend…", "Evaluating the pilot…"),
    "ep.none": (
        "Er zijn nog geen pilots gedefinieerd.",
        "No pilots have been defined yet.",
    ),
    "ep.config_error": (
        "De pilotconfiguratie klopt niet: {error}",
        "The pilot config is wrong: {error}",
    ),
    "ep.db_error": (
        "De database kon niet worden gelezen; is ze bijgewerkt ('vis init')?",
        "The database could not be read; is it up to date ('vis init')?",
    ),
    "ep.failed": ("Evaluatie niet mogelijk: {error}", "Evaluation not possible: {error}"),
    "ep.periods": (
        "Basisperiode {baseline}; pilotperiode {pilot}",
        "Baseline {baseline}; pilot {pilot}",
    ),
    "ep.indicators": ("Indicatoren en doelen 2017", "Indicators and 2017 targets"),
    "ep.outside": ("Cijfers van buiten VIS (met bron)", "Figures from outside VIS (with source)"),
    "ep.charts": ("Verloop per week", "Weekly trend"),
    "ep.no_series": ("Geen tijdreeks beschikbaar.", "No time series available."),
    "ep.series": ("Reeks", "Series"),
    "ep.measure": ("Maat", "Measure"),
    "ep.measure.per_1000_per_jaar": (
        "Per 1.000 inwoners per jaar",
        "Per 1,000 inhabitants per year",
    ),
    "ep.measure.aantal": ("Aantal", "Count"),
    "ep.week": ("Week", "Week"),
    "ep.area": ("Gebied", "Area"),
    "ep.period": ("Periode", "Period"),
    "ep.comparisons": ("Toetsen in gewone taal", "Tests in plain language"),
    "ep.answer_note": (
        "Hoofdvraag van de pilot: de pilotcategorieën in het behandelgebied, "
        "verschil-in-verschillen tegen het controlegebied. Alle andere toetsen zijn verkennend "
        "(p gecorrigeerd volgens Holm).",
        "The pilot's primary question: its categories in the treatment area, "
        "difference-in-differences against the control area. Every other test is exploratory "
        "(p adjusted by Holm).",
    ),
    "ep.forest": ("Effect per reeks (95%-BI)", "Effect per series (95% CI)"),
    "ep.forest_axis": (
        "Verschil met verwacht uit het controlegebied (%)",
        "Difference from expected from the control area (%)",
    ),
    "ep.role": ("Rol", "Role"),
    "ep.effect": ("Effect", "Effect"),
    "ep.no_effects": ("Geen effect te bepalen.", "No effect can be determined."),
    "ep.targets": ("Doelen van de gemeente", "Municipal targets"),
    "ep.no_targets": ("Geen doelen ingevuld.", "No targets entered."),
    "ep.tests_text": ("Alle toetsen in gewone taal", "All tests in plain language"),
    "ep.no_tests": ("Geen toetsen.", "No tests."),
    "ep.tests_table": ("Alle toetsen als tabel", "All tests as a table"),
    "ep.compstat": ("CompStat", "CompStat"),
    "ep.record": ("Briefings en patrouillebezoeken", "Briefings and patrol visits"),
    "ep.record_table": ("Per briefing en per hotspot", "Per briefing and per hotspot"),
    "ep.export": ("Exporteren", "Export"),
    "ep.export.csv": ("CSV", "CSV"),
    "ep.export.xlsx": ("Excel (XLSX)", "Excel (XLSX)"),
    "ep.export.pdf": ("PDF", "PDF"),
    "ep.edit": ("Pilotdefinities bewerken", "Edit pilot definitions"),
    "ep.edit_intro": (
        "Wijzigingen worden gecontroleerd en in pilots.toml opgeslagen (zonder commentaarregels).",
        "Changes are validated and saved to pilots.toml (without comment lines).",
    ),
    "ep.edit_which": ("Pilot", "Pilot"),
    "ep.edit_new": ("(nieuwe pilot)", "(new pilot)"),
    "ep.f.name": ("Naam (kort, uniek)", "Name (short, unique)"),
    "ep.f.label": ("Titel", "Title"),
    "ep.f.description": ("Omschrijving", "Description"),
    "ep.f.baseline_start": ("Basis: eerste dag", "Baseline: first day"),
    "ep.f.baseline_end": ("Basis: laatste dag", "Baseline: last day"),
    "ep.f.period_start": ("Pilot: eerste dag", "Pilot: first day"),
    "ep.f.period_end": ("Pilot: laatste dag", "Pilot: last day"),
    "ep.f.categories": ("Categorieën (leeg: alle misdrijven)", "Categories (empty: all crimes)"),
    "ep.f.alpha": ("Significantieniveau", "Significance level"),
    "ep.f.treatment": ("Behandelgebied", "Treatment area"),
    "ep.f.control": ("Controlegebied", "Control area"),
    "ep.f.buffer": ("Buffergebied", "Buffer area"),
    "ep.f.no_buffer": ("(geen)", "(none)"),
    "ep.f.codes": ("Codes (komma's)", "Codes (commas)"),
    "ep.f.buffer_m": ("Ring (m)", "Ring (m)"),
    "ep.f.save": ("Opslaan", "Save"),
    "ep.invalid": ("Niet opgeslagen: {error}", "Not saved: {error}"),
    "ep.saved": ("Pilot {name} opgeslagen.", "Pilot {name} saved."),
    # area scans
    "as.refresh": ("Opnieuw berekenen", "Recompute"),
    "as.computing": ("Gebiedsscans worden berekend…", "Computing the area scans…"),
    "as.none": ("Geen gebieden geconfigureerd.", "No gebieden configured."),
    "as.intro": (
        "Gebiedsscans veiligheid, peildatum {as_of}: het laatste jaar tegen het jaar ervoor en "
        "tegen de rest van de stad.",
        "Area scans, reference day {as_of}: the last year against the year before and against "
        "the rest of the city.",
    ),
    "as.choose": ("Gebied", "Area"),
    "as.title": ("Gebiedsscan {gebied}", "Area scan {gebied}"),
    "as.meta": (
        "Inwoners {inhabitants}; wijken {wijken}; laatste jaar {period}",
        "Inhabitants {inhabitants}; wijken {wijken}; last year {period}",
    ),
    "as.rates": ("Per 1.000 inwoners, gebied tegen de stad", "Per 1,000 inhabitants, area vs city"),
    "as.trend": ("Trend per categorie (per maand)", "Trend per category (monthly)"),
    "as.month": ("Maand", "Month"),
    "as.count": ("Aantal", "Count"),
    "as.series": ("Reeks", "Series"),
    "as.hotspots": ("Top hotspots (misdrijven, laatste jaar)", "Top hotspots (crimes, last year)"),
    "as.no_hotspots": ("Geen hotspots in het laatste jaar.", "No hotspots in the last year."),
    # users
    "us.add": ("Gebruiker toevoegen", "Add a user"),
    "us.role": ("Rol", "Role"),
    "us.repeat": ("Wachtwoord (herhaal)", "Password (repeat)"),
    "us.mismatch": ("De wachtwoorden verschillen.", "The passwords differ."),
    "us.added": ("Gebruiker {name} toegevoegd.", "User {name} added."),
    "us.toggle": ("(De)activeren", "Enable/disable"),
    "us.choose": ("Gebruiker", "User"),
    "us.changed": ("Gebruiker {name} bijgewerkt.", "User {name} updated."),
    # audit
    "au.verify": ("Keten controleren", "Verify chain"),
    "au.ok": ("Keten intact: {n} regels.", "Chain intact: {n} entries."),
    "au.bad": ("Keten verbroken bij regel {id}.", "Chain broken at entry {id}."),
    "au.filter_user": ("Gebruiker bevat", "User contains"),
    "au.filter_action": ("Actie", "Action"),
    "au.all": ("alle", "all"),
}


def t(key: str, lang: str = "nl", **fields: object) -> str:
    nl, en = TEXTS[key]
    text = en if lang == "en" and en else nl
    return text.format(**fields) if fields else text
