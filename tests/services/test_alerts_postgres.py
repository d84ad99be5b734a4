"""The alerts on PostgreSQL give what they give on SQLite for the same school: the reads
(correlated counts per segment, the not-on-time marks, the statements built once) take the
SQLAlchemy path there. Skipped without the server binaries (CI installs them)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy.engine import Engine

from attendance_desktop.domain.calendar import default_term_dates
from attendance_desktop.services.school import calendar_service
from attendance_desktop.services.trackers import alerts_service
from tests.conftest import HEAD, clock_at
from tests.db.pg_fixtures import requires_pg
from tests.services.tracker_data import D, add_pupil, fill

pytestmark = requires_pg
ON = D(2026, 2, 12)  # the last Thursday of Spring 1


def school(engine: Engine) -> None:
    calendar_service.create_academic_year(engine, HEAD, default_term_dates(2025),
                                          inset_days=[dt.date(2025, 9, 1)])
    calendar_service.add_closure(engine, HEAD, D(2026, 2, 4), "PM",
                                 description="Planned closed afternoon")
    clock_at(engine, dt.datetime(2026, 2, 12, 16, 0))
    for k, (code, start) in enumerate((("/", None), ("O", D(2026, 1, 12)),
                                       ("I", D(2026, 1, 26)), ("L", D(2026, 2, 2)),
                                       ("N", D(2026, 2, 10)), ("U", D(2025, 11, 3)))):
        pid = add_pupil(engine, f"Pupil{k}", "Example", f"A1000000001{k:02d}")
        fill(engine, pid, D(2025, 9, 3), ON)
        if start is not None:
            fill(engine, pid, start, ON if code != "U" else D(2025, 11, 14), code,
                 ("AM",) if code in ("L", "U") else ("AM", "PM"))


def test_alerts_on_postgresql_equal_sqlite(engine, pg_engine) -> None:  # type: ignore[no-untyped-def]
    school(engine)
    school(pg_engine)
    lite = alerts_service.snapshot(engine, ON).pupils
    pg = alerts_service.snapshot(pg_engine, ON).pupils
    assert [p.upn for p in pg] == [p.upn for p in lite]
    assert any(p.flags for p in lite)
    assert any(p.band_concern for p in lite)
    for a, b in zip(lite, pg, strict=True):
        assert dataclasses.replace(a, pupil_id=0) == dataclasses.replace(b, pupil_id=0)
    some = alerts_service.snapshot(pg_engine, ON, [pg[1].pupil_id, pg[4].pupil_id]).pupils
    assert list(some) == [pg[1], pg[4]]
