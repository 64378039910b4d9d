"""The local users' password policy and constant-time password checks (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable

import argon2
import pytest
from sqlalchemy import Engine, update

from vis.db.schema import users
from vis.security.auth import (
    MAX_PASSWORD_LENGTH,
    AuthError,
    add_user,
    password_problems,
    set_disabled,
)
from vis.security.auth_login import LoginPolicy, attempt_login
from vis.security.auth_throttle import ClientPolicy

GOOD = "Sterk-Wachtwoord-2024!"
#: No throttling or user lockout gets in the way of measuring.
OPEN = LoginPolicy(max_failed=10_000, client=ClientPolicy(max_failed=10_000, throttle_after=10_000))


@pytest.mark.parametrize(
    "password",
    [GOOD, "fiets-Paard-Lamp", "Zes woorden 7 lang", "ÉénTwéé-drie4"],
)
def test_policy_accepts_long_varied_passwords(password: str) -> None:
    assert password_problems(password, "anna") == []


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("Kort-1!", "minstens 12 tekens"),
        ("alleenkleineletters", "drie van"),
        ("ALLEENHOOFDLETTERS1", "drie van"),
        ("            ", "drie van"),
        ("Anna-is-de-beste-1", "gebruikersnaam"),
        ("Aaaaaaaaaaaa1!", "eentonig"),
        ("Wachtwoord123", "veelgebruikt"),
        ("Wachtwoord-2024!", "veelgebruikt"),
        ("Amersfoort-123!", "veelgebruikt"),
        ("!!Welkom2025!!", "veelgebruikt"),
        ("Qwerty-12345", "veelgebruikt"),
        ("Aa1!" * 300, "hoogstens 1024 tekens"),
    ],
)
def test_policy_refuses_short_plain_personal_and_common_passwords(
    password: str, problem: str
) -> None:
    problems = password_problems(password, "anna")
    assert any(problem in p for p in problems), problems


@pytest.mark.slow
def test_add_user_applies_the_configured_minimum_length(engine: Engine) -> None:
    fourteen = "Fiets-Paard-14"
    with pytest.raises(AuthError, match="minstens 16 tekens"):
        add_user(engine, "anna", fourteen, "handhaver", min_length=16)
    assert add_user(engine, "anna", fourteen, "handhaver").username == "anna"


def _counting_verify(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count argon2's own verify calls (the library's method, still doing the real work)."""
    calls: list[str] = []
    real: Callable[..., bool] = argon2.PasswordHasher.verify

    def verify(self: argon2.PasswordHasher, hash: str, password: str | bytes) -> bool:
        calls.append(hash)
        return real(self, hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", verify)
    return calls


@pytest.mark.slow
def test_every_kind_of_login_costs_exactly_one_argon2_verify(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user(engine, "anna", GOOD, "supervisor")
    add_user(engine, "bob", GOOD, "handhaver")
    add_user(engine, "carl", GOOD, "evaluator")
    add_user(engine, "dora@gemeente.nl", None, "admin")
    set_disabled(engine, "bob", True)
    with engine.begin() as conn:
        conn.execute(
            update(users)
            .where(users.c.username == "carl")
            .values(locked_until=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
        )
    calls = _counting_verify(monkeypatch)
    cases = [
        ("anna", GOOD, "ok"),
        ("anna", "fout", "wrong_password"),
        ("nobody", GOOD, "unknown"),
        ("bob", GOOD, "disabled"),
        ("carl", GOOD, "locked"),
        ("dora@gemeente.nl", "!oidc", "oidc_only"),
        ("anna", GOOD + "x" * MAX_PASSWORD_LENGTH, "wrong_password"),
    ]
    for i, (name, password, reason) in enumerate(cases):
        before = len(calls)
        result = attempt_login(engine, name, password, client=f"192.0.2.{i}", policy=OPEN)
        assert result.reason == reason, name
        assert len(calls) == before + 1, f"{name}: {len(calls) - before} verifies"
    dummy = {calls[2], calls[5]}
    assert len(dummy) == 1, "unknown and OIDC-only users are checked against one dummy hash"
    assert calls[0].startswith("$argon2id$") and calls[0] not in dummy


@pytest.mark.slow
def test_a_password_beyond_the_maximum_never_matches_its_first_part(engine: Engine) -> None:
    longest = ("Aa1!-" * 205)[:MAX_PASSWORD_LENGTH]
    add_user(engine, "anna", longest, "supervisor")
    assert attempt_login(engine, "anna", longest, client="192.0.2.1", policy=OPEN).user
    longer = attempt_login(engine, "anna", longest + "zzz", client="192.0.2.1", policy=OPEN)
    assert longer.user is None and longer.reason == "wrong_password"


@pytest.mark.slow
def test_unknown_and_known_usernames_take_the_same_time(engine: Engine) -> None:
    add_user(engine, "anna", GOOD, "supervisor")
    times: dict[str, list[float]] = {"anna": [], "nobody": []}
    for i in range(9):
        for name in times:  # interleaved, so load on the machine hits both alike
            start = time.perf_counter()
            attempt_login(engine, name, f"fout-{i}", client=f"192.0.2.{i}", policy=OPEN)
            times[name].append(time.perf_counter() - start)
    known, unknown = statistics.median(times["anna"]), statistics.median(times["nobody"])
    # One argon2 verify (~30 ms) dominates both; a skipped verify would make "nobody" ~10x faster.
    assert 0.6 < unknown / known < 1.6, (known, unknown)
