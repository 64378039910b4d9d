"""Every demo profile, in generation order, and the lookup from (MK code, label) to profile."""

from __future__ import annotations

from vis.demo.nuisance import BURENGERUCHT, OVERLAST_JEUGD, VERWARD_GEDRAG
from vis.demo.people import (
    BEDREIGING,
    DRUGSBEZIT,
    DRUGSHANDEL,
    MISHANDELING,
    OPENLIJK_GEWELD,
    OVERVAL,
    STRAATROOF,
    VERKEER,
)
from vis.demo.profile import Profile
from vis.demo.theft import (
    AUTOKRAAK,
    FIETSDIEFSTAL,
    OTHER,
    VERNIELING,
    WINKELDIEFSTAL,
    WONINGINBRAAK,
    ZAKKENROLLERIJ,
)

#: Every profile, in generation order (a companion's parent comes before it).
PROFILES: tuple[Profile, ...] = (
    WONINGINBRAAK,
    FIETSDIEFSTAL,
    AUTOKRAAK,
    VERNIELING,
    WINKELDIEFSTAL,
    MISHANDELING,
    BEDREIGING,
    ZAKKENROLLERIJ,
    STRAATROOF,
    OVERVAL,
    DRUGSHANDEL,
    OPENLIJK_GEWELD,
    VERKEER,
    DRUGSBEZIT,
    OTHER,
    OVERLAST_JEUGD,
    VERWARD_GEDRAG,
    BURENGERUCHT,
)


def profile_of_code(profiles: tuple[Profile, ...] = PROFILES) -> dict[tuple[str, str], Profile]:
    """The profile that writes each (MK code, label) pair."""
    return {(c.code, c.label): p for p in profiles for c in p.codes}
