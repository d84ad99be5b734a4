"""Run in a separate process by test_import_lock_wait: an import that stops half way
through its copy, holding the write lock, until it is killed."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

from sqlalchemy import event

from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.services.clock import FixedClock, bind_clock
from attendance_desktop.services.database import open_database
from attendance_desktop.services.interchange import mark_import


def main(data_dir: str, csv_file: str, marker: str) -> None:
    engine = open_database(resolve_paths(Path(data_dir), environ={}))
    bind_clock(engine, FixedClock(dt.datetime(2025, 11, 20, 16, 0)))

    def hang(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if statement.startswith("INSERT INTO markledger"):
            # The marks are in (not committed), the ledger is next: half way.
            Path(marker).write_text("in the copy")
            time.sleep(120)

    event.listen(engine, "before_cursor_execute", hang)
    mark_import.import_marks(engine, Path(csv_file), Actor("Kill test", Role.OFFICE))


if __name__ == "__main__":
    main(*sys.argv[1:4])
