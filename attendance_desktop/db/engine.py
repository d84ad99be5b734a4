"""Engine creation and the unit of work.

SQLite is opened with WAL, foreign keys, a busy timeout and synchronous=FULL so that a
committed mark survives a crash or power cut. A PostgreSQL URL works the same way.
"""

from __future__ import annotations

import functools
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlmodel import Session, create_engine

from attendance_desktop.db import chains  # noqa: F401  (links ORM-added chained records)
from attendance_desktop.db.sqlite_pool import MainThreadPool, TrackingConnection

DEFAULT_WAIT_SECONDS = 10.0


def make_engine(url: str | URL, echo: bool = False,
                wait_seconds: float = DEFAULT_WAIT_SECONDS) -> Engine:
    """An engine for a URL object (or URL text, parsed, never pasted into).

    wait_seconds bounds how long a connection waits for a lock another program holds
    (SQLite) or for the server to answer (PostgreSQL connect timeout).
    """
    url = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    backend = url.get_backend_name()
    if backend == "sqlite":
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": wait_seconds}
        if url.database and url.database != ":memory:":
            # A fresh connection per checkout in every thread but the main one (a pooled
            # sqlite3 connection must never pass between threads: see sqlite_pool.py);
            # the main thread keeps its one connection (a keystroke's write saves ~1-2 ms).
            kwargs["connect_args"]["factory"] = TrackingConnection
            kwargs["poolclass"] = MainThreadPool
    elif backend == "postgresql" and url.get_driver_name() == "psycopg":
        # libpq wants whole seconds, at least 2.
        kwargs["connect_args"] = {"connect_timeout": max(2, round(wait_seconds))}
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect",
                     functools.partial(_sqlite_pragmas, busy_ms=int(wait_seconds * 1000)))
    return engine


def _sqlite_pragmas(dbapi_conn: Any, _record: Any, busy_ms: int) -> None:
    cur = dbapi_conn.cursor()
    # The wait first: switching to WAL may itself need a lock another process holds.
    cur.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
    cur.execute("PRAGMA foreign_keys=ON")
    # INSERT OR REPLACE deletes the row it replaces without firing DELETE triggers unless
    # this is on: with it, REPLACE on an append-only table is refused like a DELETE.
    cur.execute("PRAGMA recursive_triggers=ON")
    _switch_to_wal(cur, busy_ms)
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


def _switch_to_wal(cur: Any, busy_ms: int) -> None:
    """PRAGMA journal_mode=WAL, waiting for another program's lock as long as any other
    statement would. SQLite answers it with "database is locked" at once, without the busy
    timeout, while another connection is writing to a file still in rollback-journal mode
    (as when several copies of the app start together on a new database), so it is tried
    again, with growing pauses, until the wait is over."""
    deadline = time.monotonic() + busy_ms / 1000
    pause = 0.005
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            busy = "locked" in str(exc) or "busy" in str(exc)
            if not busy or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
