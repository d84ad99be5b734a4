"""A small school with marks, and programs run as separate processes by the backup tests:

    python -m tests.services.backup_helpers writer DATA_DIR COUNT [PAUSE]  # one ACK per commit
    python -m tests.services.backup_helpers slow-backup DATA_DIR    # a backup, page by page
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import select

from attendance_desktop.config.paths import AppPaths, resolve_paths
from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Mark, MarkAmendment
from attendance_desktop.domain.calendar import default_term_dates
from attendance_desktop.domain.progress import CancelToken
from attendance_desktop.domain.roles import SYSTEM_ACTOR
from attendance_desktop.services.clock import FixedClock, bind_clock
from attendance_desktop.services.database import open_database
from attendance_desktop.services.records import backup_service
from attendance_desktop.services.register import register_service
from attendance_desktop.services.register.register_service import MarkChange
from attendance_desktop.services.school import calendar_service
from tests.conftest import HEAD
from tests.services.register_school import make_school

FIRST_DAY = dt.date(2025, 9, 8)  # a Monday; 70 sessions to half term


def school_with_year(engine: Engine) -> list[int]:
    """The tiny school and its 2025/26 calendar; returns the pupil ids."""
    calendar_service.create_academic_year(engine, HEAD, default_term_dates(2025),
                                          inset_days=[dt.date(2025, 9, 1)])
    school = make_school(engine)
    return school.oak_pupils + school.ash_pupils


def sessions(count: int) -> list[tuple[dt.date, str]]:
    """The first `count` open sessions from FIRST_DAY (weekdays of the autumn term)."""
    out: list[tuple[dt.date, str]] = []
    day = FIRST_DAY
    while len(out) < count:
        if day.weekday() < 5:
            out += [(day, "AM"), (day, "PM")]
        day += dt.timedelta(days=1)
    return out[:count]


def mark(engine: Engine, pupil_ids: list[int], day: dt.date, session: str, code: str) -> None:
    """One session's marks for every pupil, through the register service (one commit)."""
    now = dt.datetime.combine(day, dt.time(8, 50 if session == "AM" else 13, 5))
    bind_clock(engine, FixedClock(now))  # entered on its day, before the register closed
    register_service.apply_changes(engine, SYSTEM_ACTOR,
                                   [MarkChange(p, day, session, code) for p in pupil_ids])


def register(engine: Engine) -> list[tuple[object, ...]]:
    """Every mark and amendment as plain tuples, to compare registers."""
    with session_scope(engine) as s:
        marks = [(m.pupil_id, m.date, m.session, m.code, m.minutes_late, m.comment,
                  m.entered_by, m.entered_at) for m in s.exec(select(Mark)).all()]
        amends = [(a.id, a.pupil_id, a.date, a.session, a.old_code, a.new_code, a.reason)
                  for a in s.exec(select(MarkAmendment)).all()]
    return sorted(marks) + sorted(amends)  # type: ignore[type-var]


STOP_WRITING = "stop-writing"  # a file the test puts in the data folder: write no more


def _writer(paths: AppPaths, count: int, pause: float) -> None:
    """Write `count` sessions' marks, one commit each, acknowledging each on stdout, until
    done or told to stop (STOP_WRITING in the data folder; then it ends normally)."""
    engine = open_database(paths)
    from attendance_desktop.db.models import Pupil

    with session_scope(engine) as s:
        pupil_ids = sorted(p.id for p in s.exec(select(Pupil)).all() if p.id is not None)
    print("READY", flush=True)
    for day, session in sessions(count):
        if (paths.data_dir / STOP_WRITING).exists():
            break
        mark(engine, pupil_ids, day, session, "/" if session == "AM" else "\\")
        print(f"ACK {day.isoformat()} {session}", flush=True)  # committed
        time.sleep(pause)  # keeps writing while the other process backs up
    engine.dispose()


class _SlowToken(CancelToken):
    """Checked after every step of the copy: one page each 50 ms, so a kill lands mid-copy."""

    def check(self) -> None:
        time.sleep(0.05)
        super().check()


def _slow_backup(paths: AppPaths) -> None:
    engine = open_database(paths)
    job = backup_service.make_backup(paths, engine, pages=1, token=_SlowToken())
    print("STARTED", flush=True)
    backup_service.run_job(job)
    print("FINISHED", flush=True)


def main(argv: list[str]) -> int:
    what, data = argv[0], Path(argv[1])
    paths = resolve_paths(data, environ={})
    if what == "writer":
        _writer(paths, int(argv[2]), float(argv[3]) if len(argv) > 3 else 0.0)
    elif what == "slow-backup":
        _slow_backup(paths)
    else:
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
