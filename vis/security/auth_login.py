"""The app's local login: the client's throttle, the password check, the per-user lockout, audit.

:func:`attempt_login` runs in three steps:

1. under the write lock, the client's attempt is counted or refused
(:func:`vis.security.auth_throttle.
   reserve`); a refusal is audited and costs no password check;
2. the password is checked outside any transaction (one argon2 verify, :func:`vis.security.auth.
   check_password`), so the lock is not held for its 30 ms;
3. under the write lock, the user's row and the client's count are settled and the failure, and a
   lockout of the user or of the client, are audited: a lockout commits with its audit entry.

A successful login is audited by the app when it starts the session (``login``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine

from vis.app_settings import AppSettings
from vis.db.engine import WRITE_LOCK
from vis.security import audit
from vis.security.auth import User, check_password, settle_login
from vis.security.auth_throttle import ClientPolicy, reserve, settle


@dataclass(frozen=True)
class LoginPolicy:
    """Per user: ``max_failed`` wrong passwords in a row lock the account for ``lockout``."""

    max_failed: int = 5
    lockout: dt.timedelta = dt.timedelta(minutes=15)
    client: ClientPolicy = field(default_factory=ClientPolicy)

    @classmethod
    def from_app(cls, app: AppSettings) -> LoginPolicy:
        return cls(
            max_failed=app.max_failed_logins,
            lockout=dt.timedelta(minutes=app.lockout_min),
            client=ClientPolicy(
                max_failed=app.client_max_failed_logins,
                lockout=dt.timedelta(minutes=app.client_lockout_min),
                throttle_after=app.client_throttle_after,
            ),
        )


@dataclass(frozen=True)
class Attempt:
    """The outcome. ``reason``: ok, unknown, wrong_password, locked, disabled, oidc_only (from
    :func:`vis.security.auth.settle_login`), or client_busy / client_throttled / client_locked
    (refused
    unchecked)."""

    user: User | None
    reason: str
    #: For a refused client: seconds until it may try again.
    retry_after_s: float = 0.0


@contextmanager
def _writing(engine: Engine) -> Iterator[Connection]:
    with engine.connect().execution_options(**{WRITE_LOCK: True}) as conn, conn.begin():
        yield conn


def attempt_login(
    engine: Engine,
    username: str,
    password: str,
    *,
    client: str,
    policy: LoginPolicy,
    audit_client: str | None = None,
    now: dt.datetime | None = None,
) -> Attempt:
    """One login attempt of ``username`` from the client with throttling key ``client``
    (:func:`vis.security.auth_throttle.client_key`); ``audit_client`` goes into the audit
    entries."""
    now = now or dt.datetime.now(dt.UTC)
    name = username.strip()[:100]
    with _writing(engine) as conn:
        gate = reserve(conn, client, policy.client, now)
        if not gate.open:
            reason = f"client_{gate.state}"
            audit.append_in(
                conn,
                audit.LOGIN_FAILED,
                username=None,
                target=name,
                detail={"reason": reason, "client": client},
                client=audit_client,
            )
            return Attempt(None, reason, gate.retry_after_s)
    check = check_password(engine, username, password)
    with _writing(engine) as conn:
        result = settle_login(
            conn, check, password, max_failed=policy.max_failed, lockout=policy.lockout, now=now
        )
        client_until = settle(conn, client, result.user is not None, policy.client, now)
        if result.user is None:
            audit.append_in(
                conn,
                audit.LOGIN_FAILED,
                username=None,
                target=name,
                detail={"reason": result.reason, "client": client},
                client=audit_client,
            )
        if result.locked_until is not None:
            audit.append_in(
                conn,
                audit.LOCKOUT,
                username=None,
                target=f"user:{name}",
                detail={
                    "scope": "user",
                    "until": result.locked_until.isoformat(),
                    "failures": policy.max_failed,
                },
                client=audit_client,
            )
        if client_until is not None:
            audit.append_in(
                conn,
                audit.LOCKOUT,
                username=None,
                target=f"client:{client}",
                detail={
                    "scope": "client",
                    "until": client_until.isoformat(),
                    "failures": policy.client.max_failed,
                },
                client=audit_client,
            )
    return Attempt(result.user, result.reason)
