"""Leave service: roles, figures, decisions (append-only), register prefills, withdrawal,
refused-and-taken marked G and counted, lists and history, assessment dates."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from attendance_desktop.domain.calendar import daterange
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.services.errors import PermissionDenied, ServiceError
from attendance_desktop.services.leave import leave_decisions, leave_reads, leave_requests
from attendance_desktop.services.leave.leave_records import RequestInput
from attendance_desktop.services.pupils import class_service, pupil_service
from attendance_desktop.services.pupils.pupil_service import PupilInput
from attendance_desktop.services.register import mark_reads, register_service
from attendance_desktop.services.register.register_service import MarkChange
from attendance_desktop.services.reports import stats_service
from attendance_desktop.services.school import calendar_service, school_service
from tests.conftest import HEAD, OFFICE, clock_at

D = dt.date
NOW = dt.datetime(2025, 11, 20, 10, 0)  # Thursday
TEACHER = Actor("Test Teacher", Role.TEACHER, class_ids=frozenset({1}))
READONLY = Actor("Governor", Role.READONLY)


@pytest.fixture
def pupil(engine, school_year) -> int:  # type: ignore[no-untyped-def]
    oak = class_service.save_class(engine, HEAD, "Oak")
    return pupil_service.add_pupil(engine, OFFICE, PupilInput(
        legal_forename="Tilly", legal_surname="Brook", dob=D(2016, 5, 4), year_group="4",
        admission_date=D(2022, 9, 5), class_id=oak), NOW.date())


def req(pupil_id: int, first: dt.date, last: dt.date, **kw: object) -> RequestInput:
    base: dict[str, object] = dict(
        pupil_id=pupil_id, requested_by="Sam Brook", relationship="Mother",
        received_date=D(2025, 11, 3), first_date=first, last_date=last, ground="C",
        reason="Grandparent's funeral abroad")
    base.update(kw)
    return RequestInput(**base)  # type: ignore[arg-type]


def cell(engine, pupil_id: int, day: dt.date, session: str):  # type: ignore[no-untyped-def]
    return mark_reads.read_cell(engine, pupil_id, day, session)


def test_office_records_but_only_the_head_decides(engine, pupil) -> None:  # type: ignore[no-untyped-def]
    rid = leave_requests.submit_request(engine, OFFICE, req(pupil, D(2025, 12, 1),
                                                            D(2025, 12, 2)), now=NOW)
    for actor in (OFFICE, TEACHER, READONLY):
        with pytest.raises(PermissionDenied, match="only the headteacher"):
            leave_decisions.decide(engine, actor, rid, "granted", decided_on=NOW.date(), now=NOW)
    assert leave_reads.get_request(engine, rid).status == "pending"
    assert leave_reads.decisions(engine, rid) == []
    with pytest.raises(PermissionDenied):
        leave_requests.submit_request(engine, READONLY, req(pupil, D(2025, 12, 1),
                                                            D(2025, 12, 2)), now=NOW)
    leave_decisions.decide(engine, HEAD, rid, "granted", decided_on=NOW.date(), now=NOW)
    assert leave_reads.get_request(engine, rid).status == "granted"


def test_request_needs_who_asked_and_sensible_dates(engine, pupil) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ServiceError, match="who asked"):
        leave_requests.submit_request(engine, OFFICE, req(pupil, D(2025, 12, 1), D(2025, 12, 2),
                                                          requested_by=" "), now=NOW)
    with pytest.raises(ServiceError, match="before the first day"):
        leave_requests.submit_request(engine, OFFICE, req(pupil, D(2025, 12, 2), D(2025, 12, 1)),
                                      now=NOW)
    with pytest.raises(ServiceError, match="ground"):
        leave_requests.submit_request(engine, OFFICE, req(pupil, D(2025, 12, 1), D(2025, 12, 2),
                                                          ground="H"), now=NOW)


def test_preview_fills_in_the_figures_and_earlier_requests(engine, pupil) -> None:  # type: ignore[no-untyped-def]
    days = [d for d in daterange(D(2025, 11, 3), D(2025, 11, 14)) if d.weekday() < 5]
    changes = [MarkChange(pupil, d, s, "/" if s == "AM" else "\\") for d in days
               for s in ("AM", "PM")]
    changes[0] = MarkChange(pupil, days[0], "AM", "I")
    changes[1] = MarkChange(pupil, days[0], "PM", "O")
    clock_at(engine, NOW)
    register_service.apply_changes(engine, OFFICE, changes, reason="test data")
    old = leave_requests.submit_request(engine, OFFICE, req(pupil, D(2025, 11, 24),
                                                            D(2025, 11, 24)), now=NOW)
    leave_decisions.decide(engine, HEAD, old, "refused", reasons="Not exceptional",
                           decided_on=NOW.date(), now=NOW)
    p = leave_requests.preview(engine, req(pupil, D(2025, 12, 1), D(2025, 12, 3),
                                           last_session="AM"), today=NOW.date())
    assert p.record.possible == 20
    assert p.record.attendance_pct() == pytest.approx(90.0)
    assert p.record.authorised_pct() == pytest.approx(5.0)
    assert p.record.unauthorised == 1
    assert p.sessions_asked == 5
    assert [e.status for e in p.earlier] == ["refused"]
    assert "Refused" in p.earlier[0].text
    by_key = {c.key: c.status for c in p.checks}
    assert by_key["unauthorised"] == "warn"
    assert by_key["authorised"] == "pass"
    assert by_key["notice"] == "pass"


def test_grant_fills_open_sessions_with_the_code_and_amends_existing_marks(engine, pupil) -> None:  # type: ignore[no-untyped-def]
    calendar_service.add_closure(engine, HEAD, D(2025, 11, 28), kind="inset",
                                 description="INSET")
    clock_at(engine, NOW)
    register_service.set_mark(engine, OFFICE, MarkChange(pupil, D(2025, 12, 1), "AM", "/"))
    rid = leave_requests.submit_request(engine, OFFICE, req(
        pupil, D(2025, 11, 27), D(2025, 12, 2), first_session="PM", last_session="AM"),
        now=NOW)
    assert leave_reads.get_request(engine, rid).sessions == 4
    done = leave_decisions.decide(engine, HEAD, rid, "granted", decided_on=NOW.date(), now=NOW,
                                  conditions="Return on Tuesday afternoon")
    assert done.written == 4
    for day, s in [(D(2025, 11, 27), "PM"), (D(2025, 12, 1), "AM"), (D(2025, 12, 1), "PM"),
                   (D(2025, 12, 2), "AM")]:
        c = cell(engine, pupil, day, s)
        assert (c.code, c.source) == ("C", "leave")
    assert cell(engine, pupil, D(2025, 11, 28), "AM").code == ""  # INSET: left alone
    assert cell(engine, pupil, D(2025, 11, 27), "AM").code == ""  # not asked for
    assert cell(engine, pupil, D(2025, 12, 2), "PM").code == ""
    history = mark_reads.cell_history(engine, pupil, D(2025, 12, 1), "AM")
    assert [(h.old_code, h.new_code, h.reason) for h in history] == [
        ("/", "C", f"Leave granted (request #{rid})")]
    # A real mark taken later replaces the leave mark, as an amendment.
    clock_at(engine, dt.datetime(2025, 12, 2, 9, 0))
    register_service.set_mark(engine, OFFICE, MarkChange(pupil, D(2025, 12, 2), "AM", "/"))
    assert cell(engine, pupil, D(2025, 12, 2), "AM").source == "register"
    assert mark_reads.cell_history(engine, pupil, D(2025, 12, 2), "AM")[-1].old_code \
        == "C"


def test_part_grant_then_a_correction_is_a_new_row(engine, pupil) -> None:  # type: ignore[no-untyped-def]
    rid = leave_requests.submit_request(engine, OFFICE, req(pupil, D(2025, 12, 1),
                                                            D(2025, 12, 5)), now=NOW)
    with pytest.raises(ServiceError, match="inside the dates"):
        leave_decisions.decide(engine, HEAD, rid, "part_granted", decided_on=NOW.date(), now=NOW,
                               granted_first=(D(2025, 11, 28), "AM"),
                               granted_last=(D(2025, 12, 2), "PM"))
    leave_decisions.decide(engine, HEAD, rid, "part_granted", decided_on=NOW.date(), now=NOW,
                           reasons="Two days are enough", granted_first=(D(2025, 12, 1), "PM"),
                           granted_last=(D(2025, 12, 3), "AM"))
    assert leave_reads.get_request(engine, rid).status == "part_granted"
    filled = [(d, s) for d in daterange(D(2025, 12, 1), D(2025, 12, 5)) for s in ("AM", "PM")
              if cell(engine, pupil, d, s).code == "C"]
    assert filled == [(D(2025, 12, 1), "PM"), (D(2025, 12, 2), "AM"), (D(2025, 12, 2), "PM"),
                      (D(2025, 12, 3), "AM")]
    fix = leave_decisions.decide(engine, HEAD, rid, "refused", decided_on=D(2025, 11, 21),
                                 now=NOW + dt.timedelta(days=1), reasons="Correction: trip")
    assert (fix.written, fix.removed) == (0, 4)
    rows = leave_reads.decisions(engine, rid)
    assert [d.outcome for d in rows] == ["part_granted", "refused"]
    assert rows[0].reasons == "Two days are enough"  # the first decision is untouched
    assert leave_reads.get_request(engine, rid).status == "refused"
    assert all(cell(engine, pupil, d, s).code == "" for d, s in filled)
    # Decisions are append-only in the database itself.
    with engine.begin() as conn, pytest.raises(DatabaseError):
        conn.execute(text("UPDATE leavedecision SET outcome = 'granted'"))


def test_refusal_needs_reasons(engine, pupil) -> None:  # type: ignore[no-untyped-def]
    rid = leave_requests.submit_request(engine, OFFICE, req(pupil, D(2025, 12, 1),
                                                            D(2025, 12, 2)), now=NOW)
    with pytest.raises(ServiceError, match="say why"):
        leave_decisions.decide(engine, HEAD, rid, "refused", decided_on=NOW.date(), now=NOW)


def test_withdrawal_removes_only_future_prefills_and_records_it(engine, pupil) -> None:  # type: ignore[no-untyped-def]
    rid = leave_requests.submit_request(engine, OFFICE, req(
        pupil, D(2025, 11, 19), D(2025, 11, 25), received_date=D(2025, 11, 1)), now=NOW)
    leave_decisions.decide(engine, HEAD, rid, "granted", decided_on=D(2025, 11, 3),
                           now=dt.datetime(2025, 11, 3, 12, 0))
    # Staff took a real mark for Monday 24 AM (e.g. the family came back early).
    clock_at(engine, NOW)
    register_service.set_mark(engine, OFFICE, MarkChange(pupil, D(2025, 11, 24), "AM", "/"))
    with pytest.raises(PermissionDenied):
        leave_decisions.withdraw(engine, TEACHER, rid, reason="Mother phoned", now=NOW)
    done = leave_decisions.withdraw(engine, OFFICE, rid, reason="Mother phoned: trip off",
                                    now=NOW)
    assert done.removed == 5  # Fri 21 (2), Mon 24 PM, Tue 25 (2)
    for d in (D(2025, 11, 19), D(2025, 11, 20)):
        assert cell(engine, pupil, d, "AM").code == "C"  # past and today stay
    assert cell(engine, pupil, D(2025, 11, 21), "AM").code == ""
    assert cell(engine, pupil, D(2025, 11, 25), "PM").code == ""
    assert cell(engine, pupil, D(2025, 11, 24), "AM").code == "/"  # real mark kept
    last = mark_reads.cell_history(engine, pupil, D(2025, 11, 21), "AM")[-1]
    assert (last.old_code, last.new_code) == ("C", "")
    assert "withdrawn" in last.reason
    assert leave_reads.get_request(engine, rid).status == "withdrawn"
    with pytest.raises(ServiceError, match="withdrawn"):
        leave_decisions.decide(engine, HEAD, rid, "granted", decided_on=NOW.date(), now=NOW)


def test_refused_and_taken_marks_g_and_stats_count_it(engine, pupil) -> None:  # type: ignore[no-untyped-def]
    rid = leave_requests.submit_request(engine, OFFICE, req(
        pupil, D(2025, 11, 10), D(2025, 11, 14), received_date=D(2025, 10, 1),
        reason="Family holiday"), now=NOW)
    with pytest.raises(ServiceError, match="not refused"):
        leave_decisions.mark_taken_unauthorised(engine, OFFICE, rid, now=NOW)
    leave_decisions.decide(engine, HEAD, rid, "refused", reasons="A holiday is not exceptional",
                           decided_on=D(2025, 10, 2), now=dt.datetime(2025, 10, 2, 9, 0))
    clock_at(engine, NOW)
    register_service.apply_changes(engine, OFFICE, [
        MarkChange(pupil, D(2025, 11, 10), "AM", "N"),
        MarkChange(pupil, D(2025, 11, 14), "PM", "\\"),  # came back for the afternoon
    ], reason="test data")
    done = leave_decisions.mark_taken_unauthorised(engine, OFFICE, rid, now=NOW)
    assert (done.written, done.skipped) == (9, 1)
    assert cell(engine, pupil, D(2025, 11, 14), "PM").code == "\\"
    h = mark_reads.cell_history(engine, pupil, D(2025, 11, 10), "AM")[-1]
    assert (h.old_code, h.new_code, h.reason) == ("N", "G",
                                                  f"Leave refused and taken (request #{rid})")
    counts = stats_service.totals(engine, D(2025, 9, 1), D(2025, 12, 31),
                                  stats_service.Scope(pupil_ids=(pupil,)))
    assert counts.by_code["G"] == 9
    assert counts.unauthorised == 9
    assert leave_reads.get_request(engine, rid).status == "taken_unauthorised"
    assert [r.id for r in leave_reads.list_requests(engine, today=NOW.date(),
                                                    status="refused")] == [rid]


def test_taken_anyway_marks_only_sessions_that_have_started(engine, pupil) -> None:  # type: ignore[no-untyped-def]
    rid = leave_requests.submit_request(engine, OFFICE, req(
        pupil, D(2025, 11, 19), D(2025, 11, 21), received_date=D(2025, 10, 1)), now=NOW)
    leave_decisions.decide(engine, HEAD, rid, "refused", reasons="Not exceptional",
                           decided_on=D(2025, 10, 2), now=dt.datetime(2025, 10, 2, 9, 0))
    done = leave_decisions.mark_taken_unauthorised(engine, OFFICE, rid, now=NOW)  # Thu 10:00
    assert done.written == 3  # Wed AM, PM and Thu AM; not Thu PM or Friday
    assert cell(engine, pupil, D(2025, 11, 20), "AM").code == "G"
    assert cell(engine, pupil, D(2025, 11, 20), "PM").code == ""
    # Running it again on Friday afternoon adds the rest (the action can be repeated).
    later = leave_decisions.mark_taken_unauthorised(engine, OFFICE, rid,
                                                    now=dt.datetime(2025, 11, 21, 14, 0))
    assert (later.written, later.skipped) == (3, 3)  # those already G are left alone
    assert len(leave_reads.decisions(engine, rid)) == 2  # refused, taken anyway (once)


def test_lists_filters_and_pupil_history(engine, pupil) -> None:  # type: ignore[no-untyped-def]
    other_class = class_service.save_class(engine, HEAD, "Ash")
    other = pupil_service.add_pupil(engine, OFFICE, PupilInput(
        legal_forename="Jo", legal_surname="Ash", dob=D(2017, 1, 9), year_group="3",
        admission_date=D(2022, 9, 5), class_id=other_class), NOW.date())
    pending = leave_requests.submit_request(engine, OFFICE, req(pupil, D(2026, 1, 12),
                                                                D(2026, 1, 13)), now=NOW)
    granted = leave_requests.submit_request(engine, OFFICE, req(pupil, D(2025, 12, 1),
                                                                D(2025, 12, 2)), now=NOW)
    past = leave_requests.submit_request(engine, OFFICE, req(other, D(2025, 11, 10),
                                                             D(2025, 11, 11)), now=NOW)
    leave_decisions.decide(engine, HEAD, granted, "granted", decided_on=NOW.date(), now=NOW)
    leave_decisions.decide(engine, HEAD, past, "granted", decided_on=NOW.date(), now=NOW)

    def ids(**kw: object) -> list[int]:
        return [r.id for r in leave_reads.list_requests(engine, today=NOW.date(), **kw)]

    assert ids() == [pending, granted, past]
    assert ids(status="pending") == [pending]
    assert ids(status="granted") == [granted, past]
    assert ids(status="upcoming") == [granted]
    assert ids(class_id=other_class) == [past]
    assert ids(start=D(2025, 11, 30), end=D(2025, 12, 31)) == [granted]
    history = leave_reads.leave_history(engine, pupil)
    assert [(h.id, h.status) for h in history] == [(pending, "pending"), (granted, "granted")]
    assert history[1].decided_by == HEAD.name
    assert history[1].sessions == 4


def test_assessment_dates_entered_in_settings_feed_the_check(engine, pupil) -> None:  # type: ignore[no-untyped-def]
    # The dates are edited in Settings > Calendar (school_service); the check reads them.
    pid = school_service.add_assessment_period(engine, HEAD, "Multiplication check",
                                               D(2025, 12, 1), D(2025, 12, 5), "4")
    p = leave_requests.preview(engine, req(pupil, D(2025, 12, 2), D(2025, 12, 2)),
                               today=NOW.date())
    check = {c.key: c for c in p.checks}["assessments"]
    assert check.status == "warn"
    assert "Multiplication check" in check.text
    school_service.remove_assessment_period(engine, HEAD, pid)
    p = leave_requests.preview(engine, req(pupil, D(2025, 12, 2), D(2025, 12, 2)),
                               today=NOW.date())
    assert {c.key: c.status for c in p.checks}["assessments"] == "info"


def test_letter_extra_has_dates_sessions_and_return_day(engine, pupil) -> None:  # type: ignore[no-untyped-def]
    rid = leave_requests.submit_request(engine, OFFICE, req(pupil, D(2025, 12, 1),
                                                            D(2025, 12, 5)), now=NOW)
    leave_decisions.decide(engine, HEAD, rid, "part_granted", decided_on=NOW.date(), now=NOW,
                           granted_first=(D(2025, 12, 1), "AM"),
                           granted_last=(D(2025, 12, 2), "PM"), conditions="Bring homework",
                           reasons="The last three days are the class's assessment week")
    extra = leave_reads.letter_extra(engine, rid)
    assert extra["sessions_granted"] == "4 school sessions (2 school days)"
    assert extra["return_date"] == "Wednesday 03 December 2025 (morning)"
    assert extra["leave_dates"] == (
        "Monday 01 December 2025 (morning) to Tuesday 02 December 2025 (afternoon);"
        " back in school on Wednesday 03 December 2025 (morning)")
    assert extra["conditions"] == "Bring homework"
    assert extra["decision"] == "Granted in part"


def test_refusal_letter_keeps_the_heads_reasons_after_taken_anyway(engine, pupil) -> None:  # type: ignore[no-untyped-def]
    rid = leave_requests.submit_request(engine, OFFICE, req(pupil, D(2025, 11, 17),
                                                            D(2025, 11, 18)), now=NOW)
    leave_decisions.decide(engine, HEAD, rid, "refused", reasons="Not exceptional",
                           decided_on=D(2025, 11, 4), now=dt.datetime(2025, 11, 4, 9, 0))
    leave_decisions.mark_taken_unauthorised(engine, OFFICE, rid, now=NOW)
    extra = leave_reads.letter_extra(engine, rid)
    assert extra["reasons"] == "Not exceptional"
    assert extra["leave_dates"].startswith("Monday 17 November 2025 (morning) to Tuesday")
    assert extra["sessions_granted"] == ""


def test_refused_leave_taken_reaches_the_penalty_notice_threshold(engine, pupil) -> None:  # type: ignore[no-untyped-def]
    from attendance_desktop.services.trackers import alerts_service

    rid = leave_requests.submit_request(engine, OFFICE, req(
        pupil, D(2025, 11, 10), D(2025, 11, 14), received_date=D(2025, 10, 1),
        reason="Holiday"), now=NOW)
    leave_decisions.decide(engine, HEAD, rid, "refused", reasons="Not exceptional",
                           decided_on=D(2025, 10, 2), now=dt.datetime(2025, 10, 2, 9, 0))
    before = alerts_service.snapshot(engine, NOW.date(), [pupil]).pupils[0]
    assert before.pn.sessions == 0
    leave_decisions.mark_taken_unauthorised(engine, OFFICE, rid, now=NOW)
    after = alerts_service.snapshot(engine, NOW.date(), [pupil]).pupils[0]
    assert after.pn.sessions == 10  # the policy's default threshold is 10 sessions
    assert after.penalty_threshold_met
