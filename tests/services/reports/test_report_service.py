"""Reports on a hand-made school of four pupils, figures worked out by hand.

Week of Mon 10 – Fri 14 Nov 2025 (Autumn 2), 10 sessions each:
  Ann  Oak   Y3 girl, FSM        all present                      10/10
  Ben  Oak   Y3 boy, SEN support I on Monday AM and PM              8/10  PA
  Cat  Ash   Y4 girl, looked after O every morning                  5/10  PA, SA
  Dan  Acorn R  boy, under 5     L Tue AM (10 min), G Wed PM        9/10  PA (exactly 10%)
Whole school: 40 possible, 32 attended = 80.0%; authorised 2 (5.0%), unauthorised 6 (15.0%).
Week of 6–10 Oct (Autumn 1): everyone present but Ann, ill on Monday: 38/40 = 95.0%.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from pypdf import PdfReader
from sqlalchemy.engine import Engine

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Mark, Pupil, SchoolClass
from attendance_desktop.domain.progress import Cancelled, CancelToken
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.pdf.letterhead import Letterhead
from attendance_desktop.services.reports import (
    report_periods,
    report_service,
    report_tables,
    stats_service,
)
from attendance_desktop.services.reports.report_pdf import render_report_pdf
from attendance_desktop.services.reports.report_periods import ReportPeriod
from attendance_desktop.services.reports.report_service import Report
from attendance_desktop.services.reports.stats_service import Scope
from attendance_desktop.services.school import policy_service
from tests.conftest import HEAD

D = dt.date
TODAY = D(2025, 11, 14)
WEEK = [D(2025, 11, 10) + dt.timedelta(days=i) for i in range(5)]
OCT_WEEK = [D(2025, 10, 6) + dt.timedelta(days=i) for i in range(5)]


def _pupil(s, name: str, cls: str, year: str, sex: str, dob: dt.date, **flags) -> int:  # type: ignore[no-untyped-def]
    found = s.exec(SchoolClass.__table__.select().where(  # type: ignore[attr-defined]
        SchoolClass.__table__.c.name == cls)).first()  # type: ignore[attr-defined]
    if found is None:
        order = {"Acorn": 0, "Oak": 1, "Ash": 2}[cls]
        c = SchoolClass(name=cls, sort_order=order)
        s.add(c)
        s.flush()
        class_id = c.id
    else:
        class_id = found.id
    p = Pupil(legal_forename=name, legal_surname="Test", dob=dob, year_group=year,
              class_id=class_id, sex=sex, admission_date=D(2025, 9, 3), **flags)
    s.add(p)
    s.flush()
    return int(p.id)  # type: ignore[arg-type]


def _week(s, pid: int, days: list[dt.date], odd: dict[tuple[int, str], str]) -> None:  # type: ignore[no-untyped-def]
    for i, day in enumerate(days):
        for sess in ("AM", "PM"):
            code = odd.get((i, sess), "/" if sess == "AM" else "\\")
            s.add(Mark(pupil_id=pid, date=day, session=sess, code=code,
                       minutes_late=10 if code == "L" else None, source="demo"))


@pytest.fixture
def school(engine: Engine, school_year) -> Engine:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        ann = _pupil(s, "Ann", "Oak", "3", "F", D(2017, 5, 1), fsm=True)
        ben = _pupil(s, "Ben", "Oak", "3", "M", D(2017, 6, 1), sen="K")
        cat = _pupil(s, "Cat", "Ash", "4", "F", D(2016, 7, 1), looked_after=True)
        dan = _pupil(s, "Dan", "Acorn", "R", "M", D(2021, 1, 10))  # compulsory from 31/3/26
        _week(s, ann, WEEK, {})
        _week(s, ben, WEEK, {(0, "AM"): "I", (0, "PM"): "I"})
        _week(s, cat, WEEK, {(i, "AM"): "O" for i in range(5)})
        _week(s, dan, WEEK, {(1, "AM"): "L", (2, "PM"): "G"})
        _week(s, ann, OCT_WEEK, {(0, "AM"): "I", (0, "PM"): "I"})
        for pid in (ben, cat, dan):
            _week(s, pid, OCT_WEEK, {})
    policy = policy_service.load_policy(engine)
    policy_service.save_policy(engine, HEAD, policy.replace(la_benchmark_pct=95.5,
                                                            national_benchmark_pct=None))
    return engine


def this_half_term(engine: Engine) -> ReportPeriod:
    return report_periods.period_options(engine, TODAY)[0]


def report(engine: Engine, **kw) -> Report:  # type: ignore[no-untyped-def]
    return report_service.make_report(engine, this_half_term(engine), today=TODAY, **kw)


def test_periods_offered_run_to_today_then_earlier_ones(school: Engine) -> None:
    options = report_periods.period_options(school, TODAY)
    kinds = [(p.kind, p.start, p.end) for p in options[:3]]
    assert kinds == [("half_term", D(2025, 11, 3), TODAY), ("term", D(2025, 9, 3), TODAY),
                     ("year", D(2025, 9, 3), TODAY)]
    assert options[3].label.startswith("Autumn 1 2025/26")
    assert (options[3].start, options[3].end) == (D(2025, 9, 3), D(2025, 10, 24))
    with pytest.raises(ServiceError, match=r"ends .* before it starts"):
        report_periods.custom_period(D(2025, 11, 14), D(2025, 11, 10))


def test_whole_school_figures(school: Engine) -> None:
    r = report(school)
    s = r.school
    assert (s.pupils, s.possible, s.counts.attended) == (4, 40, 32)
    assert report_tables.pct(s.attendance()) == "80.0%"
    assert report_tables.pct(s.authorised()) == "5.0%"
    assert report_tables.pct(s.unauthorised()) == "15.0%"
    assert (s.pa, report_tables.pct(s.pa_pct())) == (3, "75.0%")
    assert (s.sa, report_tables.pct(s.sa_pct())) == (1, "25.0%")
    assert (s.counts.late_l, s.counts.late_u, s.counts.minutes_late) == (1, 0, 10)


def test_class_year_and_group_breakdowns(school: Engine) -> None:
    r = report(school)
    classes = {c.label: (c.possible, c.attendance(), c.pa, c.sa) for c in r.classes}
    assert classes == {"Acorn": (10, 90.0, 1, 0), "Oak": (20, 90.0, 1, 0),
                       "Ash": (10, 50.0, 1, 1)}
    assert [c.label for c in r.classes] == ["Acorn", "Oak", "Ash"]  # the school's class order
    assert [(y.label, y.attendance()) for y in r.year_groups] == [
        ("Reception", 90.0), ("Year 3", 90.0), ("Year 4", 50.0)]
    groups = {g.label: g for g in r.groups}
    assert groups["Free school meals"].attendance() == 100.0
    assert groups["Girls"].attendance() == 75.0  # Ann 10 + Cat 5 of 20
    assert groups["Boys"].attendance() == 85.0  # Ben 8 + Dan 9 of 20
    assert groups["Looked after"].sa == 1
    assert groups["EHC plan"].pupils == 0
    assert groups["EHC plan"].attendance() is None
    rows = {row[0]: row for row in report_tables.tables(r)["pupil_groups"][1]}
    assert rows["Free school meals"][4] == "+20.0 pts"
    assert rows["SEN support"][4] == "0.0 pts"
    assert rows["Looked after"][4] == "−30.0 pts"
    assert rows["EHC plan"][3] == "–"


def test_codes_and_weekday_pattern(school: Engine) -> None:
    r = report(school)
    codes = {c.code: (c.sessions, c.meaning) for c in r.codes}
    assert (codes["O"][0], codes["I"][0], codes["G"][0]) == (5, 2, 1)
    assert codes["L"] == (1, "Late: arrived after the register started but before it closed")
    days = {(w.day, w.session): (w.possible, w.absent, w.unauthorised) for w in r.weekdays}
    assert days[("Monday", "AM")] == (4, 2, 1)  # Ben ill, Cat unexplained
    assert days[("Monday", "PM")] == (4, 1, 0)
    assert days[("Tuesday", "AM")] == (4, 1, 1)  # Dan's L counts as present
    assert days[("Wednesday", "PM")] == (4, 1, 1)
    assert days[("Thursday", "PM")] == (4, 0, 0)
    assert days[("Friday", "AM")] == (4, 1, 1)


def test_pa_and_sa_lists_worst_first(school: Engine) -> None:
    r = report(school)
    assert [(p.name, p.class_name, p.missed, round(p.attendance_pct or 0, 1))
            for p in r.persistent] == [("Cat Test", "Ash", 5, 50.0), ("Ben Test", "Oak", 2, 80.0),
                                       ("Dan Test", "Acorn", 1, 90.0)]
    assert [p.name for p in r.severe] == ["Cat Test"]
    anon = report_tables.tables(r, anonymise=True)["persistent_absence"][1]
    assert [row[0] for row in anon] == ["C.T.", "B.T.", "D.T."]


def test_previous_period_and_benchmarks(school: Engine) -> None:
    r = report(school)
    assert r.previous is not None
    assert (r.previous.start, r.previous.end) == (D(2025, 9, 3), D(2025, 10, 24))
    attendance = r.comparisons[0]
    assert (attendance.now, attendance.then) == (80.0, 95.0)
    assert report_tables.points(attendance.change()) == "−15.0 pts"
    bench = report_tables.tables(r)["benchmarks"][1]
    assert bench[0] == ["School target", "96.0%", "80.0%", "−16.0 pts"]
    assert bench[1] == ["Local authority", "95.5%", "80.0%", "−15.5 pts"]
    assert bench[2] == ["National", "not entered", "80.0%", "–"]


def test_year_to_date_has_no_previous_year_to_compare(school: Engine) -> None:
    year = report_periods.period_options(school, TODAY)[2]
    r = report_service.make_report(school, year, today=TODAY)
    assert r.previous is None
    assert r.previous_school is None
    assert r.comparisons[0].then is None


def test_compulsory_age_filter_leaves_out_the_reception_child(school: Engine) -> None:
    r = report(school, compulsory_only=True)
    assert (r.school.pupils, r.school.possible, r.school.counts.attended) == (3, 30, 23)
    assert report_tables.pct(r.school.attendance()) == "76.7%"
    assert [c.label for c in r.classes] == ["Oak", "Ash"]
    assert [p.name for p in r.persistent] == ["Cat Test", "Ben Test"]


def test_csv_of_a_table(school: Engine) -> None:
    r = report(school)
    rows = list(csv.reader(io.StringIO(report_tables.table_csv(r, "classes"))))
    assert rows[0][0].startswith("By class: This half term")
    assert rows[1][:4] == ["Class", "Pupils", "Possible sessions", "Attendance"]
    assert rows[3][:4] == ["Oak", "2", "20", "90.0%"]
    names = list(csv.reader(io.StringIO(
        report_tables.table_csv(r, "persistent_absence", anonymise=True))))
    assert [row[0] for row in names[2:]] == ["C.T.", "B.T.", "D.T."]


def test_cancel_stops_the_build(school: Engine) -> None:
    token = CancelToken()
    gen = report_service.build_report(school, this_half_term(school), token=token)
    next(gen)
    token.cancel()
    with pytest.raises(Cancelled):
        next(gen)


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_governors_pdf_has_figures_and_no_names_when_anonymised(school: Engine) -> None:
    r = report(school)
    head = Letterhead("Example Primary School", "1 Test Road", "EX1 1AA")
    text = _pdf_text(render_report_pdf(r, head))
    assert "Attendance report: This half term" in text
    for figure in ("80.0%", "−15.0 pts", "not entered", "Looked after", "C.T."):
        assert figure in text
    assert "Persistent absence: 3 pupils" in text
    for name in ("Ann Test", "Ben Test", "Cat Test", "Dan Test"):
        assert name not in text
    named = _pdf_text(render_report_pdf(r, head, anonymise=False))
    assert "Cat Test" in named
    assert "C.T." not in named


def test_custom_dates_compare_with_as_many_school_days_before(school: Engine) -> None:
    # Mon 10 – Fri 14 Nov: five school days, so the five before are Mon 3 – Fri 7 Nov
    period = report_periods.custom_period(D(2025, 11, 10), D(2025, 11, 14))
    before = report_periods.previous_period(school, period)
    assert before is not None
    assert (before.start, before.end) == (D(2025, 11, 3), D(2025, 11, 7))
    # Mon 3 Nov, the first day after half term: the day before is Fri 24 Oct
    first = report_periods.custom_period(D(2025, 11, 3), D(2025, 11, 3))
    assert report_periods.previous_period(school, first).start == D(2025, 10, 24)  # type: ignore[union-attr]


@pytest.mark.parametrize("compulsory", [False, True])
def test_group_rows_agree_with_stats_service_group_scopes(school: Engine,
                                                          compulsory: bool) -> None:
    r = report(school, compulsory_only=compulsory)
    period = this_half_term(school)
    for key, row in zip(report_service.REPORT_GROUPS, r.groups, strict=True):
        direct = stats_service.totals(school, period.start, period.end,
                                      Scope(group=key, compulsory_only=compulsory))
        assert (row.possible, row.counts.attended, row.counts.unauthorised) == (
            direct.possible, direct.attended, direct.unauthorised), key
