"""Write transactions that hold the register's write lock from their first statement.

SQLite: pysqlite would open a transaction lazily, at the first INSERT, so two writers could
both read a cell and then both write it. A write transaction therefore starts with
`BEGIN IMMEDIATE`, taking SQLite's single write lock before anything is read; readers
(WAL) carry on meanwhile. The driver's own transaction handling is left alone for every
other connection: it sees the explicit BEGIN and does not issue its own.

PostgreSQL: the register path takes advisory locks (per pupil, or one for the whole
register for big batches) before it reads, and `lock_timeout` bounds any wait.

A wait longer than the busy timeout becomes DatabaseBusy, a plain message, never the
driver's "database is locked": write_scope maps it, and so does every engine in the
process (an SQLAlchemy handle_error listener, below) for any statement or commit outside
write_scope that waits too long on SQLite.

A writer that must not fail while a big import holds the lock for a few seconds (the kiosk,
which saves off the GUI thread and says "please wait") asks write_scope for a longer wait
(PATIENT_WAIT_SECONDS) than the engine's default.

How long each write transaction held the lock (from taking it to the end of its commit or
rollback) is measured here, where it is taken and released: a hold over HELD_LOG_SECONDS
is logged, and `watch_held` lets a benchmark or a test see every one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine, ExceptionContext
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session

from attendance_desktop.config.paths import WAIT_ENV
from attendance_desktop.services.errors import DatabaseBusy

T = TypeVar("T")
LOCKED_KEY = "register_write_lock"
PG_LOCK_TIMEOUT = "10s"  # as long as SQLite's busy timeout (db/engine.py)
_REGISTER_LOCK = 73_011  # advisory lock namespace: (namespace, 0) = whole register
_PUPIL_LOCK = 73_012  # (namespace, pupil id)
BIG_BATCH_PUPILS = 400  # above this, one exclusive register lock instead of per-pupil locks
HELD_LOG_SECONDS = 1.0
# Far longer than a 1M-mark import holds the lock (a few seconds), even on a busy PC.
PATIENT_WAIT_SECONDS = 60.0
_HELD_SINCE = "write_lock_taken_at"
log = logging.getLogger(__name__)
_watchers: list[Callable[[float], None]] = []


def watch_held(watcher: Callable[[float], None]) -> Callable[[], None]:
    """Call `watcher(seconds)` after every write transaction in this process with how long
    it held the write lock; returns a function that stops watching."""
    _watchers.append(watcher)
    return lambda: _watchers.remove(watcher)


def _released(s: Session) -> None:
    taken = s.info.pop(_HELD_SINCE, None)
    if taken is None:
        return
    held = time.perf_counter() - taken
    if held > HELD_LOG_SECONDS:
        log.info("a write transaction held the write lock for %.2f s", held)
    for watcher in list(_watchers):
        watcher(held)


def is_busy(exc: BaseException) -> bool:
    """A lock wait that ran out (SQLite busy, PostgreSQL lock timeout or deadlock)."""
    if not isinstance(exc, DBAPIError):
        return False
    code = getattr(exc.orig, "sqlstate", None)
    if code in ("55P03", "40P01", "40001"):
        return True
    msg = str(exc.orig).lower()
    return isinstance(exc, OperationalError) and ("database is locked" in msg
                                                  or "database is busy" in msg)


@event.listens_for(Engine, "handle_error")
def _plain_busy(ctx: ExceptionContext) -> BaseException | None:
    """SQLite "database is locked" anywhere (a read or commit outside write_scope that
    waited out the busy timeout) becomes DatabaseBusy, saying which file and how long it
    waited, as at start-up (services/database.explain), never the driver's words."""
    if ctx.dialect is None or ctx.dialect.name != "sqlite":
        return None  # PostgreSQL's lock timeouts keep their sqlstate for run_write
    if not (isinstance(ctx.sqlalchemy_exception, OperationalError)
            and is_busy(ctx.sqlalchemy_exception)):
        return None
    waited = ""
    with suppress(Exception):  # the driver connection is still usable after a busy error
        raw = ctx.connection.connection.dbapi_connection  # type: ignore[union-attr]
        ms = raw.execute("PRAGMA busy_timeout").fetchone()[0]  # type: ignore[union-attr]
        waited = f" for more than {ms / 1000:g} seconds"
    where = ctx.engine.url.database if ctx.engine is not None else ""
    return DatabaseBusy(f"The database {where} was busy: another program kept it locked"
                        f"{waited}; nothing was saved: try again in a moment (or set"
                        f" {WAIT_ENV} to wait longer)")


def begin_write(s: Session) -> None:
    """Take the write lock as the first statement of `s`'s transaction."""
    if s.info.get(LOCKED_KEY):
        return
    conn = s.connection()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        conn.execute(text(f"SET LOCAL lock_timeout = '{PG_LOCK_TIMEOUT}'"))
    s.info[LOCKED_KEY] = True
    s.info[_HELD_SINCE] = time.perf_counter()


def holds_write_lock(s: Session) -> bool:
    return bool(s.info.get(LOCKED_KEY))


def lock_pupils(s: Session, pupil_ids: set[int]) -> None:
    """PostgreSQL: serialise writers of the same pupils (no-op elsewhere: SQLite already
    holds its single write lock). Locks are taken in id order so two batches never
    deadlock; a big batch takes the whole register exclusively instead."""
    conn = s.connection()
    if conn.dialect.name != "postgresql" or not pupil_ids:
        return
    if len(pupil_ids) > BIG_BATCH_PUPILS:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k, 0)"), {"k": _REGISTER_LOCK})
        return
    conn.execute(text("SELECT pg_advisory_xact_lock_shared(:k, 0)"), {"k": _REGISTER_LOCK})
    conn.execute(text(
        "SELECT count(*) FROM (SELECT pg_advisory_xact_lock(:k, p) FROM"
        " (SELECT unnest(CAST(:ids AS integer[])) AS p ORDER BY 1) AS ordered) AS done"),
        {"k": _PUPIL_LOCK, "ids": sorted(pupil_ids)})


@contextmanager
def write_scope(bind: Engine | Connection, wait_seconds: float | None = None
                ) -> Iterator[Session]:
    """One write transaction holding the write lock from its first statement; commits on
    success, rolls back on any error; a lock wait that ran out raises DatabaseBusy.
    `bind` is usually the engine; a Connection when the work needs that very connection
    (an import stages rows in its TEMP tables first). `wait_seconds` (SQLite): wait this
    long for the lock instead of the engine's busy timeout."""
    session = Session(bind, expire_on_commit=False)
    waited: tuple[Any, int] | None = None  # the driver connection, its own busy timeout
    try:
        if wait_seconds is not None and session.connection().dialect.name == "sqlite":
            raw = session.connection().connection.dbapi_connection
            assert raw is not None
            waited = (raw, int(raw.execute("PRAGMA busy_timeout").fetchone()[0]))
            raw.execute(f"PRAGMA busy_timeout = {int(wait_seconds * 1000)}")
        begin_write(session)
        yield session
        session.commit()
    except DBAPIError as exc:
        session.rollback()
        if is_busy(exc):
            raise DatabaseBusy() from None
        raise
    except DatabaseBusy:  # mapped by _plain_busy: the usual words inside write_scope
        session.rollback()
        raise DatabaseBusy() from None
    except BaseException:
        session.rollback()
        raise
    finally:
        _released(session)
        if waited is not None:  # a pooled or caller's connection keeps its own wait
            with suppress(Exception):  # (already closed: nothing to put back)
                waited[0].execute(f"PRAGMA busy_timeout = {waited[1]}")
        session.close()


def run_write(engine: Engine, work: Callable[[Session], T], attempts: int = 3) -> T:
    """`work` in a write_scope, tried again after a PostgreSQL deadlock or serialisation
    failure (the whole transaction is redone, so nothing half-done is kept)."""
    for attempt in range(attempts):
        try:
            with write_scope(engine) as s:
                return work(s)
        except DatabaseBusy as exc:
            cause = exc.__context__
            code = getattr(getattr(cause, "orig", None), "sqlstate", None)
            if code not in ("40P01", "40001") or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")
