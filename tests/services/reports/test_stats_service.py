"""Attendance figures counted in SQL, checked against hand-worked examples (dfe_rules.md §2)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Pupil, SchoolClass
from attendance_desktop.domain.calendar import compulsory_school_age_start
from attendance_desktop.domain.stats import Counts
from attendance_desktop.services.reports import stats_service
from attendance_desktop.services.reports.stats_service import Scope
from tests.conftest import OFFICE, put_marks

START = dt.date(2025, 9, 1)
END = dt.date(2026, 7, 31)
NOTES = {"B": "Forest school", "K": "LA tuition", "P": "County cross-country",
         "V": "Museum trip", "W": "Work experience", "Y7": "Flooded road"}


def school_sessions(first: dt.date = dt.date(2025, 9, 8)) -> Iterator[tuple[dt.date, str]]:
    day = first
    while True:
        if day.weekday() < 5:
            yield day, "AM"
            yield day, "PM"
        day += dt.timedelta(days=1)


def add_pupil(engine: Engine, name: str, *, dob: dt.date = dt.date(2018, 5, 1),
              year_group: str = "2", class_name: str | None = None, sen: str = "N",
              fsm: bool = False, sex: str = "F",
              admission: dt.date = dt.date(2025, 9, 1)) -> int:
    with session_scope(engine) as s:
        class_id = None
        if class_name:
            found = s.exec(SchoolClass.__table__.select().where(  # type: ignore[attr-defined]
                SchoolClass.__table__.c.name == class_name)).first()  # type: ignore[attr-defined]
            if found is None:
                cls = SchoolClass(name=class_name)
                s.add(cls)
                s.flush()
                class_id = cls.id
            else:
                class_id = found.id
        pupil = Pupil(legal_forename=name, legal_surname="Test", dob=dob, year_group=year_group,
                      class_id=class_id, sen=sen, fsm=fsm, sex=sex, admission_date=admission)
        s.add(pupil)
        s.flush()
        assert pupil.id is not None
        return pupil.id


def mark(engine: Engine, pupil_id: int, codes_: list[str] | str,
         first: dt.date = dt.date(2025, 9, 8), minutes: dict[int, int] | None = None) -> None:
    """Write codes on consecutive weekday sessions from `first` (one code per session)."""
    minutes = minutes or {}
    put_marks(engine, OFFICE, [
        (pupil_id, day, sess, code, minutes.get(i), NOTES.get(code, ""))
        for i, (code, (day, sess)) in enumerate(zip(codes_, school_sessions(first),
                                                    strict=False))], source="import")


def mark_on(engine: Engine, pupil_id: int, entries: list[tuple[dt.date, str, str]]) -> None:
    put_marks(engine, OFFICE, [(pupil_id, day, sess, code) for day, sess, code in entries],
              source="import")


def figures(engine: Engine, pupil_id: int, **scope: object) -> Counts:
    return stats_service.totals(engine, START, END, Scope(pupil_ids=(pupil_id,), **scope))


# From the national rules table, written out by hand (not derived from the code module).
CATEGORY_OF = {
    "present": ["/", "\\", "L"],
    "approved": ["K", "V", "P", "W", "B"],
    "authorised": ["C", "C1", "C2", "E", "I", "J1", "M", "R", "S", "T"],
    "unauthorised": ["G", "N", "O", "U"],
    "not_counted": ["D", "X", "Q", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7", "Z", "#"],
}


@pytest.mark.parametrize(("category", "code"),
                         [(cat, code) for cat, codes_ in CATEGORY_OF.items() for code in codes_])
def test_every_code_counts_in_its_category(engine: Engine, category: str, code: str) -> None:
    # X is only for a pupil below compulsory school age, Z only before admission.
    pid = add_pupil(engine, "Cat", dob=dt.date(2021, 1, 15) if code == "X" else dt.date(2018, 5, 1),
                    admission=dt.date(2025, 9, 9) if code == "Z" else dt.date(2025, 9, 1))
    mark(engine, pid, [code])
    c = figures(engine, pid)
    got = {k: getattr(c, k) for k in CATEGORY_OF}
    assert got == {k: int(k == category) for k in CATEGORY_OF}
    assert c.possible == (0 if category == "not_counted" else 1)
    assert c.by_code == {code: 1}


def test_a_hand_worked_pupil(engine: Engine) -> None:
    # 22 marks: 14 on time, 2 late before the register closed (10 and 5 minutes),
    # 1 trip, 1 illness, 1 late after it closed (20 minutes), 1 unexplained, 2 closures.
    codes_ = ["/", "\\"] * 7 + ["L", "L", "V", "I", "U", "N", "#", "#"]
    pid = add_pupil(engine, "Worked")
    mark(engine, pid, codes_, minutes={14: 10, 15: 5, 18: 20})

    c = figures(engine, pid)

    assert (c.possible, c.present, c.approved, c.authorised, c.unauthorised,
            c.not_counted) == (20, 16, 1, 1, 2, 2)
    assert c.attendance_pct_1dp() == 85.0  # (16 + 1) / 20
    assert c.persistent()
    assert not c.severe()
    assert (c.late_l, c.late_u, c.minutes_late) == (2, 1, 35)
    assert c.by_code == {"/": 7, "\\": 7, "L": 2, "V": 1, "I": 1, "U": 1, "N": 1, "#": 2}


def test_exactly_ninety_percent_is_persistent_and_ninety_point_one_is_not(
        engine: Engine) -> None:
    at_90 = add_pupil(engine, "Ninety")
    mark(engine, at_90, ["/"] * 18 + ["I", "O"])  # 18 of 20 = 90.0%
    above = add_pupil(engine, "NinetyPointOne")
    mark(engine, above, ["/"] * 82 + ["I"] * 9)  # 82 of 91 = 90.11%

    c90, c901 = figures(engine, at_90), figures(engine, above)

    assert c90.attendance_pct_1dp() == 90.0
    assert c90.persistent()
    assert c901.attendance_pct_1dp() == 90.1
    assert not c901.persistent()


def test_exactly_half_missed_is_severe(engine: Engine) -> None:
    half = add_pupil(engine, "Half")
    mark(engine, half, ["/"] * 5 + ["G"] * 5)
    less = add_pupil(engine, "Less")
    mark(engine, less, ["/"] * 6 + ["G"] * 4)
    assert figures(engine, half).attendance_pct_1dp() == 50.0
    assert figures(engine, half).severe()
    assert not figures(engine, less).severe()
    assert figures(engine, less).persistent()


def test_only_not_counted_sessions(engine: Engine) -> None:
    pid = add_pupil(engine, "Dual", year_group="R", dob=dt.date(2021, 1, 15))
    mark(engine, pid, ["D", "X", "Y1", "#"])
    c = figures(engine, pid)
    assert (c.possible, c.not_counted) == (0, 4)
    assert c.attendance_pct() is None
    assert c.attendance_pct_1dp() is None
    assert not c.persistent()
    assert not c.severe()
    rows = stats_service.per_pupil(engine, START, END, Scope(pupil_ids=(pid,)))
    assert [(r.counts.possible, r.counts.attendance_pct_1dp()) for r in rows] == [(0, None)]


def test_pupil_who_joined_mid_term_counts_only_their_sessions(engine: Engine) -> None:
    whole = add_pupil(engine, "Whole")
    mark(engine, whole, ["/"] * 36 + ["I"] * 4)  # 8 Sep to 3 Oct
    joiner = add_pupil(engine, "Joiner", admission=dt.date(2025, 9, 29))
    mark(engine, joiner, ["/"] * 9 + ["I"], first=dt.date(2025, 9, 29))  # one week

    assert figures(engine, whole).possible == 40
    j = figures(engine, joiner)
    assert j.possible == 10
    assert j.attendance_pct_1dp() == 90.0
    assert j.persistent()
    school = stats_service.totals(engine, START, END)
    assert (school.possible, school.attended) == (50, 45)


def test_date_range_limits_the_count(engine: Engine) -> None:
    pid = add_pupil(engine, "Range")
    mark(engine, pid, ["/", "\\"] * 5)  # Mon 8 to Fri 12 Sep
    c = stats_service.totals(engine, dt.date(2025, 9, 9), dt.date(2025, 9, 10),
                             Scope(pupil_ids=(pid,)))
    assert c.possible == 4


def test_rounding_to_one_decimal_is_half_up(engine: Engine) -> None:
    pid = add_pupil(engine, "Round")
    mark(engine, pid, ["/"] * 77 + ["I"] * 3)  # 77 / 80 = 96.25% exactly
    c = figures(engine, pid)
    assert c.attendance_pct() == 96.25
    assert c.attendance_pct_1dp() == 96.3  # not the banker's 96.2
    third = add_pupil(engine, "Third")
    mark(engine, third, ["/", "/", "N"])
    assert figures(engine, third).attendance_pct_1dp() == 66.7


def test_class_year_group_and_pupil_group_scopes(engine: Engine) -> None:
    a = add_pupil(engine, "A", class_name="Oak", year_group="1", fsm=True, sex="F")
    b = add_pupil(engine, "B", class_name="Oak", year_group="2", sen="K", sex="M")
    c = add_pupil(engine, "C", class_name="Ash", year_group="2", sen="E", fsm=True, sex="M")
    mark(engine, a, ["/"] * 9 + ["I"])        # 9/10
    mark(engine, b, ["/"] * 8 + ["N", "N"])   # 8/10
    mark(engine, c, ["/"] * 5 + ["G"] * 5)    # 5/10

    by_class = stats_service.per_class(engine, START, END)
    assert {k: (v.possible, v.attended) for k, v in by_class.items()} == {
        "Ash": (10, 5), "Oak": (20, 17)}
    by_year = stats_service.per_year_group(engine, START, END)
    assert {k: (v.possible, v.attended) for k, v in by_year.items()} == {
        "1": (10, 9), "2": (20, 13)}

    def attended(**scope: object) -> tuple[int, int]:
        t = stats_service.totals(engine, START, END, Scope(**scope))
        return t.possible, t.attended

    assert attended(group="fsm") == (20, 14)
    assert attended(group="sen_any") == (20, 13)
    assert attended(group="sen_support") == (10, 8)
    assert attended(group="ehcp") == (10, 5)
    assert attended(group="female") == (10, 9)
    assert attended(group="male") == (20, 13)
    with session_scope(engine) as s:
        oak = s.exec(SchoolClass.__table__.select().where(  # type: ignore[attr-defined]
            SchoolClass.__table__.c.name == "Oak")).one()  # type: ignore[attr-defined]
    assert attended(class_id=oak.id) == (20, 17)
    assert attended(year_group="2", group="fsm") == (10, 5)
    assert attended() == (30, 22)
    with pytest.raises(ValueError, match="unknown pupil group"):
        stats_service.totals(engine, START, END, Scope(group="tall"))

    rows = stats_service.per_pupil(engine, START, END, Scope(class_id=oak.id))
    assert [(r.name, r.class_name, r.counts.attendance_pct_1dp()) for r in rows] == [
        ("A Test", "Oak", 90.0), ("B Test", "Oak", 80.0)]


@pytest.mark.parametrize(("dob", "starts"), [
    (dt.date(2021, 2, 10), dt.date(2026, 3, 31)),   # 5 in February -> 31 March
    (dt.date(2021, 3, 31), dt.date(2026, 3, 31)),   # 5 on 31 March itself
    (dt.date(2021, 4, 1), dt.date(2026, 8, 31)),    # 5 on 1 April -> 31 August
    (dt.date(2020, 8, 31), dt.date(2025, 8, 31)),   # 5 on 31 August itself
    (dt.date(2020, 9, 1), dt.date(2025, 12, 31)),   # 5 on 1 September -> 31 December
    (dt.date(2020, 2, 29), dt.date(2025, 3, 31)),   # leap day: 5 on 1 March 2025
])
def test_compulsory_school_age_filter(engine: Engine, dob: dt.date, starts: dt.date) -> None:
    assert compulsory_school_age_start(dob) == starts  # the rule, by hand
    pid = add_pupil(engine, "Young", dob=dob, year_group="R", admission=dt.date(2024, 9, 1))
    before, on, after = (starts - dt.timedelta(days=1), starts,
                         starts + dt.timedelta(days=1))
    mark_on(engine, pid, [(before, "AM", "/"), (before, "PM", "N"), (on, "AM", "/"),
                          (on, "PM", "I"), (after, "AM", "/")])
    wide = (dt.date(2024, 9, 1), dt.date(2026, 12, 31))

    every = stats_service.totals(engine, *wide, Scope(pupil_ids=(pid,)))
    compulsory = stats_service.totals(engine, *wide,
                                      Scope(pupil_ids=(pid,), compulsory_only=True))

    assert every.possible == 5
    assert (compulsory.possible, compulsory.present, compulsory.authorised,
            compulsory.unauthorised) == (3, 2, 1, 0)
    rows = stats_service.per_pupil(engine, *wide, Scope(compulsory_only=True))
    assert [r.counts.possible for r in rows] == [3]


def test_compulsory_filter_keeps_older_pupils_whole(engine: Engine) -> None:
    young = add_pupil(engine, "Young", dob=dt.date(2021, 2, 10), year_group="R")
    older = add_pupil(engine, "Older", dob=dt.date(2018, 2, 10), year_group="2")
    for pid in (young, older):
        mark(engine, pid, ["/"] * 6 + ["N"] * 4)  # all in September 2025
    t = stats_service.totals(engine, START, END, Scope(compulsory_only=True))
    assert (t.possible, t.attended) == (10, 6)
    by_year = stats_service.per_year_group(engine, START, END, Scope(compulsory_only=True))
    assert list(by_year) == ["2"]


def test_minutes_late_and_per_code_counts_for_the_school(engine: Engine) -> None:
    a = add_pupil(engine, "A")
    b = add_pupil(engine, "B")
    mark(engine, a, ["L", "\\", "L", "\\"], minutes={0: 7, 2: 3})
    mark(engine, b, ["U", "\\", "/", "M"], minutes={0: 40})
    t = stats_service.totals(engine, START, END)
    assert (t.late_l, t.late_u, t.minutes_late) == (2, 1, 50)
    assert t.by_code == {"L": 2, "\\": 3, "U": 1, "/": 1, "M": 1}
    without = stats_service.totals(engine, START, END, with_codes=False)
    assert without.by_code == {}
    assert without.possible == t.possible == 8
