"""The synthetic demo school: a one-form-entry primary with families, staff and a register.

Everything is drawn from `random.Random(seed)` and dates derived from `today`, so the
same seed and day give the same database. Nothing is read from the wall clock. The
demo is only ever written into a database with no real data in it.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import math
import random
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    CallLog,
    Contact,
    LeaveDecision,
    LeaveRequest,
    Mark,
    Pupil,
    PupilContact,
    School,
    SchoolClass,
    SettingChange,
    Staff,
)
from attendance_desktop.domain.calendar import (
    SchoolCalendar,
    TermDates,
    academic_year_start,
    default_term_dates,
    england_bank_holidays,
)
from attendance_desktop.domain.policy import Policy
from attendance_desktop.domain.progress import Progress
from attendance_desktop.domain.roles import SYSTEM_ACTOR, Role
from attendance_desktop.domain.upn import with_check_letter
from attendance_desktop.services.demo import demo_names
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.records import audit_service
from attendance_desktop.services.register import register_service
from attendance_desktop.services.school import auth_service, calendar_service, policy_service
from attendance_desktop.services.write_lock import write_scope

# PINs the README documents for signing in to the demo school.
DEMO_PINS: dict[Role, str] = {
    Role.HEAD: "1234",
    Role.OFFICE: "2345",
    Role.TEACHER: "3456",
    Role.READONLY: "4567",
}
# Real LA numbers in the demo UPNs (an unknown one would only warn); the school numbers are made up.
LA_NUMBER = "938"
SCHOOL_NUMBER = "2417"
PREVIOUS_SCHOOL_NUMBER = "2093"  # mid-year joiners' UPNs came from another school
SOURCE = "demo"
YEAR_GROUPS = ("R", "1", "2", "3", "4", "5", "6")
MAX_PUPILS = 2000
MAX_YEARS = 10
_ABSENT = frozenset({"G", "C", "N", "O", "U", "I", "M"})

ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True, slots=True)
class DemoSummary:
    school_name: str
    pupils_on_roll: int
    classes: int
    staff: int
    first_year: str
    last_year: str
    marks: int
    seed: int
    last_marked: dt.date

    @property
    def years_label(self) -> str:
        if self.first_year == self.last_year:
            return self.first_year
        return f"{self.first_year} to {self.last_year}"

    def __str__(self) -> str:
        pins = ", ".join(f"{r.label.split(' /')[0].lower()} {p}" for r, p in DEMO_PINS.items())
        return (f"Demo school created: {self.pupils_on_roll} pupils in {self.classes} classes, "
                f"{self.years_label}, {self.marks:,} marks (seed {self.seed}); "
                f"staff PINs: {pins}")


# --- building blocks kept in memory before one write --------------------------------


@dataclass(eq=False)
class _ContactSpec:
    title: str
    forename: str
    surname: str
    relationship: str
    parental_responsibility: bool
    lives_with_pupil: bool
    mobile: str
    home: str = ""
    work: str = ""
    email: str = ""
    address: str = ""
    postcode: str = ""
    id: int | None = None


@dataclass(eq=False)
class _Family:
    surname: str
    fsm: bool
    pupil_premium: bool
    eal: bool
    background: demo_names.Background
    children: list[_Child] = field(default_factory=list)
    contacts: list[_ContactSpec] = field(default_factory=list)


@dataclass(eq=False)
class _Child:
    key: int
    entry_year: int  # the year (Sept) the child started Reception
    sex: str
    forename: str
    surname: str
    dob: dt.date
    admission: dt.date
    latent: float  # propensity to be absent, stable across years
    late_rate: float  # share of mornings late
    u_share: float  # of those, share after the register closed
    family: _Family | None = None
    preferred: str = ""
    upn: str = ""
    leaving: dt.date | None = None
    leaving_reason: str = ""
    sen: str = "N"
    looked_after: bool = False
    child_in_need: bool = False
    young_carer: bool = False
    joiner: bool = False
    id: int | None = None


@dataclass
class _Event:
    code: str
    minutes: int | None = None
    comment: str = ""
    by: str = ""
    role: str = ""
    at: dt.datetime | None = None


# --- the public entry point ----------------------------------------------------------


def create_demo(engine: Engine, *, seed: int = 2026, pupils: int = 210,
                today: dt.date, years: int = 1,
                progress: ProgressCallback | None = None) -> DemoSummary:
    """Fill an empty database with the demo school and its register up to `today`.

    Refuses (ServiceError) when the database holds real pupils, marks, a set-up school or
    the demo school already. Calendar years are stored first through calendar_service;
    staff, pupils, families and the register are then written in one transaction.
    """
    if not 7 <= pupils <= MAX_PUPILS:
        raise ServiceError(f"the demo school needs between 7 and {MAX_PUPILS} pupils, "
                           f"not {pupils}")
    if not 1 <= years <= MAX_YEARS:
        raise ServiceError(f"the demo history can cover 1 to {MAX_YEARS} years, not {years}")
    report = progress or (lambda _p: None)
    with session_scope(engine) as s:
        reason = _refusal(s)
    if reason:
        raise ServiceError(f"cannot create the demo school: {reason}")

    # Plan everything in memory first: progress (and Cancel) only happen before any write.
    total = years + 4  # calendar, people, one step per year of register, PINs, saving
    report(Progress(0, total, "Planning the school calendar"))
    policy = policy_service.load_policy(engine)
    first_year, ref_year = _history_years(today, years)
    cal, spans, missing = _planned_calendar(engine, first_year, ref_year,
                                            academic_year_start(today))
    hist_start = spans[0][1]
    if not cal.school_days(hist_start, today):
        raise ServiceError(f"there are no school days between {hist_start:%d %B %Y} and "
                           f"{today:%d %B %Y} to make a register for")
    report(Progress(1, total, "Creating staff, pupils and families"))
    gen = _Generator(random.Random(seed), policy, cal, spans, today, pupils, ref_year)
    gen.make_people()
    gen.plan_register(report, first_step=2, total=total)
    report(Progress(total - 1, total, "Saving the demo school"))

    for dates in missing:
        calendar_service.create_academic_year(engine, SYSTEM_ACTOR, dates, inset_days(dates))
    _add_missing_inset_days(engine, cal, spans)
    with write_scope(engine) as s:
        reason = _refusal(s)
        if reason:
            raise ServiceError(f"cannot create the demo school: {reason}")
        gen.write_people(s)
        rows = gen.register_rows()
        history = gen.write_follow_up(s)
        # Through the register path's bulk writer, with the story's own times.
        marks = register_service.seed_history(s, rows, history)
        s.add(SettingChange(area="school", key="demo",
                            new_value=f"demo school created (seed {seed}, {years} years)",
                            changed_at=gen.created_at, staff_name=SYSTEM_ACTOR.name,
                            staff_role=SYSTEM_ACTOR.role.value))
    on_roll = sum(1 for c in gen.children if c.admission <= gen.last
                  and (c.leaving is None or c.leaving >= gen.last))
    return DemoSummary(demo_names.SCHOOL_NAME, on_roll, len(YEAR_GROUPS), len(gen.staff),
                       spans[0][0], spans[-1][0], marks, seed, gen.last)


def _refusal(s: Session) -> str | None:
    school = s.exec(select(School)).first()
    demo_pupil = s.exec(select(Pupil.id).where(Pupil.is_demo)).first()
    if (school is not None and school.is_demo) or demo_pupil is not None:
        return "this database already holds the demo school (use a new data folder)"
    if s.exec(select(Pupil.id).where(Pupil.is_demo == False)).first() is not None:  # noqa: E712
        return "this database holds real pupils; the demo needs a new, empty data folder"
    if s.exec(select(Mark.id)).first() is not None:
        return "this database already holds register marks; use a new, empty data folder"
    if school is not None and school.set_up_complete:
        return f"'{school.name}' has been set up; the demo needs a new, empty data folder"
    return None


def _history_years(today: dt.date, years: int) -> tuple[int, int]:
    """First and last academic year (start years) with register history.

    Before the first day of term the history ends with the previous year, so the demo
    always has a register to show.
    """
    ref = academic_year_start(today)
    if today < default_term_dates(ref).start + dt.timedelta(days=1):
        ref -= 1
    return ref - years + 1, ref


def inset_days(dates: TermDates) -> list[dt.date]:
    """Five staff training days: the start of each term's first half, Autumn 2 and the end."""
    halves = dates.half_terms
    return [halves[0].start, halves[1].start, halves[2].start, halves[4].start, halves[5].end]


def _planned_calendar(engine: Engine, first_year: int, ref_year: int, this_year: int
                      ) -> tuple[SchoolCalendar, list[tuple[str, dt.date, dt.date]],
                                 list[TermDates]]:
    """The calendar the demo will use: stored years as they are, default dates otherwise.

    Returns the calendar (with INSET days), the history's (name, start, end) years and
    the years still to be stored.
    """
    stored = {y.name: y for y in calendar_service.list_years(engine)}
    now = calendar_service.load_calendar(engine)
    halves = list(now.half_terms)
    closures = dict(now.closures)
    spans: list[tuple[str, dt.date, dt.date]] = []
    missing: list[TermDates] = []
    for y in range(first_year, this_year + 1):
        dates = default_term_dates(y)
        if dates.year_name in stored:
            info = stored[dates.year_name]
            start, end = info.start, info.end
        else:
            missing.append(dates)
            halves.extend(dates.half_terms)
            for day in england_bank_holidays(dates.start, dates.end):
                closures[day] = frozenset({"AM", "PM"})
            start, end = dates.start, dates.end
        for day in inset_days(dates):
            closures[day] = frozenset({"AM", "PM"})
        if y <= ref_year:
            spans.append((dates.year_name, start, end))
    return SchoolCalendar(halves, closures), spans, missing


def _add_missing_inset_days(engine: Engine, cal: SchoolCalendar,
                            spans: list[tuple[str, dt.date, dt.date]]) -> None:
    """A year entered by hand before the demo keeps its dates and gains the INSET days."""
    for _, start, end in spans:
        have = {c.date for c in calendar_service.list_closures(engine, start, end)}
        for day, closed in sorted(cal.closures.items()):
            if start <= day <= end and day not in have and closed == {"AM", "PM"}:
                calendar_service.add_closure(engine, SYSTEM_ACTOR, day, "DAY", "inset", "#",
                                             "INSET day")


# --- the generator -------------------------------------------------------------------


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def _seasonal_weight(day: dt.date) -> float:
    if day.month in (11, 12, 1, 2, 3):
        return 3.0
    if day.month in (10, 4):
        return 1.5
    return 1.0


class _Generator:
    def __init__(self, rng: random.Random, policy: Policy, cal: SchoolCalendar,
                 spans: list[tuple[str, dt.date, dt.date]], today: dt.date, pupils: int,
                 ref_year: int) -> None:
        self.rng = rng
        self.policy = policy
        self.cal = cal
        self.spans = spans
        self.today = today
        self.pupils = pupils
        self.ref_year = ref_year
        self.first_year = academic_year_start(spans[0][1])
        self.hist_start = spans[0][1]
        days = cal.school_days(self.hist_start, today)
        self.last = days[-1]
        self.created_at = dt.datetime.combine(self.hist_start - dt.timedelta(days=7),
                                              dt.time(8, 0))
        # Every open session of the history, today's afternoon excluded (not yet taken).
        sess = cal.sessions(self.hist_start, self.last)
        if self.last == today and sess and sess[-1] == (today, "PM"):
            sess.pop()
        self.sess = sess
        self.days = sorted({d for d, _ in sess})
        self.day_sessions: list[list[int]] = [[] for _ in self.days]
        day_pos = {d: j for j, d in enumerate(self.days)}
        for i, (d, _) in enumerate(sess):
            self.day_sessions[day_pos[d]].append(i)
        self.seg_days = [(bisect.bisect_left(self.days, a), bisect.bisect_right(self.days, b))
                         for _, a, b in spans]
        self.weights = [_seasonal_weight(d) for d in self.days]
        am, pm = policy.am, policy.pm
        self.reg_at = {
            "AM": self._plus(am.marking_starts, 10, am.late_after),
            "PM": self._plus(pm.marking_starts, 10, pm.late_after),
        }
        self.l_max = max(1, am.open_minutes())
        self.children: list[_Child] = []
        self.families: list[_Family] = []
        self.staff: list[tuple[str, str, str]] = []
        self.teacher_of: dict[str, str] = {}
        self.office = demo_names.STAFF_NAMES["office1"]
        self.head = demo_names.STAFF_NAMES["head"]
        self.events: dict[int, dict[int, _Event]] = {}  # child key -> session -> event
        self.amend: list[tuple[_Child, int, str, dt.datetime, str]] = []
        self.leave: list[tuple[list[_Child], int, int, str, str]] = []
        self.mobiles = self._pool("07700 900")
        self.landlines = self._pool("01632 960")
        self.email_no = itertools.count(1)
        self.class_ids: dict[str, int] = {}
        self._terms: dict[int, TermDates] = {}
        self.planned: list[tuple[_Child, int, dict[int, _Event]]] = []
        self.hashes: dict[str, str] = {}

    def term_dates(self, start_year: int) -> TermDates:
        if start_year not in self._terms:
            self._terms[start_year] = default_term_dates(start_year)
        return self._terms[start_year]

    @staticmethod
    def _plus(t: dt.time, minutes: int, cap: dt.time) -> dt.time:
        moved = (dt.datetime.combine(dt.date(2000, 1, 1), t) + dt.timedelta(minutes=minutes))
        return min(moved.time(), cap)

    def _pool(self, prefix: str) -> Iterator[str]:
        numbers = list(range(1000))
        self.rng.shuffle(numbers)
        return itertools.cycle([f"{prefix}{n:03d}" for n in numbers])

    def at(self, day: dt.date, t: dt.time, minutes: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, t) + dt.timedelta(minutes=minutes)

    # --- people -------------------------------------------------------------------

    def make_people(self) -> None:
        names = demo_names.STAFF_NAMES
        self.staff = [(names["head"], "head", DEMO_PINS[Role.HEAD]),
                      (names["deputy"], "head", DEMO_PINS[Role.HEAD]),
                      (names["office1"], "office", DEMO_PINS[Role.OFFICE]),
                      (names["office2"], "office", DEMO_PINS[Role.OFFICE])]
        for yg, teacher in zip(YEAR_GROUPS, demo_names.TEACHER_NAMES, strict=True):
            self.staff.append((teacher, "teacher", DEMO_PINS[Role.TEACHER]))
            self.teacher_of[yg] = teacher
        self.staff.append((names["governor"], "readonly", DEMO_PINS[Role.READONLY]))
        self._make_children()
        self._make_families()
        self._assign_flags()
        for fam in self.families:
            fam.contacts = self._contacts(fam)
        self._special_contacts()
        self._joiners_and_leaver()

    def _make_children(self) -> None:
        rng = self.rng
        base, extra = divmod(self.pupils, len(YEAR_GROUPS))
        sizes = [base + (1 if g < extra else 0) for g in range(len(YEAR_GROUPS))]
        rng.shuffle(sizes)
        cohorts: list[tuple[int, int]] = [(self.ref_year - g, sizes[g]) for g in range(7)]
        # Older cohorts that have since left for secondary school (multi-year history).
        for e in range(self.first_year - 6, self.ref_year - 6):
            cohorts.append((e, base + (1 if rng.random() < extra / 7 else 0)))
        cohorts.sort()
        for entry, size in cohorts:
            serial = rng.randint(1, 300)
            for _ in range(size):
                sex = "F" if rng.random() < 0.5 else "M"
                born = dt.date(entry - 5, 9, 1) + dt.timedelta(days=rng.randrange(365))
                late_often = rng.random() < 0.04
                child = _Child(
                    key=len(self.children), entry_year=entry, sex=sex, forename="",
                    surname="", dob=born, admission=self.term_dates(entry).start,
                    latent=rng.gauss(0.0, 1.0),
                    late_rate=(rng.uniform(0.08, 0.2) if late_often
                               else 0.0 if rng.random() < 0.6 else rng.uniform(0.002, 0.015)),
                    u_share=rng.uniform(0.15, 0.3) if late_often else 0.0,
                )
                body = f"{LA_NUMBER}{SCHOOL_NUMBER}{entry % 100:02d}{serial:03d}"
                child.upn = with_check_letter(body)
                serial += 1
                r = rng.random()
                child.sen = "E" if r < 0.02 else "K" if r < 0.15 else "N"
                if entry + 6 < self.ref_year:
                    child.leaving = self.term_dates(entry + 6).end
                    child.leaving_reason = "Transferred to secondary school"
                self.children.append(child)
        # At least two pupils who are late often, for the lateness tracker.
        current = [c for c in self.children if c.leaving is None]
        while sum(1 for c in current if c.late_rate >= 0.08) < 2:
            c = rng.choice(current)
            c.late_rate, c.u_share = rng.uniform(0.1, 0.2), rng.uniform(0.15, 0.3)

    def _make_families(self) -> None:
        rng = self.rng
        order = list(self.children)
        rng.shuffle(order)
        free = set(c.key for c in order)
        for child in order:
            if child.key not in free:
                continue
            free.discard(child.key)
            kids = [child]
            if rng.random() < 0.15:
                want = 2 if rng.random() < 0.75 else 3
                for c in order:
                    if len(kids) >= want:
                        break
                    if c.key in free and all(1 <= abs(c.entry_year - k.entry_year) <= 4
                                             for k in kids):
                        kids.append(c)
                        free.discard(c.key)
            bg = self._background()
            fam = _Family(surname=rng.choice(bg.surnames), fsm=rng.random() < 0.22,
                          pupil_premium=False, eal=rng.random() < bg.eal_rate, background=bg)
            fam.pupil_premium = fam.fsm or rng.random() < 0.04
            # Some families choose given names from another tradition than their surname's.
            given = bg if rng.random() > 0.12 else demo_names.BACKGROUNDS[0]
            seen: set[str] = set()
            for k in sorted(kids, key=lambda c: c.entry_year):
                names = given.girls if k.sex == "F" else given.boys
                k.forename = rng.choice([n for n in names if n not in seen] or names)
                if k.forename in demo_names.PREFERRED and rng.random() < 0.4:
                    k.preferred = demo_names.PREFERRED[k.forename]
                seen.add(k.forename)
                k.surname = fam.surname
                k.family = fam
                fam.children.append(k)
            self.families.append(fam)
        self.children.sort(key=lambda c: c.key)

    def current(self) -> list[_Child]:
        return [c for c in self.children if c.leaving is None]

    def single_current(self, exclude: set[int] | None = None) -> list[_Child]:
        skip = exclude or set()
        return [c for c in self.current() if c.family is not None
                and len(c.family.children) == 1 and c.key not in skip]

    def _assign_flags(self) -> None:
        rng = self.rng
        singles = self.single_current()
        for c in rng.sample(singles, min(len(singles), rng.randint(1, 2))):
            c.looked_after = True
            assert c.family is not None
            c.family.pupil_premium = True
        current = self.current()
        for c in rng.sample(current, min(len(current), rng.randint(2, 3))):
            c.child_in_need = True
        older = [c for c in current if c.entry_year <= self.ref_year - 3]
        for c in rng.sample(older, min(len(older), rng.randint(1, 2))):
            c.young_carer = True

    def _address(self) -> tuple[str, str]:
        rng = self.rng
        street = f"{rng.randint(1, 140)} {rng.choice(demo_names.STREETS)}, {demo_names.TOWN}"
        letters = demo_names.INWARD_LETTERS
        code = (f"{demo_names.POSTCODE_AREA}{rng.choice((4, 5, 7))} "
                f"{rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}")
        return street, code

    def _background(self) -> demo_names.Background:
        return self.rng.choices(demo_names.BACKGROUNDS,
                                [b.weight for b in demo_names.BACKGROUNDS])[0]

    def _person(self, relationship: str, woman: bool, surname: str, *, pr: bool,
                lives: bool, address: tuple[str, str], bg: demo_names.Background,
                home: str = "") -> _ContactSpec:
        rng = self.rng
        forename = rng.choice(bg.women if woman else bg.men)
        title = rng.choice(("Mrs", "Ms", "Miss")) if woman else "Mr"
        if rng.random() < 0.03:
            title = "Dr"
        email = ""
        if rng.random() < 0.85:
            email = f"{_ascii(forename)}.{_ascii(surname)}{next(self.email_no)}@example.com"
        work = next(self.landlines) if rng.random() < 0.2 else ""
        return _ContactSpec(title, forename, surname, relationship, pr, lives,
                            next(self.mobiles), home, work, email, *address)

    def _contacts(self, fam: _Family) -> list[_ContactSpec]:
        rng = self.rng
        bg = fam.background
        person = functools.partial(self._person, bg=bg)
        home_addr = self._address()
        home = next(self.landlines) if rng.random() < 0.45 else ""
        mum_surname = fam.surname if rng.random() < 0.8 else rng.choice(bg.surnames)
        r = rng.random()
        out: list[_ContactSpec]
        if r < 0.55:
            out = [person("Mother", True, mum_surname, pr=True, lives=True, address=home_addr,
                          home=home),
                   person("Father", False, fam.surname, pr=True, lives=True, address=home_addr,
                          home=home)]
            if rng.random() < 0.3:
                out.reverse()
        elif r < 0.75:
            mum_home = rng.random() < 0.8
            resident = person("Mother" if mum_home else "Father", mum_home,
                              mum_surname if mum_home else fam.surname, pr=True, lives=True,
                              address=home_addr, home=home)
            other = person("Father" if mum_home else "Mother", not mum_home,
                           fam.surname if mum_home else mum_surname, pr=True, lives=False,
                           address=self._address())
            out = [resident, other]
        elif r < 0.9:
            out = [person("Mother", True, mum_surname, pr=True, lives=True, address=home_addr,
                          home=home),
                   person(rng.choice(("Grandmother", "Grandfather")), rng.random() < 0.6,
                          mum_surname, pr=False, lives=False, address=self._address())]
        else:
            out = [person("Mother", True, mum_surname, pr=True, lives=True, address=home_addr,
                          home=home),
                   person("Stepfather", False, rng.choice(bg.surnames), pr=False, lives=True,
                          address=home_addr, home=home)]
        if rng.random() < 0.25:
            rel = rng.choice(("Grandmother", "Grandfather", "Aunt", "Uncle"))
            out.append(person(rel, rel in ("Grandmother", "Aunt"),
                              rng.choice((fam.surname, mum_surname)), pr=False, lives=False,
                              address=self._address()))
        return out

    def _special_contacts(self) -> None:
        rng = self.rng
        for c in self.children:
            if c.looked_after and c.family is not None:
                addr = self._address()
                carers, worker = self._background(), self._background()
                carer_surname = rng.choice(carers.surnames)
                c.family.contacts = [
                    self._person("Foster carer", True, carer_surname, pr=False, lives=True,
                                 address=addr, bg=carers),
                    self._person("Foster carer", False, carer_surname, pr=False, lives=True,
                                 address=addr, bg=carers),
                    self._person("Social worker", rng.random() < 0.5,
                                 rng.choice(worker.surnames), pr=False, lives=False,
                                 address=("County Hall, Exampleshire", "BK1 1AA"), bg=worker),
                ]
        # A few families with a single contact: the data checks should flag them.
        singles = [c for c in self.single_current() if not c.looked_after]
        for c in rng.sample(singles, min(len(singles), max(2, self.pupils // 70))):
            assert c.family is not None
            c.family.contacts = c.family.contacts[:1]

    def _joiners_and_leaver(self) -> None:
        rng = self.rng
        seg0, seg1 = self.seg_days[-1]
        autumn_end = dt.date(self.spans[-1][1].year, 12, 31)
        days = [d for d in self.days[seg0 + 5:seg1 - 1] if d <= autumn_end]
        taken: set[int] = set()
        candidates = [c for c in self.single_current() if not c.looked_after]
        if days:
            for c in rng.sample(candidates, min(2, len(candidates))):
                c.admission = rng.choice(days)
                c.joiner = True
                # A UPN from the previous school, with that school's number.
                serial = rng.randint(400, 899)
                c.upn = with_check_letter(
                    f"{LA_NUMBER}{PREVIOUS_SCHOOL_NUMBER}{c.entry_year % 100:02d}{serial:03d}")
                taken.add(c.key)
        later = self.days[seg0 + (seg1 - seg0) // 2:seg1 - 2]
        rest = [c for c in candidates if c.key not in taken]
        if later and rest:
            c = rng.choice(rest)
            c.leaving = rng.choice(later)
            c.leaving_reason = "Moved out of the area"

    # --- register -----------------------------------------------------------------

    def window(self, c: _Child, seg: int) -> tuple[int, int]:
        """Day indices [a, b) when the child is on roll inside a history segment."""
        s0, s1 = self.seg_days[seg]
        a = max(s0, bisect.bisect_left(self.days, c.admission))
        end = c.leaving if c.leaving is not None else self.last
        b = min(s1, bisect.bisect_right(self.days, end))
        return a, max(a, b)

    def year_group(self, c: _Child, seg: int) -> str:
        g = academic_year_start(self.spans[seg][1]) - c.entry_year
        return YEAR_GROUPS[max(0, min(6, g))]

    def plan_segment(self, seg: int) -> dict[int, tuple[str, float]]:
        """Each on-roll child's band and share of sessions missed in this year."""
        rng = self.rng
        s0, s1 = self.seg_days[seg]
        on = [c for c in self.children if self.window(c, seg)[1] > self.window(c, seg)[0]]
        ranked = sorted(on, key=lambda c: c.latent + rng.gauss(0.0, 0.5), reverse=True)
        full = [c for c in ranked if self.window(c, seg) == (s0, s1)]
        bands: dict[int, tuple[str, float]] = {}
        if full:
            bands[full[0].key] = ("severe", rng.uniform(0.52, 0.58))
        n_pa = max(1, round(0.08 * len(on)))
        n_risk = round(0.17 * len(on))
        rest = [c for c in ranked if c.key not in bands]
        for i, c in enumerate(rest):
            if i < n_pa:
                bands[c.key] = ("persistent", rng.uniform(0.105, 0.19))
            elif i < n_pa + n_risk:
                bands[c.key] = ("at_risk", rng.uniform(0.055, 0.09))
            elif rng.random() < 0.25:
                bands[c.key] = ("normal", rng.uniform(0.0, 0.01))
            else:
                bands[c.key] = ("normal", rng.uniform(0.005, 0.045))
        return bands

    def plan_fixed_events(self, bands: dict[int, tuple[str, float]]) -> None:
        """This year's holiday, granted leave, class trip and today's unexplained absences."""
        rng = self.rng
        seg = len(self.spans) - 1
        s0, s1 = self.seg_days[seg]
        full = [c for c in self.current() if self.window(c, seg) == (s0, s1)
                and bands.get(c.key, ("", 0.0))[0] == "normal"]
        used: set[int] = set()
        # A term-time holiday without leave (G): a family leaves before a half-term break.
        run = rng.randint(5, 8)
        ends = [j for j in range(s0 + run, s1 - 1)
                if (self.days[j + 1] - self.days[j]).days > 4]
        if not ends and s1 - s0 > run + 3:
            ends = [s0 + (s1 - s0) // 2]
        if ends and full:
            end = rng.choice(ends)
            fams = [c.family for c in full if c.family is not None
                    and sum(1 for k in c.family.children if k in full) >= 2]
            pair = ([k for k in rng.choice(fams).children if k in full][:2] if fams
                    else rng.sample(full, min(2, len(full))))
            for c in pair:
                for j in range(end - run + 1, end + 1):
                    for i in self.day_sessions[j]:
                        self._event(c, i, _Event("G", comment="Holiday: leave refused"))
                used.add(c.key)
            self.leave.append((pair, end - run + 1, end, "refused", "Family holiday"))
        # Leave granted for exceptional circumstances (C).
        others = [c for c in full if c.key not in used]
        for c in rng.sample(others, min(len(others), rng.randint(1, 2))):
            if s1 - s0 < 6:
                break
            length = rng.randint(2, 3)
            start = rng.randrange(s0, s1 - length - 1)
            for j in range(start, start + length):
                for i in self.day_sessions[j]:
                    self._event(c, i, _Event("C", comment="Leave granted: family funeral"))
            used.add(c.key)
            self.leave.append(([c], start, start + length - 1, "granted",
                               "Attending a close relative's funeral"))
        # One class's educational visit (V).
        if s1 - s0 > 8:
            yg = rng.choice(YEAR_GROUPS)
            j = rng.randrange(s0 + 3, s1 - 2)
            trip = rng.choice(demo_names.TRIPS)
            for c in self.current():
                a, b = self.window(c, seg)
                if self.year_group(c, seg) == yg and a <= j < b:
                    for i in self.day_sessions[j]:
                        if i not in self.events.get(c.key, {}):
                            self._event(c, i, _Event("V", comment=trip))
        # Today's morning: a few absences with no reason yet (N).
        last = len(self.days) - 1
        on_last = [c for c in self.current() if self.window(c, seg)[1] == last + 1
                   and self.window(c, seg)[0] <= last and c.key not in used
                   and bands.get(c.key, ("", 0.0))[0] != "severe"]
        teacher = {c.key: self.teacher_of[self.year_group(c, seg)] for c in on_last}
        for c in rng.sample(on_last, min(len(on_last), rng.randint(3, 6))):
            for i in self.day_sessions[last]:
                d, sess = self.sess[i]
                self._event(c, i, _Event("N", by=teacher[c.key], role="teacher",
                                         at=self.at(d, self.reg_at[sess])))

    def _event(self, c: _Child, i: int, ev: _Event) -> None:
        self.events.setdefault(c.key, {})[i] = ev

    def codes_for(self, c: _Child, seg: int, band: tuple[str, float]
                  ) -> tuple[dict[int, _Event], list[int]]:
        """The non-default marks of one child in one year, and illness-run starts."""
        rng = self.rng
        a, b = self.window(c, seg)
        first, last = self.day_sessions[a][0], self.day_sessions[b - 1][-1]
        fixed = {i: e for i, e in self.events.get(c.key, {}).items() if first <= i <= last}
        out: dict[int, _Event] = dict(fixed)
        n = last - first + 1
        kind, rate = band
        # Round towards the band: a short stay must not tip a child into the next band.
        share = rate * n
        budget = (math.ceil(share) if kind in ("persistent", "severe") else math.floor(share))
        budget -= sum(1 for e in fixed.values() if e.code in _ABSENT)
        ams = [i for j in range(a, b) for i in self.day_sessions[j][:1]
               if self.sess[i][1] == "AM" and i not in out]
        # Late after the register closed (U) counts as absence, so it uses the budget.
        n_u = round(len(ams) * c.late_rate * c.u_share)
        for i in rng.sample(ams, min(n_u, len(ams))):
            mins = rng.randint(self.l_max + 1, self.l_max + 35)
            d = self.sess[i][0]
            out[i] = _Event("U", mins, by=self.office, role="office",
                            at=self.at(d, self.policy.am.late_after, mins))
            budget -= 1
        starts: list[int] = []
        days = list(range(a, b))
        cum = list(itertools.accumulate(self.weights[a:b]))
        if kind == "severe":
            choices, weights = ("illness", "other", "appointment"), (35, 55, 10)
        elif kind == "persistent":
            choices, weights = ("illness", "other", "appointment", "half"), (55, 20, 15, 10)
        else:
            choices, weights = ("illness", "appointment", "half", "other"), (68, 20, 8, 4)
        tries = 0
        while budget > 0 and tries < 400:
            tries += 1
            what = rng.choices(choices, weights)[0]
            if what == "illness":
                j = rng.choices(days, cum_weights=cum)[0]
                length = rng.choices((1, 2, 3, 4, 5), (30, 30, 20, 12, 8))[0]
                began = False
                for jj in range(j, min(b, j + length)):
                    for i in self.day_sessions[jj]:
                        if budget > 0 and i not in out:
                            out[i] = _Event("I")
                            budget -= 1
                            if not began:
                                starts.append(i)
                                began = True
            elif what == "appointment":
                j = rng.choice(days)
                ss = self.day_sessions[j]
                if len(ss) == 2 and not any(i in out for i in ss):
                    i = ss[0] if rng.random() < 0.7 else ss[1]
                    out[i] = _Event("M", comment=rng.choice(demo_names.APPOINTMENTS))
                    budget -= 1
            elif what == "half":  # sent home ill at lunch
                ss = self.day_sessions[rng.choice(days)]
                if len(ss) == 2 and not any(i in out for i in ss):
                    out[ss[1]] = _Event("I", comment="Went home ill at lunchtime")
                    budget -= 1
            else:
                for i in self.day_sessions[rng.choice(days)]:
                    if budget > 0 and i not in out:
                        out[i] = _Event("O")
                        budget -= 1
        if budget > 0:  # a very absent child: fill what is left
            free = [i for i in range(first, last + 1) if i not in out]
            for i in rng.sample(free, min(budget, len(free))):
                out[i] = _Event("O" if rng.random() < 0.5 else "I")
        # Late before the register closed (L): present, minutes recorded.
        for i in ams:
            if i not in out and c.late_rate and rng.random() < c.late_rate:
                mins = min(rng.randint(1, self.l_max), rng.randint(1, self.l_max))
                out[i] = _Event("L", mins, by=self.office, role="office",
                                at=self.at(self.sess[i][0], self.policy.am.late_after, mins))
        return out, starts

    # --- writing ------------------------------------------------------------------

    def write_people(self, s: Session) -> dict[str, int]:
        school = s.exec(select(School)).first() or School(name=demo_names.SCHOOL_NAME)
        names = demo_names.STAFF_NAMES
        school.name = demo_names.SCHOOL_NAME
        school.address = f"{demo_names.SCHOOL_STREET}, {demo_names.TOWN}, {demo_names.COUNTY_TOWN}"
        school.postcode = f"{demo_names.POSTCODE_AREA}4 2LP"
        school.phone = "01632 960000"
        school.email = "office.brookfield@example.com"
        school.urn = f"{100000 + self.rng.randrange(800000):06d}"
        school.local_authority = "Example County Council"
        school.head_name = names["head"]
        school.attendance_lead_name = f"{names['deputy']} (deputy head)"
        school.is_demo = True
        school.set_up_complete = True
        school.created_at = self.created_at
        s.add(school)
        staff_ids: dict[str, int] = {}
        for name, role, pin in self.staff:
            row = Staff(name=name, role=role, pin_hash=self.hashes[pin],
                        created_at=self.created_at, is_demo=True)
            s.add(row)
            s.flush()
            assert row.id is not None
            staff_ids[name] = row.id
        for order, (yg, cname) in enumerate(demo_names.CLASS_NAMES):
            sc = SchoolClass(name=cname, sort_order=order,
                             teacher_id=staff_ids[self.teacher_of[yg]])
            s.add(sc)
            s.flush()
            assert sc.id is not None
            self.class_ids[yg] = sc.id
        seg = len(self.spans) - 1
        for c in self.children:
            fam = c.family
            assert fam is not None
            past = c.leaving is not None and c.leaving_reason.startswith("Transferred")
            yg = "6" if past else self.year_group(c, seg)
            row = Pupil(
                upn=c.upn, legal_forename=c.forename, legal_surname=c.surname,
                preferred_forename=c.preferred, dob=c.dob, sex=c.sex, year_group=yg,
                class_id=None if past else self.class_ids[yg], admission_date=c.admission,
                leaving_date=c.leaving, leaving_reason=c.leaving_reason, sen=c.sen,
                fsm=fam.fsm, pupil_premium=fam.pupil_premium, looked_after=c.looked_after,
                child_in_need=c.child_in_need, eal=fam.eal, young_carer=c.young_carer,
                is_demo=True,
            )
            s.add(row)
        s.flush()
        ids = s.exec(select(Pupil.id).where(Pupil.is_demo).order_by(Pupil.id)).all()
        for c, pid in zip(self.children, ids, strict=True):
            c.id = pid
            audit_service.record_pupil_change(s, SYSTEM_ACTOR, pid, "record", "",
                                              "added (demo)", source=SOURCE,
                                              at=self.created_at)
        for fam in self.families:
            for spec in fam.contacts:
                row = Contact(title=spec.title, forename=spec.forename, surname=spec.surname,
                              phone_mobile=spec.mobile, phone_home=spec.home,
                              phone_work=spec.work, email=spec.email, address=spec.address,
                              postcode=spec.postcode)
                s.add(row)
                s.flush()
                spec.id = row.id
            for k in fam.children:
                for prio, spec in enumerate(fam.contacts, start=1):
                    assert k.id is not None
                    assert spec.id is not None
                    s.add(PupilContact(pupil_id=k.id, contact_id=spec.id,
                                       relationship=spec.relationship, priority=prio,
                                       parental_responsibility=spec.parental_responsibility,
                                       lives_with_pupil=spec.lives_with_pupil,
                                       emergency_contact=spec.relationship != "Social worker"))
        s.flush()
        return staff_ids

    def plan_register(self, report: ProgressCallback, first_step: int, total: int) -> None:
        """Decide every mark, year by year (reports progress; nothing is written)."""
        years = len(self.spans)
        for seg in range(years):
            report(Progress(first_step + seg, total,
                            f"Planning the register for {self.spans[seg][0]}"))
            bands = self.plan_segment(seg)
            if seg == years - 1:
                self.plan_fixed_events(bands)
            for c in self.children:
                a, b = self.window(c, seg)
                if a < b:
                    out, starts = self.codes_for(c, seg, bands[c.key])
                    self._plan_follow_up(c, out, starts, bands[c.key][0])
                    self.planned.append((c, seg, out))
        report(Progress(first_step + years, total, "Protecting the staff PINs"))
        for _, _, pin in self.staff:
            if pin not in self.hashes:
                self.hashes[pin] = auth_service.hash_pin(pin)

    def register_rows(self) -> list[dict[str, object]]:
        """Every synthetic mark as a row (written by register_service.seed_history)."""
        rows: list[dict[str, object]] = []
        sys_name, sys_role = SYSTEM_ACTOR.name, SYSTEM_ACTOR.role.value
        default_code = {"AM": "/", "PM": "\\"}
        for c, seg, out in self.planned:
            a, b = self.window(c, seg)
            assert c.id is not None
            teacher = self.teacher_of[self.year_group(c, seg)]
            for j in range(a, b):
                for i in self.day_sessions[j]:
                    d, sess = self.sess[i]
                    ev = out.get(i)
                    if ev is None:
                        code, mins, comment = default_code[sess], None, ""
                        by, role, at = teacher, "teacher", None
                    else:
                        code, mins, comment = ev.code, ev.minutes, ev.comment
                        by, role, at = ev.by or teacher, ev.role or "teacher", ev.at
                    rows.append({"pupil_id": c.id, "date": d, "session": sess,
                                 "code": code, "minutes_late": mins, "comment": comment,
                                 "source": SOURCE, "entered_by": by, "entered_role": role,
                                 "entered_at": at or self.at(d, self.reg_at[sess])})
        # Planned closures inside term (INSET days, bank holidays): '#' for everyone on roll.
        for d, closed in sorted(self.cal.closures.items()):
            if not (self.hist_start <= d <= self.today) or d.weekday() >= 5 \
                    or not self.cal.in_term(d):
                continue
            for c in self.children:
                if c.admission <= d and (c.leaving is None or c.leaving >= d):
                    for sess in ("AM", "PM"):
                        if sess in closed:
                            rows.append({"pupil_id": c.id, "date": d, "session": sess,
                                         "code": "#", "minutes_late": None, "comment": "",
                                         "source": "closure", "entered_by": sys_name,
                                         "entered_role": sys_role,
                                         "entered_at": self.created_at})
        return rows

    def _plan_follow_up(self, c: _Child, out: dict[int, _Event], starts: list[int],
                        kind: str) -> None:
        """Some absences began as N and were amended once the reason was known."""
        rng = self.rng
        last_day = self.days[-1]
        for i in starts:
            d, sess = self.sess[i]
            if sess == "AM" and d < last_day and rng.random() < 0.25:
                when = self.at(d, self.policy.am.closes, rng.randint(10, 75))
                note = rng.choice(demo_names.ILLNESS_NOTES)
                self.amend.append((c, i, "I", when, note))
                out[i].by, out[i].role, out[i].at = self.office, "office", when
        if kind in ("persistent", "severe"):
            for i, ev in out.items():
                d, sess = self.sess[i]
                if ev.code == "O" and sess == "AM" and rng.random() < 0.4:
                    j = bisect.bisect_left(self.days, d) + 5
                    if j < len(self.days) - 1:
                        when = self.at(self.days[j], dt.time(15, 30))
                        self.amend.append((c, i, "O", when, ""))
                        ev.by, ev.role, ev.at = self.office, "office", when

    def write_follow_up(self, s: Session) -> list[dict[str, object]]:
        """Phone calls and leave requests; returns the amendments N -> I/O for the
        register path to write."""
        history: list[dict[str, object]] = []
        rng = self.rng
        firsts: dict[int, int | None] = {}
        for fam in self.families:
            for k in fam.children:
                assert k.id is not None
                firsts[k.id] = fam.contacts[0].id if fam.contacts else None
        late_after = self.policy.am.late_after
        for c, i, new, when, note in self.amend:
            assert c.id is not None
            d, sess = self.sess[i]
            contact = firsts[c.id]
            if new == "I":
                reason = "Parent phoned"
                s.add(CallLog(pupil_id=c.id, contact_id=contact, called_at=when
                              - dt.timedelta(minutes=5), method="phone",
                              outcome="reason given", notes=f"Parent phoned: {note}",
                              staff_name=self.office))
            else:
                reason = "No reason given within 5 school days"
                for k, outcome in enumerate(("no answer", "message left")):
                    s.add(CallLog(pupil_id=c.id, contact_id=contact,
                                  called_at=self.at(d, late_after, 40 + k * 1440),
                                  method="phone", outcome=outcome, staff_name=self.office))
            history.append(dict(
                pupil_id=c.id, date=d, session=sess, old_code="N", old_minutes_late=None,
                old_comment="", new_code=new, new_minutes_late=None, new_comment="",
                reason=reason, after_close=True, source=SOURCE, amended_at=when,
                staff_name=self.office, staff_role="office"))
        for kids, j0, j1, outcome, reason in self.leave:
            first, last = self.days[j0], self.days[j1]
            received = first - dt.timedelta(days=rng.randint(15, 40))
            for c in kids:
                assert c.id is not None
                assert c.family is not None
                parent = c.family.contacts[0] if c.family.contacts else None
                req = LeaveRequest(
                    pupil_id=c.id, requested_by=(f"{parent.forename} {parent.surname}"
                                                 if parent else "Parent"),
                    relationship=parent.relationship if parent else "", received_date=received,
                    first_date=first, last_date=last, ground="C", reason=reason,
                    is_holiday=outcome == "refused", status=outcome,
                    created_at=self.at(received, dt.time(10, 0)), created_by=self.office)
                s.add(req)
                s.flush()
                assert req.id is not None
                decided = received + dt.timedelta(days=2)
                s.add(LeaveDecision(
                    request_id=req.id, outcome=outcome,
                    granted_first_date=first if outcome == "granted" else None,
                    granted_last_date=last if outcome == "granted" else None,
                    reasons=("Exceptional circumstances" if outcome == "granted"
                             else "A family holiday is not an exceptional circumstance"),
                    decided_on=decided, decided_at=self.at(decided, dt.time(15, 45)),
                    staff_name=self.head, staff_role="head"))
        return history
