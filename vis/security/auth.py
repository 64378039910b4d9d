"""Local users and login: argon2id password hashes, roles, a password policy and lockout.

Where the municipality configures OIDC (an ``[auth]`` section in Streamlit's ``secrets.toml``, e.g.
Entra ID), the app logs in through ``st.login`` instead and maps the identity's e-mail address onto
a row of ``users`` (created with ``vis user add NAME --role ROLE --oidc``), which gives the role.

Timing: :func:`check_password` verifies exactly one argon2 hash on every call: the user's own for
known (also disabled and locked) users, a dummy hash for unknown and OIDC-only ones, so the answer
time does not tell which usernames exist. argon2's verify compares in constant time. Throttling
and lockout per client address are in :mod:`vis.security.auth_throttle`, the app's login in
:mod:`vis.security.auth_login`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, Engine, func, insert, select, update

from vis.db.schema import users
from vis.security.roles import ROLES

#: Stored instead of a hash for users who log in only through OIDC: no password matches it.
OIDC_ONLY = "!oidc"
MAX_PASSWORD_LENGTH = 1024

COMMON_PASSWORDS = frozenset(
    {
        "wachtwoord",
        "wachtwoord123",
        "welkom01",
        "welkom123",
        "password",
        "password123",
        "qwertyuiop",
        "123456789012",
        "amersfoort",
        "amersfoort123",
        "handhaving",
        "zomer2024",
        "winter2024",
        "letmein",
        "administrator",
    }
)
#: Words that, with only digits and punctuation around them, make a guessable password
#: ("Wachtwoord2024!", "Amersfoort-123").
COMMON_WORDS = frozenset(
    {
        "wachtwoord",
        "welkom",
        "password",
        "passw",
        "qwerty",
        "qwertyuiop",
        "azerty",
        "asdfgh",
        "amersfoort",
        "handhaving",
        "handhaver",
        "gemeente",
        "politie",
        "zomer",
        "winter",
        "lente",
        "herfst",
        "geheim",
        "admin",
        "administrator",
        "beheer",
        "letmein",
        "vis",
    }
)


class AuthError(ValueError):
    """A user could not be added or changed; the message is for the operator (Dutch)."""


@dataclass(frozen=True)
class User:
    username: str
    role: str
    #: The user's ``session_epoch`` when the session started: a session whose epoch is no longer
    #: the user's ends (:func:`session_still_valid`).
    epoch: int = 0


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    #: ok, unknown, wrong_password, locked, disabled, oidc_only
    reason: Literal["ok", "unknown", "wrong_password", "locked", "disabled", "oidc_only"]
    #: Set when this attempt locked the account: until when.
    locked_until: dt.datetime | None = None


@lru_cache(maxsize=1)
def password_hasher() -> PasswordHasher:
    # argon2id with OWASP's recommended minimum (m=19 MiB, t=2, p=1): ~30 ms a check, so a
    # burst of logins does not stall the app; stronger stored hashes still verify.
    return PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return password_hasher().hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return password_hasher().hash(password)


def password_problems(password: str, username: str, min_length: int = 12) -> list[str]:
    """Why ``password`` is not acceptable (Dutch, one phrase each); empty when it is."""
    problems: list[str] = []
    if len(password) < min_length:
        problems.append(f"minstens {min_length} tekens")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"hoogstens {MAX_PASSWORD_LENGTH} tekens")
    classes = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if classes < 3:
        problems.append("drie van: kleine letter, hoofdletter, cijfer, leesteken")
    lowered = password.lower()
    if len(username) >= 3 and username.lower() in lowered:
        problems.append("niet de gebruikersnaam bevatten")
    letters = "".join(c for c in lowered if c.isalpha())
    if (
        lowered in COMMON_PASSWORDS
        or letters in COMMON_WORDS
        or len(set(password)) < 5
        or is_common_pattern(password)
    ):
        problems.append("geen veelgebruikt of eentonig wachtwoord")
    return problems


_LEET = str.maketrans(
    {"@": "a", "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "$": "s", "7": "t"}
)


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """The shipped list (``vis/data/common_passwords.txt``) and :data:`COMMON_WORDS`."""
    from importlib.resources import files

    text = files("vis").joinpath("data/common_passwords.txt").read_text(encoding="utf-8")
    listed = {ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")}
    return frozenset(listed | COMMON_WORDS)


def is_common_pattern(password: str) -> bool:
    """A common word (leetspeak undone) with only digits, punctuation and at most two more
    letters around it: "P@ssw0rd2024", "Summer2024!!", "Januari2025!", "Handhaver1!x"."""
    lowered = password.lower()
    plain = lowered.translate(_LEET)
    for word in common_words():
        if len(word) < 4:
            continue
        for text in (lowered, plain):
            at = text.find(word)
            if at < 0:
                continue
            rest = lowered[:at] + lowered[at + len(word) :]
            if sum(c.isalpha() for c in rest) <= 2:
                return True
    return False


def _clean_username(username: str) -> str:
    name = username.strip()
    if not name or len(name) > 100 or any(c.isspace() or not c.isprintable() for c in name):
        raise AuthError("gebruikersnaam: 1 tot 100 tekens, zonder spaties")
    return name


def add_user(
    engine: Engine,
    username: str,
    password: str | None,
    role: str,
    *,
    min_length: int = 12,
    now: dt.datetime | None = None,
) -> User:
    """Create a local user; ``password=None`` makes an OIDC-only user (no password login)."""
    name = _clean_username(username)
    if role not in ROLES:
        raise AuthError(f"onbekende rol {role!r}; kies uit {', '.join(ROLES)}")
    if password is None:
        stored = OIDC_ONLY
    else:
        problems = password_problems(password, name, min_length)
        if problems:
            raise AuthError("wachtwoord voldoet niet: " + "; ".join(problems))
        stored = hash_password(password)
    now = now or dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        exists = conn.execute(
            select(users.c.id).where(func.lower(users.c.username) == name.lower())
        ).first()
        if exists:
            raise AuthError(f"gebruiker {name!r} bestaat al")
        conn.execute(
            insert(users).values(
                username=name,
                password_hash=stored,
                role=role,
                disabled=False,
                failed_logins=0,
                created_at=now,
                password_changed_at=now,
            )
        )
    return User(name, role)


@dataclass(frozen=True)
class PasswordCheck:
    """The outcome of :func:`check_password`: the user's row (if any) and whether it matched."""

    row: Any
    matched: bool


def check_password(engine: Engine, username: str, password: str) -> PasswordCheck:
    """Look the user up and verify ``password``: exactly one argon2 verify on every call.

    Unknown, OIDC-only and disabled users are verified against a dummy hash, and a password longer
    than :data:`MAX_PASSWORD_LENGTH` is verified (in its first part) and then refused, so the time
    taken does not depend on whether or how the username exists.
    """
    name = username.strip()[:100]
    too_long = len(password) > MAX_PASSWORD_LENGTH
    with engine.connect() as conn:
        row = conn.execute(
            select(users).where(func.lower(users.c.username) == name.lower())
        ).first()
    stored = row.password_hash if row is not None and row.password_hash != OIDC_ONLY else None
    dummy = _dummy_hash()  # built on the first call of any kind, not only of unknown users
    matched: bool
    try:
        matched = password_hasher().verify(stored or dummy, password[:MAX_PASSWORD_LENGTH])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        matched = False
    return PasswordCheck(row, matched and stored is not None and not too_long)


def settle_login(
    conn: Connection,
    check: PasswordCheck,
    password: str,
    *,
    max_failed: int = 5,
    lockout: dt.timedelta = dt.timedelta(minutes=15),
    now: dt.datetime | None = None,
) -> LoginResult:
    """Apply a checked login to the user's row inside the caller's transaction.

    A wrong password counts a failure; the ``max_failed``-th in a row locks the account for
    ``lockout`` (the result then carries ``locked_until``). A right one resets the count.
    """
    now = now or dt.datetime.now(dt.UTC)
    row = check.row
    if row is None:
        return LoginResult(None, "unknown")
    if row.password_hash == OIDC_ONLY:
        return LoginResult(None, "oidc_only")
    if row.disabled:
        return LoginResult(None, "disabled")
    if row.locked_until is not None and row.locked_until > now:
        return LoginResult(None, "locked")
    if not check.matched:
        failed = (row.failed_logins or 0) + 1
        values: dict[str, object] = {"failed_logins": failed}
        locked_until = None
        if failed >= max_failed:
            locked_until = now + lockout
            # A lockout also ends the user's open sessions (someone may be guessing elsewhere
            # while the account is in use).
            values = {
                "failed_logins": 0,
                "locked_until": locked_until,
                "session_epoch": users.c.session_epoch + 1,
            }
        conn.execute(update(users).where(users.c.id == row.id).values(**values))
        return LoginResult(None, "wrong_password", locked_until)
    values = {"failed_logins": 0, "locked_until": None}
    if password_hasher().check_needs_rehash(row.password_hash):
        values["password_hash"] = hash_password(password)
    conn.execute(update(users).where(users.c.id == row.id).values(**values))
    return LoginResult(User(row.username, row.role, int(row.session_epoch or 0)), "ok")


def authenticate(
    engine: Engine,
    username: str,
    password: str,
    *,
    max_failed: int = 5,
    lockout: dt.timedelta = dt.timedelta(minutes=15),
    now: dt.datetime | None = None,
) -> LoginResult:
    """Check a local login; counts failures and locks the account after ``max_failed`` in a row.

    Without throttling per client: the app logs in through
    :func:`vis.security.auth_login.attempt_login`.
    """
    check = check_password(engine, username, password)
    with engine.begin() as conn:
        return settle_login(conn, check, password, max_failed=max_failed, lockout=lockout, now=now)


def oidc_user(engine: Engine, email: str | None) -> User | None:
    """The enabled user whose username is this OIDC identity's e-mail address, if any."""
    if not email:
        return None
    with engine.connect() as conn:
        row = conn.execute(
            select(users.c.username, users.c.role, users.c.disabled, users.c.session_epoch).where(
                func.lower(users.c.username) == email.strip().lower()
            )
        ).first()
    if row is None or row.disabled or row.role not in ROLES:
        return None
    return User(row.username, row.role, int(row.session_epoch or 0))


def set_disabled(engine: Engine, username: str, disabled: bool) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(users)
            .where(users.c.username == username)
            .values(
                disabled=disabled,
                failed_logins=0,
                locked_until=None,
                session_epoch=users.c.session_epoch + 1,
            )
        )


def set_role(engine: Engine, username: str, role: str) -> None:
    """Give ``username`` another role; their open sessions end (they log in again)."""
    if role not in ROLES:
        raise AuthError(f"onbekende rol {role!r}; kies uit {', '.join(ROLES)}")
    with engine.begin() as conn:
        done = conn.execute(
            update(users)
            .where(users.c.username == username)
            .values(role=role, session_epoch=users.c.session_epoch + 1)
        )
        if not done.rowcount:
            raise AuthError(f"gebruiker {username!r} bestaat niet")


def end_sessions(engine: Engine, username: str) -> None:
    """End every open session of ``username`` at its next interaction ("overal uitloggen")."""
    with engine.begin() as conn:
        conn.execute(
            update(users)
            .where(users.c.username == username)
            .values(session_epoch=users.c.session_epoch + 1)
        )


def session_still_valid(conn: Connection, user: User, now: dt.datetime | None = None) -> bool:
    """Whether a session started as ``user`` may go on: the account still exists, is enabled and
    not locked, has the same role, and its ``session_epoch`` is the one the session started with
    (raised by a disable, role change, lockout or "log out everywhere")."""
    now = now or dt.datetime.now(dt.UTC)
    row = conn.execute(
        select(users.c.role, users.c.disabled, users.c.locked_until, users.c.session_epoch).where(
            users.c.username == user.username
        )
    ).first()
    return (
        row is not None
        and not row.disabled
        and row.role == user.role
        and int(row.session_epoch or 0) == user.epoch
        and (row.locked_until is None or row.locked_until <= now)
    )
