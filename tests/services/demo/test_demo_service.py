"""The demo school: refusals, determinism, and a register that looks like a real school's."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine, Row

from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    AcademicYear,
    CallLog,
    Closure,
    Contact,
    LeaveDecision,
    LeaveRequest,
    Mark,
    MarkAmendment,
    Pupil,
    PupilContact,
    School,
    SchoolClass,
    Staff,
)
from attendance_desktop.domain import upn
from attendance_desktop.domain.calendar import academic_year_start, compulsory_school_age_start
from attendance_desktop.domain.policy import Policy
from attendance_desktop.domain.progress import Cancelled, Progress
from attendance_desktop.domain.roles import Role
from attendance_desktop.services.database import open_database
from attendance_desktop.services.demo import demo_service
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.reports import stats_service
from attendance_desktop.services.school import auth_service, calendar_service

TODAY = dt.date(2025, 11, 20)  # a Thursday in the autumn term
YEAR_START = dt.date(2025, 9, 3)
DUMPED = (School, Staff, SchoolClass, Pupil, Contact, PupilContact, Mark, MarkAmendment,
          CallLog, LeaveRequest, LeaveDecision, Closure, AcademicYear)


@pytest.fixture(scope="module")
def new_engine(_template_database: Path) -> Callable[[Path], Engine]:
    """`new_engine(folder)`: a new database in `folder`, copied from the run's template (as
    the `engine` fixture makes one) instead of migrated again: these tests are about the
    demo, not the migrations."""
    def make(folder: Path) -> Engine:
        paths = resolve_paths(folder, environ={})
        assert paths.sqlite_file is not None
        paths.sqlite_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.copyfile(_template_database, paths.sqlite_file)
        return open_database(paths)
    return make


def _dump(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the demo's tables (PIN hashes are salted, so they are left out)."""
    out = {}
    with engine.connect() as conn:
        for model in DUMPED:
            table = model.__table__  # type: ignore[attr-defined]
            cols = [c for c in table.c if c.name != "pin_hash"]
            out[table.name] = [tuple(r) for r in conn.execute(
                select(*cols).order_by(*table.primary_key.columns))]
    return out


def _rows(engine: Engine, model: type) -> list[Row[Any]]:
    """Every row of `model`'s table, as plain rows with the model's attribute names (the
    models have no computed attributes): a fifth of the time of loading ORM objects, which
    counts with a year of marks."""
    with engine.connect() as conn:
        return list(conn.execute(select(model.__table__)))  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, new_engine: Callable[[Path], Engine]
          ) -> Iterator[tuple[Engine, demo_service.DemoSummary]]:
    engine = new_engine(tmp_path_factory.mktemp("small"))
    summary = demo_service.create_demo(engine, seed=11, pupils=35, today=TODAY)
    yield engine, summary
    engine.dispose()


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory, new_engine: Callable[[Path], Engine]
         ) -> Iterator[Engine]:
    engine = new_engine(tmp_path_factory.mktemp("full"))
    demo_service.create_demo(engine, today=TODAY)
    yield engine
    engine.dispose()


# --- refusals and determinism -------------------------------------------------------


def test_same_seed_and_day_give_the_same_database(
        tmp_path: Path, new_engine: Callable[[Path], Engine]) -> None:
    dumps = []
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        engine = new_engine(tmp_path / name)
        demo_service.create_demo(engine, seed=seed, pupils=21, today=TODAY)
        dumps.append(_dump(engine))
        engine.dispose()
    assert dumps[0] == dumps[1]
    assert dumps[0]["mark"]
    assert dumps[0]["pupil"] != dumps[2]["pupil"]
    assert dumps[0]["mark"] != dumps[2]["mark"]


def test_refuses_a_database_with_a_real_pupil_and_changes_nothing(engine: Engine) -> None:
    with session_scope(engine) as s:
        s.add(Pupil(legal_forename="Real", legal_surname="Child", dob=dt.date(2018, 5, 1),
                    year_group="2", admission_date=dt.date(2022, 9, 5)))
    before = _dump(engine)
    with pytest.raises(ServiceError, match="real pupils"):
        demo_service.create_demo(engine, pupils=14, today=TODAY)
    assert _dump(engine) == before


def test_refuses_a_school_that_has_been_set_up(engine: Engine) -> None:
    with session_scope(engine) as s:
        school = s.scalars(select(School)).one()
        school.name = "St Example's"
        school.set_up_complete = True
    before = _dump(engine)
    with pytest.raises(ServiceError, match="has been set up"):
        demo_service.create_demo(engine, pupils=14, today=TODAY)
    assert _dump(engine) == before


def test_refuses_to_run_twice(small: tuple[Engine, demo_service.DemoSummary]) -> None:
    engine, _ = small
    marks = len(_rows(engine, Mark))
    with pytest.raises(ServiceError, match="already holds the demo school"):
        demo_service.create_demo(engine, pupils=14, today=TODAY)
    assert len(_rows(engine, Mark)) == marks


def test_refuses_nonsense_sizes(engine: Engine) -> None:
    with pytest.raises(ServiceError, match="between 7 and"):
        demo_service.create_demo(engine, pupils=3, today=TODAY)
    with pytest.raises(ServiceError, match="1 to"):
        demo_service.create_demo(engine, years=0, today=TODAY)


def test_summary_and_progress(tmp_path: Path, new_engine: Callable[[Path], Engine]) -> None:
    engine = new_engine(tmp_path / "p")
    seen: list[Progress] = []
    summary = demo_service.create_demo(engine, pupils=14, today=TODAY, progress=seen.append)
    engine.dispose()
    assert seen[0].done == 0
    assert [p.done for p in seen] == sorted(p.done for p in seen)
    assert seen[-1].label == "Saving the demo school"
    assert seen[-1].done == seen[-1].total - 1
    text = str(summary)
    assert text.startswith("Demo school created: 1")
    assert "7 classes, 2025/26" in text
    assert f"{summary.marks:,} marks (seed 2026)" in text
    assert "1234" in text
    assert summary.last_marked == TODAY


@pytest.mark.parametrize("stop_at", ["Planning the register", "Saving the demo school"])
def test_cancel_leaves_the_database_untouched(engine: Engine, stop_at: str) -> None:
    before = _dump(engine)

    def report(p: Progress) -> None:
        if p.label.startswith(stop_at):
            raise Cancelled()

    with pytest.raises(Cancelled):
        demo_service.create_demo(engine, pupils=14, today=TODAY, years=2, progress=report)
    assert _dump(engine) == before
    demo_service.create_demo(engine, pupils=14, today=TODAY)  # and it can still be made


# --- the school, staff and pupils ---------------------------------------------------


def test_school_is_marked_as_demo_and_set_up(small: tuple[Engine, object]) -> None:
    engine, _ = small
    school = _rows(engine, School)[0]
    assert school.is_demo
    assert school.set_up_complete
    assert school.local_authority == "Example County Council"
    assert len(school.urn) == 6
    assert school.urn.isdigit()
    assert all(p.is_demo for p in _rows(engine, Pupil))


@pytest.mark.parametrize(("role", "pin"), [(r, p) for r, p in demo_service.DEMO_PINS.items()])
def test_staff_sign_in_with_the_documented_pins(small: tuple[Engine, object], role: Role,
                                                 pin: str) -> None:
    engine, _ = small
    staff = [s for s in _rows(engine, Staff) if s.role == role.value]
    assert staff
    actor = auth_service.sign_in(engine, staff[0].id, pin)
    assert actor.role is role
    if role is Role.TEACHER:
        assert len(actor.class_ids) == 1


def test_seven_classes_each_with_a_teacher(small: tuple[Engine, object]) -> None:
    engine, _ = small
    classes = sorted(_rows(engine, SchoolClass), key=lambda c: c.sort_order)
    assert len(classes) == 7
    assert classes[0].name.startswith("Reception")
    assert classes[6].name.startswith("Year 6")
    staff = {s.id: s for s in _rows(engine, Staff)}
    assert all(staff[c.teacher_id].role == "teacher" for c in classes)
    sizes = Counter(p.class_id for p in _rows(engine, Pupil))
    assert sorted(sizes.values()) == [5] * 7


def test_ages_match_year_groups_and_upns_are_valid(full: Engine) -> None:
    pupils = _rows(full, Pupil)
    assert len(pupils) == 210
    for p in pupils:
        group = 0 if p.year_group == "R" else int(p.year_group)
        sept_first = dt.date(2025, 9, 1)
        age = sept_first.year - p.dob.year - ((sept_first.month, sept_first.day)
                                              < (p.dob.month, p.dob.day))
        assert age == 4 + group, p
        assert upn.is_valid(p.upn), p.upn
    assert len({p.upn for p in pupils}) == 210
    reception = [p for p in pupils if p.year_group == "R"]
    assert any(compulsory_school_age_start(p.dob) > TODAY for p in reception)


def test_group_flags_at_realistic_rates(full: Engine) -> None:
    pupils = _rows(full, Pupil)
    n = len(pupils)
    assert 0.07 * n <= sum(p.sen == "K" for p in pupils) <= 0.2 * n
    assert 1 <= sum(p.sen == "E" for p in pupils) <= 0.05 * n
    assert 0.14 * n <= sum(p.fsm for p in pupils) <= 0.3 * n
    assert all(p.pupil_premium for p in pupils if p.fsm or p.looked_after)
    assert 0.06 * n <= sum(p.eal for p in pupils) <= 0.2 * n
    assert 1 <= sum(p.looked_after for p in pupils) <= 2
    assert 2 <= sum(p.child_in_need for p in pupils) <= 3
    assert 1 <= sum(p.young_carer for p in pupils) <= 2
    assert 3 <= sum(bool(p.preferred_forename) for p in pupils) <= 0.2 * n


def test_siblings_share_contacts_and_contact_details_are_fictional(full: Engine) -> None:
    links = _rows(full, PupilContact)
    pupils_of: dict[int, set[int]] = defaultdict(set)
    for link in links:
        pupils_of[link.contact_id].add(link.pupil_id)
    assert any(len(v) >= 2 for v in pupils_of.values())
    assert any(len(v) == 3 for v in pupils_of.values())
    emergency = Counter(link.pupil_id for link in links if link.emergency_contact)
    assert 1 <= sum(1 for n in emergency.values() if n == 1) <= 10
    assert all(n <= 3 for n in emergency.values())
    assert {link.priority for link in links} <= {1, 2, 3}
    for c in _rows(full, Contact):
        for phone in (c.phone_mobile, c.phone_home, c.phone_work):
            assert phone == "" or phone.startswith(("07700 900", "01632 960")), phone
        assert c.email == "" or c.email.endswith("@example.com")
        assert c.surname


# --- the register -------------------------------------------------------------------


def _expected_sessions(engine: Engine) -> tuple[set[tuple[int, dt.date, str]],
                                                set[tuple[int, dt.date, str]]]:
    """(open sessions, closure sessions) for every pupil on roll, up to today's AM."""
    cal = calendar_service.load_calendar(engine)
    start = calendar_service.list_years(engine)[0].start
    sessions = [s for s in cal.sessions(start, TODAY) if s != (TODAY, "PM")]
    closed = [(d, s) for d, ss in cal.closures.items() for s in ss
              if start <= d <= TODAY and d.weekday() < 5 and cal.in_term(d)]
    open_, shut = set(), set()
    for p in _rows(engine, Pupil):
        def on_roll(d: dt.date, p: Pupil = p) -> bool:
            return p.admission_date <= d and (p.leaving_date is None or d <= p.leaving_date)
        open_ |= {(p.id, d, s) for d, s in sessions if on_roll(d)}
        shut |= {(p.id, d, s) for d, s in closed if on_roll(d)}
    return open_, shut


def test_every_open_session_of_every_pupil_on_roll_has_one_mark(
        small: tuple[Engine, object]) -> None:
    engine, _ = small
    marks = _rows(engine, Mark)
    open_, shut = _expected_sessions(engine)
    got_open = {(m.pupil_id, m.date, m.session) for m in marks if m.code != "#"}
    got_shut = {(m.pupil_id, m.date, m.session) for m in marks if m.code == "#"}
    assert got_open == open_
    assert got_shut == shut
    assert len(marks) == len(open_) + len(shut)
    assert shut  # the INSET days of 3 September and 3 November
    assert all(m.source == "closure" for m in marks if m.code == "#")
    assert not [m for m in marks if m.date == TODAY and m.session == "PM"]


def test_keeps_term_dates_entered_before_the_demo(engine: Engine, school_year: object) -> None:
    """A school that typed its term dates but set nothing else up can still try the demo."""
    demo_service.create_demo(engine, pupils=14, today=TODAY)
    assert [y.name for y in calendar_service.list_years(engine)] == ["2025/26"]
    closures = calendar_service.list_closures(engine, dt.date(2025, 9, 1),
                                              dt.date(2026, 7, 31))
    assert dt.date(2025, 9, 1) in {c.date for c in closures}  # the school's own INSET day
    assert sum(c.kind == "inset" for c in closures) == 6
    open_, shut = _expected_sessions(engine)
    marks = _rows(engine, Mark)
    assert {(m.pupil_id, m.date, m.session) for m in marks if m.code != "#"} == open_
    assert {(m.pupil_id, m.date, m.session) for m in marks if m.code == "#"} == shut


def test_joiners_and_leaver(small: tuple[Engine, object]) -> None:
    engine, _ = small
    pupils = _rows(engine, Pupil)
    joiners = [p for p in pupils if YEAR_START < p.admission_date <= TODAY]
    assert len(joiners) == 2
    assert all(p.admission_date.month in (9, 10, 11, 12) for p in joiners)
    leavers = [p for p in pupils if p.leaving_date is not None]
    assert len(leavers) == 1
    assert leavers[0].leaving_reason
    assert YEAR_START < leavers[0].leaving_date < TODAY
    first = {j.id: min(m.date for m in _rows(engine, Mark) if m.pupil_id == j.id)
             for j in joiners}
    assert all(first[j.id] >= j.admission_date for j in joiners)


def test_attendance_looks_like_a_real_school(full: Engine) -> None:
    pupils = stats_service.per_pupil(full, YEAR_START, TODAY)
    pct = [p.counts.attendance_pct() for p in pupils]
    assert sum(x >= 95 for x in pct) >= 0.65 * len(pct)
    persistent = [p for p in pupils if p.counts.persistent()]
    assert 0.05 * len(pupils) <= len(persistent) <= 0.14 * len(pupils)
    severe = [p for p in pupils if p.counts.severe()]
    assert len(severe) == 1
    assert 40 <= severe[0].counts.attendance_pct() <= 50
    school = stats_service.totals(full, YEAR_START, TODAY)
    assert 94 <= school.attendance_pct() <= 97.5


def test_illness_clusters_in_winter(tmp_path: Path, new_engine: Callable[[Path], Engine]) -> None:
    engine = new_engine(tmp_path / "w")
    demo_service.create_demo(engine, pupils=70, today=dt.date(2026, 7, 10))
    by_month = Counter(m.date.month for m in _rows(engine, Mark) if m.code == "I")
    sessions = Counter(m.date.month for m in _rows(engine, Mark) if m.code != "#")
    engine.dispose()
    winter = sum(by_month[m] for m in (12, 1, 2)) / sum(sessions[m] for m in (12, 1, 2))
    summer = sum(by_month[m] for m in (6, 7, 9)) / sum(sessions[m] for m in (6, 7, 9))
    assert winter > 1.5 * summer


def test_lateness_with_minutes(full: Engine) -> None:
    policy = Policy()
    open_minutes = policy.am.open_minutes()
    marks = _rows(full, Mark)
    late = [m for m in marks if m.code == "L"]
    after = [m for m in marks if m.code == "U"]
    assert late
    assert after
    assert all(1 <= m.minutes_late <= open_minutes for m in late)
    assert all(open_minutes < m.minutes_late <= 60 for m in after)
    assert all(m.session == "AM" for m in late + after)
    # Lateness comes in pockets: a few pupils account for much of it.
    per_pupil = Counter(m.pupil_id for m in late + after)
    assert sum(n for _, n in per_pupil.most_common(6)) >= 0.3 * len(late + after)


def test_holiday_without_leave_is_a_run_of_school_days(small: tuple[Engine, object]) -> None:
    engine, _ = small
    g = defaultdict(list)
    for m in _rows(engine, Mark):
        if m.code == "G":
            g[m.pupil_id].append(m.date)
    assert len(g) == 2
    cal = calendar_service.load_calendar(engine)
    for days in g.values():
        dates = sorted(set(days))
        assert len(days) == 2 * len(dates)
        assert len(dates) >= 5
        assert cal.school_days(dates[0], dates[-1]) == dates
    refused = [r for r in _rows(engine, LeaveRequest) if r.status == "refused"]
    assert {r.pupil_id for r in refused} == set(g)


def test_leave_visit_and_appointments(small: tuple[Engine, object]) -> None:
    engine, _ = small
    marks = _rows(engine, Mark)
    c = [m for m in marks if m.code == "C"]
    assert 1 <= len({m.pupil_id for m in c}) <= 2
    granted = {r.pupil_id for r in _rows(engine, LeaveRequest) if r.status == "granted"}
    assert granted == {m.pupil_id for m in c}
    visits = [m for m in marks if m.code == "V"]
    assert len({m.date for m in visits}) == 1
    assert all(m.comment for m in visits)
    classes = {p.id: p.class_id for p in _rows(engine, Pupil)}
    assert len({classes[m.pupil_id] for m in visits}) == 1
    assert all(m.comment for m in marks if m.code == "M")


def test_unexplained_absences_today_and_older_ones_followed_up(full: Engine) -> None:
    marks = _rows(full, Mark)
    n = [m for m in marks if m.code == "N"]
    assert 3 <= len(n) <= 6
    assert all((m.date, m.session) == (TODAY, "AM") for m in n)
    amendments = _rows(full, MarkAmendment)
    assert amendments
    assert all(a.old_code == "N" and a.new_code in ("I", "O") for a in amendments)
    assert all(a.reason for a in amendments)
    assert any(a.reason == "Parent phoned" for a in amendments)
    current = {(m.pupil_id, m.date, m.session): m.code for m in marks}
    assert all(current[(a.pupil_id, a.date, a.session)] == a.new_code for a in amendments)
    called = {c.pupil_id for c in _rows(full, CallLog)}
    assert {a.pupil_id for a in amendments} <= called
    assert all(a.amended_at.date() >= a.date for a in amendments)


def test_marks_use_school_times_not_the_clock(small: tuple[Engine, object]) -> None:
    engine, _ = small
    marks = _rows(engine, Mark)
    assert all(m.date <= m.entered_at.date() <= TODAY for m in marks if m.code != "#")
    assert all(m.entered_at.date() < m.date for m in marks if m.code == "#")
    assert {m.source for m in marks} == {"demo", "closure"}
    teachers = {s.name for s in _rows(engine, Staff) if s.role == "teacher"}
    assert {m.entered_by for m in marks if m.code in "/\\"} <= teachers


def test_several_years_of_history(tmp_path: Path, new_engine: Callable[[Path], Engine]) -> None:
    engine = new_engine(tmp_path / "y")
    summary = demo_service.create_demo(engine, pupils=28, today=TODAY, years=3)
    years = calendar_service.list_years(engine)
    assert [y.name for y in years] == ["2023/24", "2024/25", "2025/26"]
    assert summary.years_label == "2023/24 to 2025/26"
    pupils = _rows(engine, Pupil)
    left = [p for p in pupils if p.leaving_reason == "Transferred to secondary school"]
    assert len(left) == 8  # two earlier Year 6 classes of four
    assert all(p.class_id is None for p in left)
    for year in years:
        figures = stats_service.per_pupil(engine, year.start, min(year.end, TODAY))
        assert sum(p.counts.severe() for p in figures) == 1, year.name
        days = calendar_service.load_calendar(engine).school_days(year.start, year.end)
        assert 185 <= len(days) <= 192, year.name
    by_id = {p.id: p for p in pupils}
    marks = _rows(engine, Mark)
    for m in marks:
        p = by_id[m.pupil_id]
        assert p.admission_date <= m.date <= (p.leaving_date or TODAY)
    assert min(m.date for m in marks) >= years[0].start
    engine.dispose()


def test_before_term_starts_the_history_is_last_year(
        tmp_path: Path, new_engine: Callable[[Path], Engine]) -> None:
    engine = new_engine(tmp_path / "s")
    summary = demo_service.create_demo(engine, pupils=14, today=dt.date(2026, 8, 20))
    assert summary.years_label == "2025/26"
    assert summary.last_marked == dt.date(2026, 7, 21)
    assert academic_year_start(summary.last_marked) == 2025
    engine.dispose()
