"""What the sign-in dialog shows, read with the stdlib sqlite3 module, read-only.

The database stack (SQLAlchemy, SQLModel, the models) takes one to three seconds to
import; the sign-in dialog needs only the school's name and the staff names. So a SQLite
database that is already at the shipped schema revision is read here, and the stack is
imported and opened behind the dialog (gui.quick_start). Anything unusual (no file, a
migration due, a newer app's revision, any error at all) returns None and the start goes
the usual way, so faults and upgrades are reported exactly as before.
"""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from attendance_desktop.db.shipped import shipped_head_in
from attendance_desktop.domain.roles import Role

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StaffName:
    id: int
    name: str
    role: Role


@dataclass(frozen=True, slots=True)
class FirstScreen:
    school_name: str
    staff: tuple[StaffName, ...]  # active accounts, by name (as auth_service.list_staff)
    can_sign_in: bool  # an active account has a PIN (else the head's account is created)
    needs_setup: bool  # no pupils and set-up never finished (the welcome screen)

    @property
    def sign_in_dialog(self) -> bool:
        """Whether the start shows exactly the plain sign-in dialog."""
        return self.can_sign_in and not self.needs_setup and bool(self.staff)


def read_first_screen(sqlite_file: Path) -> FirstScreen | None:
    """The first screen's facts, or None when the usual start must decide."""
    if not sqlite_file.is_file():
        return None
    head = shipped_head_in()
    if head is None:
        return None
    uri = sqlite_file.resolve().as_uri() + "?mode=ro"  # read-only: never creates or changes
    try:
        with closing(sqlite3.connect(uri, uri=True, timeout=1.0)) as conn:
            versions = conn.execute("SELECT version_num FROM alembic_version").fetchall()
            if versions != [(head,)]:
                return None  # a migration is due (or a newer app's database)
            school = conn.execute(
                "SELECT name, set_up_complete FROM school ORDER BY id LIMIT 1").fetchone()
            if school is None:
                return None
            rows = conn.execute("SELECT id, name, role, pin_hash FROM staff WHERE active "
                                "ORDER BY name").fetchall()
            pupils = conn.execute("SELECT 1 FROM pupil LIMIT 1").fetchone() is not None
    except (sqlite3.Error, OSError) as exc:  # whatever it is, the usual start reports it
        log.info("quick first screen not read (%s); opening the usual way", exc)
        return None
    try:
        staff = tuple(StaffName(int(r[0]), str(r[1]), Role(r[2])) for r in rows)
    except ValueError:
        return None  # a role this copy does not know
    return FirstScreen(
        school_name=str(school[0] or ""),
        staff=staff,
        can_sign_in=any(r[3] for r in rows),
        needs_setup=not pupils and not school[1],
    )
