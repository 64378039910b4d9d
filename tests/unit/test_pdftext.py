"""Text for the core PDF fonts: nothing fails to draw, symbols keep their meaning."""

from __future__ import annotations

from vis.reports.pdftext import latin1


def test_typographic_symbols_get_their_plain_spelling() -> None:
    plain = latin1("woninginbraken ≤ 4,1 per 1.000 — doel")
    assert plain == "woninginbraken <= 4,1 per 1.000 - doel"
    assert latin1("“goed” → beter…") == '"goed" -> beter...'
    assert latin1("€ 12") == "EUR 12"


def test_latin1_letters_stay_and_other_diacritics_are_folded() -> None:
    assert latin1("Çelik, Señora, Müller") == "Çelik, Señora, Müller"
    assert latin1("Łukasz Śliwa") == "?ukasz Sliwa"  # ł has no base letter in Unicode
    assert latin1("日本") == "??"


def test_one_line_folds_white_space_and_every_result_encodes() -> None:
    text = latin1("a\n\tb\u00a0c\u2060d", one_line=True)
    assert text == "a b cd"
    latin1("x\u2603y🙂").encode("latin-1")  # never raises
    assert latin1(None) == ""
