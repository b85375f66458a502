"""Safe start-up of many sweep workers on one PostgreSQL database.

Workers started together on an empty database all try to create Optuna's tables and its
alembic version row at once, and all but one fail with a UniqueViolation. `guarded(url, what,
fn)` runs one step of that phase (`RDBStorage(...)` or `create_study(load_if_exists=True)`)
while holding a session-level advisory lock on a separate short-lived connection, so one
worker at a time does it. Where the lock cannot be taken (a pooler in transaction mode, a
server without advisory locks) the race's errors are retried a bounded number of times with
jitter. Whatever still goes wrong in this phase ends as a one-line BenchError.
"""

from __future__ import annotations

import random
import sys
import time
from contextlib import contextmanager

from bench.errors import BenchError

LOCK_KEY = 0x62656E6368537770  # "benchSwp": one fixed 64-bit key for every sweep worker
LOCK_WAIT_S = 300.0  # initialising takes seconds; this long means a stuck worker holds it
ATTEMPTS = 6
_told: set[str] = set()  # URLs this process already printed the waiting line for


def is_postgres(url: str) -> bool:
    return url.startswith(("postgresql://", "postgresql+", "postgres://"))


def public_url(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
        parsed = parsed.set(drivername=parsed.get_backend_name())  # as typed: no +psycopg2
        return parsed.render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed URL is shown as the user typed it
        return url


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _first_line(exc: BaseException) -> str:
    while exc.__cause__ is not None and getattr(exc, "orig", None) is None:
        exc = exc.__cause__  # Optuna's StorageInternalError: show the database's own error
    text = str(getattr(exc, "orig", None) or exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


def _is_race(exc: BaseException | None) -> bool:
    """A duplicate schema object, or a deadlock, also when Optuna wrapped it in its own error."""
    from sqlalchemy.exc import IntegrityError, ProgrammingError

    while exc is not None:
        if isinstance(exc, (IntegrityError, ProgrammingError)):
            return True
        if str(getattr(getattr(exc, "orig", None), "pgcode", "") or "").startswith("40"):
            return True  # 40001 serialization failure, 40P01 deadlock detected
        exc = exc.__cause__
    return False


@contextmanager
def advisory_lock(url: str, *, key: int = LOCK_KEY, wait_s: float = LOCK_WAIT_S, say=_say):
    """Hold pg_advisory_lock(key) on a connection of its own; yields whether it was taken."""
    import sqlalchemy
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.pool import NullPool

    try:
        engine = sqlalchemy.create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        conn = engine.connect()
    except SQLAlchemyError:  # the storage itself will report why it cannot connect
        yield False
        return
    try:
        taken = _acquire(conn, key, wait_s, url, say)
        yield taken
    finally:
        conn.close()  # ending the session releases its advisory lock
        engine.dispose()


def _acquire(conn, key: int, wait_s: float, url: str, say) -> bool:
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    deadline = time.monotonic() + wait_s
    try:
        while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            if url not in _told:
                _told.add(url)
                say(f"waiting for another worker to initialise the sweep storage at "
                    f"{public_url(url)}")
            if time.monotonic() > deadline:
                raise BenchError(f"another session has held advisory lock {key} on "
                                 f"{public_url(url)} for {wait_s:.0f} s; if no worker is "
                                 f"starting, end that session (see pg_locks) and retry")
            time.sleep(random.uniform(0.05, 0.3))
    except SQLAlchemyError:  # no advisory locks here: rely on the retries
        return False
    return True


def guarded(url: str, what: str, fn, *, attempts: int = ATTEMPTS, say=_say):
    """`fn()` under the start-up lock (PostgreSQL only), retrying the race's errors."""
    if not is_postgres(url):
        return fn()
    import optuna
    from sqlalchemy.exc import SQLAlchemyError

    for attempt in range(1, attempts + 1):
        try:
            with advisory_lock(url, say=say):
                return fn()
        except ImportError as exc:
            raise BenchError(f"PostgreSQL storage needs a driver ({exc}); "
                             f"install it with: pip install '.[postgres]'") from None
        except (SQLAlchemyError, optuna.exceptions.StorageInternalError, RuntimeError) as exc:
            if attempt == attempts or not _is_race(exc):
                raise BenchError(f"could not {what} at {public_url(url)} (attempt {attempt} of "
                                 f"{attempts}): {_first_line(exc)}") from None
        time.sleep(random.uniform(0.2, 1.0) * attempt)
