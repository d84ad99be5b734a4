"""The first screen read with stdlib sqlite3, read-only, only at the shipped revision."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from pathlib import Path

from attendance_desktop.config.paths import AppPaths
from attendance_desktop.db import migrate
from attendance_desktop.db.quick_read import read_first_screen
from attendance_desktop.services.demo import demo_service
from attendance_desktop.services.school import auth_service, school_service


def _digest(file: Path) -> str:
    return hashlib.sha256(file.read_bytes()).hexdigest()


def test_a_demo_school_gives_the_sign_in_dialog_what_the_services_give(engine, paths):
    demo_service.create_demo(engine, seed=7, pupils=35, today=dt.date(2025, 11, 20))
    assert paths.sqlite_file is not None
    first = read_first_screen(paths.sqlite_file)
    assert first is not None
    assert first.school_name == school_service.get_school(engine).details.name
    assert [(s.id, s.name, s.role) for s in first.staff] == [
        (s.id, s.name, s.role) for s in auth_service.list_staff(engine)]
    assert first.can_sign_in
    assert not first.needs_setup
    assert first.sign_in_dialog


def test_a_new_database_goes_the_usual_way_to_the_welcome_screen(engine, paths):
    assert paths.sqlite_file is not None
    first = read_first_screen(paths.sqlite_file)
    assert first is not None
    assert first.needs_setup
    assert not first.sign_in_dialog
    assert first.staff == ()
    assert not first.can_sign_in


def test_reading_changes_nothing_and_creates_nothing(engine, paths: AppPaths, tmp_path):
    demo_service.create_demo(engine, seed=7, pupils=12, today=dt.date(2025, 11, 20))
    engine.dispose()
    assert paths.sqlite_file is not None
    before = _digest(paths.sqlite_file)
    files = sorted(p.name for p in paths.data_dir.iterdir())
    assert read_first_screen(paths.sqlite_file) is not None
    assert _digest(paths.sqlite_file) == before
    # only SQLite's own WAL companions may appear (the usual open makes them too)
    companions = {"attendance.sqlite3-wal", "attendance.sqlite3-shm"}
    assert sorted(p.name for p in paths.data_dir.iterdir()
                  if p.name not in companions) == files
    missing = tmp_path / "none" / "attendance.sqlite3"
    assert read_first_screen(missing) is None
    assert not missing.parent.exists()  # read-only: never makes a database


def test_a_migration_due_or_a_newer_revision_goes_the_usual_way(engine, paths):
    demo_service.create_demo(engine, seed=7, pupils=12, today=dt.date(2025, 11, 20))
    engine.dispose()
    assert paths.sqlite_file is not None
    head = migrate.shipped_head()
    for other in ("0001", "9999_newer"):
        with sqlite3.connect(paths.sqlite_file) as con:
            con.execute("UPDATE alembic_version SET version_num = ?", (other,))
        assert read_first_screen(paths.sqlite_file) is None
    with sqlite3.connect(paths.sqlite_file) as con:
        con.execute("UPDATE alembic_version SET version_num = ?", (head,))
    assert read_first_screen(paths.sqlite_file) is not None


def test_a_file_that_is_not_a_database_goes_the_usual_way(tmp_path):
    junk = tmp_path / "attendance.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    assert read_first_screen(junk) is None
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()
    assert read_first_screen(empty) is None  # no tables: the usual start creates them
