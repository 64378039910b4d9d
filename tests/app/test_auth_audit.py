"""Local users, password policy, lockout and the audit hash chain, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools
import threading

import pytest
from sqlalchemy import Engine, select, update

from vis.db.schema import audit_log, users
from vis.security import audit
from vis.security.auth import (
    AuthError,
    add_user,
    authenticate,
    oidc_user,
    password_problems,
    set_disabled,
)

GOOD = "Sterk-Wachtwoord-2024!"


def test_password_policy() -> None:
    assert password_problems(GOOD, "anna") == []
    assert password_problems("kort1A!", "anna")  # too short
    assert password_problems("alleenkleineletters", "anna")  # one class
    assert password_problems("Anna-is-de-beste-1", "anna")  # holds the username
    assert password_problems("Aaaaaaaaaaaa1!", "bob")  # monotonous


def test_add_user_hashes_with_argon2_and_refuses_duplicates(engine: Engine) -> None:
    add_user(engine, "anna", GOOD, "supervisor")
    with engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and GOOD not in stored
    with pytest.raises(AuthError, match="bestaat al"):
        add_user(engine, "ANNA", GOOD, "admin")
    with pytest.raises(AuthError, match="rol"):
        add_user(engine, "bob", GOOD, "chef")
    with pytest.raises(AuthError, match="wachtwoord"):
        add_user(engine, "carl", "zwak", "admin")


@pytest.mark.slow
def test_authenticate_counts_failures_and_locks(engine: Engine) -> None:
    add_user(engine, "anna", GOOD, "handhaver")
    now = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    ok = authenticate(engine, "anna", GOOD, now=now)
    assert ok.user is not None and ok.user.role == "handhaver"
    assert authenticate(engine, "nobody", GOOD, now=now).reason == "unknown"
    for _ in range(3):
        assert (
            authenticate(engine, "anna", "fout", max_failed=3, now=now).reason == "wrong_password"
        )
    locked = authenticate(engine, "anna", GOOD, max_failed=3, now=now)
    assert locked.user is None and locked.reason == "locked"
    later = authenticate(engine, "anna", GOOD, max_failed=3, now=now + dt.timedelta(minutes=16))
    assert later.user is not None
    set_disabled(engine, "anna", True)
    assert authenticate(engine, "anna", GOOD, now=now).reason == "disabled"


def test_oidc_only_users(engine: Engine) -> None:
    add_user(engine, "sup@gemeente.nl", None, "supervisor")
    assert authenticate(engine, "sup@gemeente.nl", "!oidc").reason == "oidc_only"
    user = oidc_user(engine, "SUP@gemeente.nl")
    assert user is not None and user.role == "supervisor"
    assert oidc_user(engine, "other@gemeente.nl") is None


def test_audit_chain_verifies_and_detects_tampering(engine: Engine) -> None:
    for i in range(5):
        audit.append(
            engine, audit.VIEW, username="anna", target=f"p{i}", detail={"n": i}, client="c"
        )
    audit.append(engine, audit.LOGIN_FAILED, username=None, target="x")
    with engine.connect() as conn:
        check = audit.verify_chain(conn)
        rows = conn.execute(select(audit_log).order_by(audit_log.c.id)).all()
    assert check.ok and check.entries == 6
    assert rows[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    with engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.id == rows[2].id).values(target="edited"))
    with engine.connect() as conn:
        assert audit.verify_chain(conn).first_bad_id == rows[2].id


def test_concurrent_appends_keep_one_chain(engine: Engine) -> None:
    def write(n: int) -> None:
        for i in range(8):
            audit.append(engine, audit.VIEW, username=f"u{n}", target=str(i))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with engine.connect() as conn:
        check = audit.verify_chain(conn)
    assert check.ok and check.entries == 40
