"""The change counter behind the shared live view: raised once per commit that changes
what the live screens show, never by a refused or rolled-back write."""

from __future__ import annotations

import datetime as dt

import pytest

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Pupil
from attendance_desktop.domain.policy import Policy
from attendance_desktop.services.database import open_database
from attendance_desktop.services.errors import MarkConflict
from attendance_desktop.services.kiosk import kiosk_service
from attendance_desktop.services.register import live_revision
from attendance_desktop.services.register import register_service as rs
from attendance_desktop.services.register.register_service import MarkChange
from attendance_desktop.services.today import dashboard_service
from tests.conftest import OFFICE, clock_at

THU = dt.date(2025, 11, 20)


@pytest.fixture
def pupil(engine, school_year) -> int:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        p = Pupil(legal_forename="Ida", legal_surname="Counter", dob=dt.date(2018, 1, 5),
                  year_group="2", admission_date=dt.date(2022, 9, 1))
        s.add(p)
        s.flush()
        return int(p.id)  # type: ignore[arg-type]


def test_each_committed_change_raises_it_once_and_refusals_do_not(engine, paths, pupil):
    clock_at(engine, dt.datetime(2025, 11, 20, 9, 5))
    other = open_database(paths)  # another process or PC on the same file sees it too
    start = live_revision.current(other)
    rs.apply_changes(engine, OFFICE, [MarkChange(pupil, THU, "AM", "/", seen_code="")])
    assert live_revision.current(other) == start + 1
    rs.apply_changes(engine, OFFICE, [MarkChange(pupil, THU, "AM", "/", seen_code="/")])
    assert live_revision.current(other) == start + 1  # nothing changed: not raised
    with pytest.raises(MarkConflict):
        rs.apply_changes(engine, OFFICE, [MarkChange(pupil, THU, "AM", "N", seen_code="")])
    assert live_revision.current(other) == start + 1  # refused: rolled back with the batch
    # A batch of many cells is one change.
    rs.apply_changes(engine, OFFICE, [MarkChange(pupil, THU, "PM", "\\"),
                                      MarkChange(pupil, dt.date(2025, 11, 21), "AM", "/")])
    assert live_revision.current(other) == start + 2
    # Kiosk events (no mark written) and the call log count as well.
    kiosk_service.sign_out(engine, pupil, Policy().kiosk_out_reasons[0], "Mum")
    assert live_revision.current(other) == start + 3
    dashboard_service.log_call(engine, OFFICE, pupil, None, "No answer", "", "Phone",
                               now=dt.datetime(2025, 11, 20, 9, 40))
    assert live_revision.current(other) == start + 4
    other.dispose()


def test_a_database_without_the_first_row_still_counts(engine, pupil):
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(text("DELETE FROM register_revision"))
    assert live_revision.current(engine) == 0
    clock_at(engine, dt.datetime(2025, 11, 20, 9, 5))
    rs.apply_changes(engine, OFFICE, [MarkChange(pupil, THU, "AM", "/")])
    assert live_revision.current(engine) == 1
