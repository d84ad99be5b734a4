"""The SQLite pool (db/sqlite_pool.py): the main thread keeps one connection, every other
thread opens the file afresh and closes it, no connection passes between threads and no
cursor of the kept connection outlives its checkout."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from attendance_desktop.config.paths import AppPaths
from attendance_desktop.db.sqlite_pool import MainThreadPool
from attendance_desktop.services.database import open_database


def _opened(engine: Engine) -> list[int]:
    """Record the thread of every new DBAPI connection the engine opens."""
    seen: list[int] = []
    event.listen(engine, "connect", lambda *_: seen.append(threading.get_ident()))
    return seen


def _dbapi(engine: Engine) -> Any:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1")).scalar()
        return conn.connection.dbapi_connection


def _in_thread(fn: Callable[[], Any]) -> Any:
    out: list[Any] = []
    worker = threading.Thread(target=lambda: out.append(fn()), name="pool-test")
    worker.start()
    worker.join(10)
    assert not worker.is_alive()
    return out[0]


def _closed(dbapi: sqlite3.Connection) -> bool:
    try:
        dbapi.execute("SELECT 1")
    except sqlite3.ProgrammingError:
        return True
    return False


def test_the_main_thread_keeps_its_connection(engine: Engine) -> None:
    assert isinstance(engine.pool, MainThreadPool)
    opened = _opened(engine)
    first = _dbapi(engine)
    assert _dbapi(engine) is first  # the same connection again: no connect, no PRAGMAs
    assert opened == []  # (the fixture's open_database already opened it)
    assert not _closed(first)


def test_other_threads_open_afresh_and_close_at_the_end(engine: Engine) -> None:
    main = _dbapi(engine)
    opened = _opened(engine)
    first = _in_thread(lambda: _dbapi(engine))
    second = _in_thread(lambda: _dbapi(engine))
    assert first is not main
    assert second is not main
    assert len(opened) == 2
    assert threading.get_ident() not in opened
    assert _closed(first)  # nothing kept for a worker thread
    assert _closed(second)
    assert _dbapi(engine) is main  # the main thread's one is untouched


def test_a_connection_from_a_worker_is_not_kept_when_it_ends_in_the_main_thread(
        engine: Engine) -> None:
    # A job's objects may be dropped in the GUI thread: its connection is closed, never
    # handed to the main thread afterwards.
    main = _dbapi(engine)
    conn = _in_thread(engine.connect)
    dbapi = conn.connection.dbapi_connection
    conn.close()  # in the main thread
    assert _closed(dbapi)
    assert _dbapi(engine) is main


def test_cursors_left_open_are_closed_when_the_connection_goes_back(engine: Engine) -> None:
    with engine.connect() as conn:
        result = conn.exec_driver_sql("SELECT id FROM pupil UNION ALL SELECT 1 UNION ALL"
                                      " SELECT 2")  # not read to the end
        cursor = result.cursor
        assert cursor is not None
    # Closed at check-in: finalising it later (from any thread) touches no connection.
    with pytest.raises(sqlite3.ProgrammingError):
        cursor.fetchone()


def test_the_kept_connection_sees_other_writers_and_holds_no_transaction(
        engine: Engine, paths: AppPaths) -> None:
    other = open_database(paths)  # another PC on the same file
    try:
        before = _dbapi(engine)
        with engine.connect() as conn:
            count = conn.execute(text("SELECT count(*) FROM register_revision")).scalar()
        assert not before.in_transaction
        with other.begin() as conn:
            conn.execute(text("INSERT INTO register_revision (id, revision) VALUES (77, 5)"))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM register_revision")).scalar() == (
                (count or 0) + 1)
        assert _dbapi(engine) is before
    finally:
        other.dispose()


def test_dispose_closes_the_kept_connection(paths: AppPaths) -> None:
    eng = open_database(paths)
    kept = _dbapi(eng)
    assert paths.sqlite_file is not None
    wal = paths.sqlite_file.with_name(paths.sqlite_file.name + "-wal")
    assert wal.exists()  # a connection is open
    eng.dispose()
    assert _closed(kept)
    assert not wal.exists()  # the last connection closed: checkpointed and removed
    # The engine still works afterwards (a new pool).
    assert _dbapi(eng) is not kept
    eng.dispose()
