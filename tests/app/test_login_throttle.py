"""Login throttling and lockout per client address and per user, audited; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from sqlalchemy import Engine, select

from vis.db.schema import audit_log, login_clients
from vis.security import audit
from vis.security.auth import add_user
from vis.security.auth_login import Attempt, LoginPolicy, attempt_login
from vis.security.auth_throttle import LOOPBACK, ClientPolicy, client_key, reserve

GOOD = "Sterk-Wachtwoord-2024!"
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
#: Small limits for the tests: delays from the 3rd failure on, a lockout at the 6th.
POLICY = LoginPolicy(
    max_failed=1000,
    client=ClientPolicy(max_failed=6, lockout=dt.timedelta(minutes=15), throttle_after=3),
)


def _try(
    engine: Engine, client: str, at: dt.datetime, user: str = "nobody", pw: str = "x"
) -> Attempt:
    return attempt_login(
        engine, user, pw, client=client, policy=POLICY, audit_client=client, now=at
    )


def _entries(engine: Engine, action: str) -> list[Any]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.id)
            ).all()
        )


def _seconds(s: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=s)


@pytest.mark.parametrize(
    ("address", "key"),
    [
        (None, LOOPBACK),
        ("", LOOPBACK),
        ("127.0.0.1", LOOPBACK),
        ("::1", LOOPBACK),
        ("203.0.113.7", "203.0.113.7"),
        (" 203.0.113.7 ", "203.0.113.7"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::9", "2001:db8:1:2::/64"),
        ("fe80::1%eth0", "fe80::/64"),
        ("unknown", "other:unknown"),
    ],
)
def test_client_keys_group_loopback_and_ipv6_subnets(address: str | None, key: str) -> None:
    assert client_key(address) == key


@pytest.mark.slow
def test_a_client_is_slowed_then_locked_out_and_the_lockout_audited(engine: Engine) -> None:
    attacker, other = "203.0.113.7", "198.51.100.20"
    # Three failures at once: below throttle_after, each is checked.
    assert [_try(engine, attacker, T0).reason for _ in range(3)] == ["unknown"] * 3
    # From the third failure on each attempt must wait 1, 2, 4 s after the previous one.
    early = _try(engine, attacker, _seconds(0.5))
    assert early.reason == "client_throttled" and early.retry_after_s == pytest.approx(0.5)
    assert _try(engine, attacker, _seconds(1)).reason == "unknown"  # 4th failure
    assert _try(engine, attacker, _seconds(2.9)).reason == "client_throttled"
    assert _try(engine, attacker, _seconds(3)).reason == "unknown"  # 5th
    assert _try(engine, attacker, _seconds(6)).reason == "client_throttled"
    assert _try(engine, attacker, _seconds(7)).reason == "unknown"  # 6th: locked out
    locked = _try(engine, attacker, _seconds(60), user="anna", pw=GOOD)
    assert locked.reason == "client_locked"
    assert locked.retry_after_s == pytest.approx(15 * 60 + 7 - 60)
    # Another client is not affected; the attacker may try again once the lockout is over.
    assert _try(engine, other, _seconds(60)).reason == "unknown"
    assert _try(engine, attacker, _seconds(7 + 15 * 60)).reason == "unknown"

    lockouts = _entries(engine, audit.LOCKOUT)
    assert [(e.target, e.detail["scope"], e.detail["failures"]) for e in lockouts] == [
        (f"client:{attacker}", "client", 6)
    ]
    assert lockouts[0].detail["until"] == (_seconds(7) + dt.timedelta(minutes=15)).isoformat()
    reasons = [e.detail["reason"] for e in _entries(engine, audit.LOGIN_FAILED)]
    assert reasons.count("client_throttled") == 3 and reasons.count("client_locked") == 1
    assert reasons.count("unknown") == 8
    with engine.connect() as conn:
        assert audit.verify_chain(conn).ok


@pytest.mark.slow
def test_a_refused_attempt_never_checks_the_password(engine: Engine) -> None:
    add_user(engine, "anna", GOOD, "supervisor")
    client = "203.0.113.8"
    for _ in range(3):
        _try(engine, client, T0)
    refused = _try(engine, client, T0, user="anna", pw=GOOD)  # the right password, too early
    assert refused.user is None and refused.reason == "client_throttled"
    later = _try(engine, client, _seconds(1), user="anna", pw=GOOD)
    assert later.user is not None and later.user.username == "anna"


@pytest.mark.slow
def test_a_successful_login_does_not_wipe_the_clients_failures(engine: Engine) -> None:
    add_user(engine, "anna", GOOD, "supervisor")
    client = "203.0.113.9"
    for i in range(3):
        _try(engine, client, _seconds(i * 100))
    ok = _try(engine, client, _seconds(300), user="anna", pw=GOOD)
    assert ok.user is not None
    with engine.connect() as conn:
        row = conn.execute(select(login_clients).where(login_clients.c.client == client)).one()
    assert row.failures == 3 and row.locked_until is None
    # The next guess still has to wait for the throttle's delay.
    assert _try(engine, client, _seconds(300.2)).reason == "client_throttled"


@pytest.mark.slow
def test_a_quiet_pause_starts_the_count_afresh(engine: Engine) -> None:
    client = "203.0.113.10"
    for i in range(5):
        _try(engine, client, _seconds(i * 60))
    after_pause = _seconds(4 * 60) + dt.timedelta(minutes=15)
    assert [_try(engine, client, after_pause).reason for _ in range(3)] == ["unknown"] * 3
    assert not _entries(engine, audit.LOCKOUT)


@pytest.mark.slow
def test_a_clean_client_keeps_no_row_after_logging_in(engine: Engine) -> None:
    add_user(engine, "anna", GOOD, "supervisor")
    assert _try(engine, "203.0.113.13", T0, user="anna", pw=GOOD).user is not None
    with engine.connect() as conn:
        assert conn.execute(select(login_clients.c.client)).scalars().all() == []


def test_quiet_clients_are_forgotten_after_a_day(engine: Engine) -> None:
    _try(engine, "203.0.113.11", T0)
    _try(engine, "203.0.113.12", T0 + dt.timedelta(days=1, seconds=1))
    with engine.connect() as conn:
        kept = conn.execute(select(login_clients.c.client)).scalars().all()
    assert kept == ["203.0.113.12"]


@pytest.mark.slow
def test_a_user_lockout_is_audited_with_the_lockout_time(engine: Engine) -> None:
    add_user(engine, "anna", GOOD, "handhaver")
    policy = LoginPolicy(max_failed=3, lockout=dt.timedelta(minutes=10))
    for i in range(3):  # from three clients: the per-user count does not care where from
        result = attempt_login(
            engine, "anna", "fout", client=f"198.51.100.{i}", policy=policy, now=_seconds(i)
        )
        assert result.reason == "wrong_password"
    right = attempt_login(
        engine, "ANNA", GOOD, client="198.51.100.9", policy=policy, now=_seconds(5)
    )
    assert right.user is None and right.reason == "locked"
    lockouts = _entries(engine, audit.LOCKOUT)
    assert [(e.target, e.detail["scope"]) for e in lockouts] == [("user:anna", "user")]
    assert lockouts[0].detail["until"] == (_seconds(2) + dt.timedelta(minutes=10)).isoformat()
    later = attempt_login(
        engine, "anna", GOOD, client="198.51.100.9", policy=policy, now=_seconds(2 + 601)
    )
    assert later.user is not None


@pytest.mark.slow
def test_parallel_attempts_from_one_client_cannot_pass_the_limit(engine: Engine) -> None:
    policy = LoginPolicy(client=ClientPolicy(max_failed=4, throttle_after=100))
    results: list[str] = []

    def attempt(i: int) -> None:
        outcome = attempt_login(engine, f"u{i}", "x", client="203.0.113.50", policy=policy, now=T0)
        results.append(outcome.reason)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 10
    assert results.count("unknown") == 4  # exactly max_failed passwords were checked
    assert set(results) - {"unknown"} <= {"client_busy", "client_throttled", "client_locked"}
    assert len(_entries(engine, audit.LOCKOUT)) == 1
    with engine.connect() as conn:
        assert audit.verify_chain(conn).ok


@pytest.mark.slow
def test_many_users_behind_one_address_log_in_at_once(engine: Engine) -> None:
    add_user(engine, "anna", GOOD, "supervisor")
    policy = LoginPolicy(client=ClientPolicy(max_failed=20, throttle_after=5))
    results: list[str] = []

    def attempt() -> None:
        outcome = attempt_login(engine, "anna", GOOD, client="203.0.113.60", policy=policy)
        results.append(outcome.reason)

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["ok"] * 12


@pytest.mark.slow
def test_a_clean_client_over_the_in_flight_cap_is_busy_not_accused(engine: Engine) -> None:
    policy = ClientPolicy(max_failed=3, throttle_after=2)
    with engine.begin() as conn:
        gates = [reserve(conn, "203.0.113.70", policy, T0) for _ in range(4)]
    assert [g.state for g in gates] == ["open", "open", "open", "busy"]
    assert gates[-1].retry_after_s == 1.0
    with engine.begin() as conn:
        conn.execute(
            login_clients.update()
            .where(login_clients.c.client == "203.0.113.70")
            .values(failures=2, pending=1, last_failure_at=T0)
        )
        later = reserve(conn, "203.0.113.70", policy, _seconds(120))
    assert later.state == "throttled"  # a client with a run of failures is throttled
