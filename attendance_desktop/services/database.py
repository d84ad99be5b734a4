"""Open (and if new, create) the school's database at the current schema."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import select

from attendance_desktop.config import locations
from attendance_desktop.config.paths import AppPaths
from attendance_desktop.db import migrate
from attendance_desktop.db.engine import make_engine, session_scope
from attendance_desktop.db.models import School
from attendance_desktop.services import policy_service

DEFAULT_SCHOOL_NAME = "New school"


def open_database(paths: AppPaths) -> Engine:
    """Create the data folder and database if needed, migrate it, make sure a school exists."""
    if paths.sqlite_file is not None:
        locations.prepare_data_dir(paths.data_dir, paths.sqlite_file)  # private (POSIX)
    engine = make_engine(paths.db_url)
    migrate.upgrade(engine, backup_dir=paths.backup_dir)
    with session_scope(engine) as s:
        if s.exec(select(School)).first() is None:
            s.add(School(name=DEFAULT_SCHOOL_NAME))
            policy_service.write_defaults(s)
    return engine
