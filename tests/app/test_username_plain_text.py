"""AppTest: the admin's "Gebruiker toegevoegd" message shows a username as text, not Markdown."""

from __future__ import annotations

from apphelpers import as_user

from vis.i18n import t


def test_an_added_username_is_shown_literally(app_env: str) -> None:
    at = as_user("admin", "users").run()
    assert not at.exception
    form = [t for t in at.text_input]
    name, pw1, pw2 = form[-3], form[-2], form[-1]
    name.input("**vet**_[x](javascript:y)")
    pw1.input("Kerkstraat-Fietsbel-42")
    pw2.input("Kerkstraat-Fietsbel-42")
    (submit,) = [b for b in at.button if b.label == t("us.add")]
    submit.click().run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    (message,) = [s.value for s in at.success]
    assert message.startswith("Gebruiker \\*\\*vet\\*\\*\\_\\[x\\]\\(javascript\\:y\\)")
