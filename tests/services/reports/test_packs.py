"""The termly packs on a school small enough to work out by hand.

Two pupils in class Oak, Year 3, in the autumn term of 2025/26 up to Fri 21 Nov 2025:
  Ann  3–7 Nov present (10), 10–21 Nov O every session (20)    10/30 = 33.3%, 10 unauth. days
  Ben  3–21 Nov present (30) but I on Mon 10 Nov (2)           28/30 = 93.3%
  School: 38/60 = 63.3%.
Last year, the same point (autumn 2024/25 to 21 Nov 2024): both present 4–8 Nov 2024,
40/40 = 100.0%. On 19 Nov 2025 Ben's 15-day illness notification goes in his chronology;
on 20 Nov the head records that the LA was told of Ann's unauthorised days, decides to
issue a penalty notice, and issues one to her mother on 21 Nov.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader
from sqlalchemy.engine import Engine

from attendance_desktop.domain.calendar import Span, default_term_dates
from attendance_desktop.domain.escalation import FLAG_LABELS
from attendance_desktop.domain.policy import PN_CONSIDERATIONS
from attendance_desktop.services.pdf.letterhead import Letterhead
from attendance_desktop.services.pupils import class_service, pupil_contacts, pupil_service
from attendance_desktop.services.pupils.pupil_contacts import ContactInput, LinkInput
from attendance_desktop.services.pupils.pupil_service import PupilInput
from attendance_desktop.services.reports import report_periods
from attendance_desktop.services.reports.packs import briefing, governors, la_return, pack_pdf
from attendance_desktop.services.school import calendar_service, school_service
from attendance_desktop.services.trackers import chronology_service, tracker_service
from tests.conftest import HEAD, clock_at, put_marks

D = dt.date
TODAY = D(2025, 11, 21)


def _days(first: dt.date, n: int) -> list[dt.date]:
    out, day = [], first
    while len(out) < n:
        if day.weekday() < 5:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def _run(gen):  # type: ignore[no-untyped-def]
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value


@pytest.fixture
def school(engine: Engine, school_year) -> dict[str, int]:  # type: ignore[no-untyped-def]
    calendar_service.create_academic_year(engine, HEAD, default_term_dates(2024))
    class_service.save_class(engine, HEAD, "Oak")
    oak = next(c.id for c in class_service.list_classes(engine) if c.name == "Oak")
    ids = {name: pupil_service.add_pupil(engine, HEAD, PupilInput(
        name, "Test", D(2017, 5, 1), "3", D(2024, 9, 1), class_id=oak))
        for name in ("Ann", "Ben")}
    cells = []
    for day in _days(D(2025, 11, 3), 15):
        for s in ("AM", "PM"):
            ann = "/" if day < D(2025, 11, 10) else "O"
            ben = "I" if day == D(2025, 11, 10) else "/"
            cells += [(ids["Ann"], day, s, ann), (ids["Ben"], day, s, ben)]
    for day in _days(D(2024, 11, 4), 5):
        for s in ("AM", "PM"):
            cells += [(ids["Ann"], day, s, "/"), (ids["Ben"], day, s, "/")]
    put_marks(engine, HEAD, cells)
    mother = pupil_contacts.add_contact(engine, HEAD, ids["Ann"], ContactInput(
        "Test", "Mary", "Mrs"), LinkInput("Mother"))
    when = dt.datetime(2025, 11, 20, 10, 0)
    clock_at(engine, when)
    tracker_service.acknowledge_flag(engine, HEAD, ids["Ann"], "termly_unauthorised",
                                     "LA informed by email", now=when)
    tracker_service.record_pn_decision(engine, HEAD, ids["Ann"],
                                       ["yes"] * len(PN_CONSIDERATIONS), "issue",
                                       "Support offered and refused", now=when)
    chronology_service.add_entry(engine, HEAD, ids["Ben"], "illness_15_day", D(2025, 11, 19),
                                 with_whom="LA attendance team", outcome="acknowledged",
                                 details="hospital stay expected")
    clock_at(engine, dt.datetime(2025, 11, 21, 16, 0))
    tracker_service.issue_notice(engine, HEAD, ids["Ann"], mother, D(2025, 11, 21))
    return ids


def _term(engine: Engine) -> report_periods.ReportPeriod:
    return next(p for p in report_periods.period_options(engine, TODAY) if p.kind == "term")


def _text(pdf: bytes) -> str:
    """The PDF's words with any line breaks as single spaces (wrapping varies by font)."""
    return " ".join(" ".join(page.extract_text().split())
                    for page in PdfReader(io.BytesIO(pdf)).pages)


def _head(engine: Engine) -> Letterhead:
    return Letterhead.from_details(school_service.get_school(engine).details)


def test_the_la_return_lists_the_term_worked_out_by_hand(engine: Engine, school) -> None:  # type: ignore[no-untyped-def]
    term = _term(engine)
    r = la_return.build_la_return(engine, Span(term.label, term.start, term.end))
    assert [(u.name, u.unauthorised_days, u.attendance_pct) for u in r.unauthorised] == [
        ("Ann Test", 10.0, 33.3)]
    assert [(e.on, e.name, e.what, e.details) for e in r.notifications] == [
        (D(2025, 11, 19), "Ben Test", "15-day illness notification to the LA",
         "with LA attendance team; acknowledged; hospital stay expected"),
        (D(2025, 11, 20), "Ann Test", FLAG_LABELS["termly_unauthorised"],
         "LA informed by email")]
    assert [(e.on, e.what) for e in r.considered] == [(D(2025, 11, 20),
                                                      "Issue a penalty notice")]
    notice = tracker_service.notices_for(engine, school["Ann"])[0]
    assert [(n.issued_on, n.parent, n.amount) for n in r.issued] == [
        (D(2025, 11, 21), "Mrs Mary Test", notice.amount)]
    csv_text = la_return.la_return_csv(r)
    assert "Ann Test,01/05/2017,3,Oak,10,33.3" in csv_text
    text = _text(pack_pdf.render_la_return(r, _head(engine)))
    for expected in ("Termly attendance return", "Ann Test", "Mrs Mary Test",
                     "LA informed by email", "10 or more school days"):
        assert expected in text


def test_a_pupil_just_under_the_threshold_is_not_on_the_return(engine: Engine, school) -> None:  # type: ignore[no-untyped-def]
    term = _term(engine)
    # Ann's first unauthorised session made present again: 19 sessions = 9.5 days
    put_marks(engine, HEAD, [(school["Ann"], D(2025, 11, 10), "AM", "/")])
    r = la_return.build_la_return(engine, Span(term.label, term.start, term.end))
    assert r.unauthorised == ()


def test_the_governors_pack_sets_this_term_beside_last_year(engine: Engine, school) -> None:  # type: ignore[no-untyped-def]
    pack = _run(governors.build_governors_pack(engine, _term(engine), today=TODAY))
    assert pack.report.school.attendance() == pytest.approx(38 / 60 * 100)
    assert pack.last_year is not None
    assert pack.last_year.end == D(2024, 9, 3) + (TODAY - D(2025, 9, 3))
    assert pack.last_year_school.attendance() == 100.0
    assert [(y.name, round(y.school.attendance(), 1)) for y in pack.years] == [
        ("2024/25", 100.0), ("2025/26", 63.3)]
    assert (pack.actions.pn_considered, pack.actions.pn_issued,
            pack.actions.la_notifications) == (1, 1, 2)
    text = _text(pack_pdf.render_governors_pack(pack, _head(engine)))
    for expected in ("The same point last year", "63.3%", "100.0%", "−36.7 pts",
                     "Over the years", "Penalty notices issued"):
        assert expected in text
    assert "Ann Test" not in text  # governors see initials only
    csv_text = governors.governors_csv(pack)
    assert "Attendance %,63.3,100.0" in csv_text
    assert "Penalty notices issued,1" in csv_text
    assert "Ann" not in csv_text


def test_the_staff_briefing_says_who_needs_attention_and_why(engine: Engine, school) -> None:  # type: ignore[no-untyped-def]
    b = _run(briefing.build_briefing(engine, _term(engine), today=TODAY))
    oak = next(c for c in b.classes if c.figures.label == "Oak")
    ann = next(a for a in oak.attention if a.name == "Ann Test")
    assert "severe absence (half or more missed)" in ann.reasons
    assert "Oak,Ann Test,33.3,severe absence (half or more missed)" in briefing.briefing_csv(b)
    text = _text(pack_pdf.render_briefing(b, _head(engine)))
    assert "Ann Test" in text
    assert "severe absence" in text
