"""Opening a SQLite database waits for a lock another program holds, including while it
switches the file to WAL: SQLite answers that switch with "database is locked" at once,
without its busy timeout, when another connection is writing to a file still in
rollback-journal mode (found with four copies of the app starting together on a new
data folder: one in about thirty runs stopped with "the database was busy")."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import text

from attendance_desktop.db.engine import make_engine
from attendance_desktop.services.errors import DatabaseBusy


def _writing_in_rollback_mode(db_file: Path) -> sqlite3.Connection:
    """Another program's connection holding the write lock of a rollback-journal file."""
    other = sqlite3.connect(db_file, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE t (x)")
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t VALUES (1)")
    return other


def test_the_switch_to_wal_waits_for_another_writer(tmp_path: Path) -> None:
    db_file = tmp_path / "school.sqlite3"
    other = _writing_in_rollback_mode(db_file)
    done = threading.Timer(0.3, lambda: (other.execute("COMMIT"), other.close()))
    done.start()
    engine = make_engine(f"sqlite:///{db_file}", wait_seconds=10)
    try:
        with engine.connect() as conn:  # the pragmas run on connect
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("SELECT x FROM t")).scalar() == 1  # after the commit
    finally:
        engine.dispose()
        done.join()


def test_the_switch_to_wal_still_gives_up_after_the_wait(tmp_path: Path) -> None:
    db_file = tmp_path / "school.sqlite3"
    with closing(_writing_in_rollback_mode(db_file)):
        engine = make_engine(f"sqlite:///{db_file}", wait_seconds=0.2)
        try:
            with pytest.raises(DatabaseBusy, match="was busy: another program kept it locked"):
                engine.connect().close()
        finally:
            engine.dispose()
