"""The column names of a BVH extract as the contract gives them, and how headers are matched."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

ID = "Incident Identificatie"
SOURCE_REGISTRATION = "Bronregistratie"
MK_CODE = "Incidentsoort code"
MK_LABEL = "Incidentsoort"
STREET = "Pleegstraatnaam"
HOUSE_NUMBER = "Pleeghuisnummer met toev."
POSTCODE = "Pleegpostcode"
PLACE = "Pleegplaats"
MUNICIPALITY = "Pleeggemeente"
PROVINCE = "Pleegprovincie"
POLICE_AREA = "Pleegwijk"
POLICE_NEIGHBOURHOOD = "Pleegbuurt"
POLICE_SUBNEIGHBOURHOOD = "Pleegsubbuurt"
BEGIN_WEEKDAY = "Begin-pleegdag v/d week"
BEGIN_DAYPART = "Begin-pleegdagdeel"
BEGIN = "Begin-pleegdatum/tijd"
END_WEEKDAY = "Eind-pleegdag v/d week"
END_DAYPART = "Eind-pleegdagdeel"
END = "Eind-pleegdatum/tijd"
KNOWN_WEEKDAY = "Kennisnamedag v/d week"
KNOWN_DAYPART = "Kennisnamedagdeel"
KNOWN = "Kennisnamedatum/tijd"
REPORT = "Aangifte"
ATTEMPT = "Poging"
SUSPECTS = "Verdachten"
ARRESTS = "Aanhoudingen"
SOLVED = "Opgehelderd"
OBJECT = "Object"
PROJECTS = "Project(en)"
TEMPERATURE = "Temperatuur"
WEATHER = "Weer"
X = "X"
Y = "Y"

#: All 33 columns of a full extract, in the order the police export them.
BVH_COLUMNS: tuple[str, ...] = (
    ID,
    SOURCE_REGISTRATION,
    MK_CODE,
    MK_LABEL,
    STREET,
    HOUSE_NUMBER,
    POSTCODE,
    PLACE,
    MUNICIPALITY,
    PROVINCE,
    POLICE_AREA,
    POLICE_NEIGHBOURHOOD,
    POLICE_SUBNEIGHBOURHOOD,
    BEGIN_WEEKDAY,
    BEGIN_DAYPART,
    BEGIN,
    END_WEEKDAY,
    END_DAYPART,
    END,
    KNOWN_WEEKDAY,
    KNOWN_DAYPART,
    KNOWN,
    REPORT,
    ATTEMPT,
    SUSPECTS,
    ARRESTS,
    SOLVED,
    OBJECT,
    PROJECTS,
    TEMPERATURE,
    WEATHER,
    X,
    Y,
)

#: Without these an extract can't be used at all (one of MK_CODE/MK_LABEL suffices).
REQUIRED: tuple[str, ...] = (ID, BEGIN, KNOWN)
ONE_OF_REQUIRED: tuple[str, ...] = (MK_CODE, MK_LABEL)

#: Row number in the delivery (1-based), added by the readers.
ROW = "_row"


class ColumnError(ValueError):
    """The extract's header lacks a required column."""


def canonical_names(headers: Sequence[str], column_map: Mapping[str, str]) -> list[str]:
    """Rename a delivery's headers onto the contract's names.

    A header is first looked up in the source's column map, then matched case-insensitively (and
    ignoring surrounding white space and a BOM) against the contract's names; anything else is kept
    as it is (extra columns are allowed and end up only in quarantined raw rows).
    """
    by_lower = {c.lower(): c for c in BVH_COLUMNS}
    mapped_lower = {k.strip().lower(): v for k, v in column_map.items()}
    out = []
    for header in headers:
        h = str(header).replace("\ufeff", "").strip()
        target = column_map.get(h) or mapped_lower.get(h.lower()) or by_lower.get(h.lower(), h)
        out.append(target)
    return out


def check_required(columns: Sequence[str]) -> None:
    """Raise :class:`ColumnError` for a header that the readers can't use."""
    present = set(columns)
    if ROW in present:
        raise ColumnError(
            f"extract heeft een kolom met de naam {ROW!r}; die naam is gereserveerd voor het "
            "rijnummer: hernoem de kolom (of geef haar een andere naam in de kolomkoppeling)"
        )
    missing = [c for c in REQUIRED if c not in present]
    if not any(c in present for c in ONE_OF_REQUIRED):
        missing.append(" of ".join(ONE_OF_REQUIRED))
    if missing:
        raise ColumnError(f"extract mist verplichte kolom(men): {', '.join(missing)}")
    dupes = sorted({c for c in columns if list(columns).count(c) > 1})
    if dupes:
        raise ColumnError(f"extract heeft dubbele kolom(men): {', '.join(dupes)}")
