"""Sign-in throttling: failures slow the next attempts down, they never lock an account for good.

Three counters apply to every attempt, whether its login exists or not, so an attacker learns
nothing from the answers: the login from this client (strict: a few free tries, then waits that
double up to ``max_delay``), the client alone (generous: a contact centre signs in hundreds of
agents from one address), and the login from anywhere (free tries, then short waits only, so a
crowd of clients can slow an administrator down but never lock them out).

Failures are counted with one atomic upsert per key in a short transaction of their own, on a
connection other than the request's: a refused sign-in is counted even though the request's own
transaction is rolled back, and no counter waits on a request that holds locks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from ccops.org.models import SignInThrottle, User


@dataclass(frozen=True)
class Limit:
    """How many failures a counter allows in its window, and the longest wait it imposes."""

    free: int
    max_delay_s: float


@dataclass(frozen=True)
class Policy:
    """The three counters' limits and the window after which a quiet counter starts again."""

    pair: Limit = Limit(free=5, max_delay_s=15 * 60.0)
    client: Limit = Limit(free=100, max_delay_s=15 * 60.0)
    login: Limit = Limit(free=20, max_delay_s=60.0)
    window_s: float = 3600.0


@dataclass(frozen=True)
class Key:
    """One counter an attempt touches."""

    digest: str
    login_digest: str
    """The login's digest, or empty for the client counter (no one login's success clears it)."""
    limit: Limit


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def login_digest(login: str) -> str:
    """Return the digest that names every counter of ``login`` (logins compare case-folded)."""
    return _digest("login", login.casefold())


def keys(login: str, client: str, policy: Policy) -> list[Key]:
    """Return the counters an attempt of ``login`` from ``client`` touches."""
    by_login = login_digest(login)
    return [
        Key(_digest("pair", login.casefold(), client), by_login, policy.pair),
        Key(_digest("client", client), "", policy.client),
        Key(by_login, by_login, policy.login),
    ]


def delay_s(failures: int, limit: Limit) -> float:
    """Seconds to wait after ``failures`` in a row: none while free, then 1, 2, 4 … to the cap."""
    over = failures - limit.free
    if over <= 0:
        return 0.0
    return float(min(limit.max_delay_s, 2.0 ** min(over - 1, 40)))


def blocked_until(
    session: Session | Connection, attempt: Sequence[Key], now: datetime
) -> datetime | None:
    """Return until when the attempt must wait (the latest of its counters), or None."""
    rows = session.scalars(
        select(SignInThrottle.blocked_until).where(
            SignInThrottle.key.in_([k.digest for k in attempt]),
            SignInThrottle.blocked_until > now,
        )
    ).all()
    found = [r for r in rows if r is not None]
    return max(found) if found else None


def _upsert(conn: Connection, key: Key, now: datetime, window_start: datetime) -> int:
    """Add one failure to ``key`` (starting again after a quiet window); return the count."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    row = SignInThrottle
    fresh = row.last_failure_at < window_start
    stmt = (
        insert(row)
        .values(key=key.digest, login_digest=key.login_digest, failures=1, last_failure_at=now)
        .on_conflict_do_update(
            index_elements=[row.key],
            set_={
                "failures": case((fresh, 1), else_=row.failures + 1),
                "blocked_until": case((fresh, None), else_=row.blocked_until),
                "last_failure_at": now,
            },
        )
        .returning(row.failures)
    )
    return int(conn.execute(stmt).scalar_one())


def record_failure(
    engine: Engine, attempt: Sequence[Key], login: str, policy: Policy, now: datetime
) -> datetime | None:
    """Count one failure on every counter, atomically; return until when the login now waits.

    The user's ``locked_until`` mirrors the latest wait so administrators see it (and unlock).
    """
    window_start = now - timedelta(seconds=policy.window_s)
    latest: datetime | None = None
    with engine.begin() as conn:
        for key in attempt:
            failures = _upsert(conn, key, now, window_start)
            wait = delay_s(failures, key.limit)
            if wait <= 0:
                continue
            until = now + timedelta(seconds=wait)
            conn.execute(
                update(SignInThrottle)
                .where(SignInThrottle.key == key.digest)
                .values(blocked_until=until)
            )
            latest = until if latest is None else max(latest, until)
        mirror: dict[str, object] = {"failed_logins": User.failed_logins + 1}
        if latest is not None:
            mirror["locked_until"] = latest
        conn.execute(update(User).where(User.login == login).values(mirror))
    return latest


def clear_login(session: Session, login: str) -> None:
    """Forget the failures of ``login`` from every client (an administrator's unlock)."""
    session.execute(
        delete(SignInThrottle).where(SignInThrottle.login_digest == login_digest(login))
    )


def forget_pair(engine: Engine, key: Key, user_id: int) -> None:
    """Forget this client's failures of a login after it signed in with the right password.

    Only the pair: other clients' failures of the login, and this client's other failures, stay.
    Written in a short transaction of its own, like the failures (see the module's note).
    """
    with engine.begin() as conn:
        conn.execute(delete(SignInThrottle).where(SignInThrottle.key == key.digest))
        conn.execute(
            update(User)
            .where(User.id == user_id, (User.failed_logins != 0) | User.locked_until.is_not(None))
            .values(failed_logins=0, locked_until=None)
        )
