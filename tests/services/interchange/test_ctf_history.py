"""Previous-school attendance: counted in the penalty-notice window (it spans settings),
never in this school's register or figures."""

from __future__ import annotations

import datetime as dt

from attendance_desktop.services.interchange import ctf_import, previous_school
from attendance_desktop.services.pupils import pupil_service
from attendance_desktop.services.reports import stats_service
from attendance_desktop.services.trackers import alerts_service
from tests.conftest import OFFICE
from tests.services import ctf_files as f

D = dt.date
ON = D(2025, 11, 20)
JOINED = D(2025, 11, 3)


def _import(engine, tmp_path, codes: dict[dt.date, str], sections=("details", "attendance")):  # type: ignore[no-untyped-def]
    marks = f.marks_from(D(2025, 9, 1), codes, D(2025, 10, 24))
    xml = f.ctf(f.pupil(contacts="", attendance="<Attendance>" + f.year(
        possible=80, attended=70, auth=0, unauth=10, start="2025-09-01", marks=marks)
        + "</Attendance>"))
    path = tmp_path / "joiner.xml"
    path.write_text(xml, encoding="utf-8")
    ctf_import.import_ctf(engine, path, list(sections), actor=OFFICE, admission_date=JOINED,
                          today=ON)
    (p,) = pupil_service.list_pupils(engine)
    return p.id


def test_previous_school_unauthorised_sessions_count_in_the_pn_window(engine, school_year,
                                                                     tmp_path):
    truancy = {D(2025, 10, d): "U" for d in (6, 7, 8, 9)} | {D(2025, 10, 10): "G"}
    pid = _import(engine, tmp_path, truancy)
    alert = alerts_service.snapshot(engine, ON).find(pid)
    assert alert is not None
    assert alert.pn.sessions == 10
    assert alert.penalty_threshold_met
    assert alert.pn.met_on == D(2025, 10, 10)
    assert any(d.tracker == "penalty" for d in alert.due)
    # the register and this school's figures hold nothing from the other school
    counts = stats_service.totals(engine, school_year.start, ON,
                                  stats_service.Scope(pupil_ids=(pid,)))
    assert counts.possible == 0


def test_authorised_or_older_sessions_do_not_count(engine, school_year, tmp_path):
    pid = _import(engine, tmp_path, {D(2025, 9, d): "U" for d in (1, 2, 3)}
                  | {D(2025, 10, d): "I" for d in (6, 7, 8, 9, 10)})
    alert = alerts_service.snapshot(engine, ON).find(pid)
    assert alert is not None
    # 1-3 September fall outside the last ten school weeks before 20 November
    assert alert.pn.sessions == 0
    assert not alert.penalty_threshold_met


def test_a_session_marked_here_keeps_this_schools_mark():
    ours = [(D(2025, 10, 6), "AM", "/")]
    theirs = ([(D(2025, 10, 6), "AM", "U"), (D(2025, 10, 6), "PM", "U")], [D(2025, 10, 6)])
    marks, weeks = previous_school.combine(ours, [D(2025, 9, 29)], theirs)
    assert marks == [(D(2025, 10, 6), "AM", "/"), (D(2025, 10, 6), "PM", "U")]
    assert weeks == [D(2025, 9, 29), D(2025, 10, 6)]
