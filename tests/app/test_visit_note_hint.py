"""AppTest: the tablet's note field tells the handhaver not to write names, and for how long a
note is kept."""

from __future__ import annotations

from apphelpers import as_user

from vis.settings import load_settings


def test_the_note_field_says_no_names_and_the_retention(app_env: str) -> None:
    at = as_user("handhaver", "tablet").run()
    assert not at.exception
    notes = [t for t in at.text_input if str(t.key).startswith("note_")]
    assert notes
    days = load_settings().retention.visit_notes_days
    for field in notes:
        assert field.placeholder == f"Geen namen, kentekens of adressen; na {days} dagen gewist"
