"""The demo generator's building blocks, kept in memory before one write: the people and
events it makes, and the state every part of the generator shares (the calendar, sessions,
random numbers)."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from attendance_desktop.domain.calendar import (
    SchoolCalendar,
    TermDates,
    academic_year_start,
    default_term_dates,
)
from attendance_desktop.domain.policy import Policy
from attendance_desktop.domain.progress import Progress
from attendance_desktop.domain.roles import Role
from attendance_desktop.services.demo import demo_names

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
ABSENT_CODES = frozenset({"G", "C", "N", "O", "U", "I", "M"})

ProgressCallback = Callable[[Progress], None]


@dataclass(eq=False)
class ContactSpec:
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
class Family:
    surname: str
    fsm: bool
    pupil_premium: bool
    eal: bool
    background: demo_names.Background
    children: list[Child] = field(default_factory=list)
    contacts: list[ContactSpec] = field(default_factory=list)


@dataclass(eq=False)
class Child:
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
    family: Family | None = None
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
class Event:
    code: str
    minutes: int | None = None
    comment: str = ""
    by: str = ""
    role: str = ""
    at: dt.datetime | None = None


def ascii_key(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def seasonal_weight(day: dt.date) -> float:
    if day.month in (11, 12, 1, 2, 3):
        return 3.0
    if day.month in (10, 4):
        return 1.5
    return 1.0


class GeneratorState:
    """What the people and register parts of the generator share."""

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
        self.weights = [seasonal_weight(d) for d in self.days]
        am, pm = policy.am, policy.pm
        self.reg_at = {
            "AM": self._plus(am.marking_starts, 10, am.late_after),
            "PM": self._plus(pm.marking_starts, 10, pm.late_after),
        }
        self.l_max = max(1, am.open_minutes())
        self.children: list[Child] = []
        self.families: list[Family] = []
        self.staff: list[tuple[str, str, str]] = []
        self.teacher_of: dict[str, str] = {}
        self.office = demo_names.STAFF_NAMES["office1"]
        self.head = demo_names.STAFF_NAMES["head"]
        self.events: dict[int, dict[int, Event]] = {}  # child key -> session -> event
        self.amend: list[tuple[Child, int, str, dt.datetime, str]] = []
        self.leave: list[tuple[list[Child], int, int, str, str]] = []
        self.mobiles = self._pool("07700 900")
        self.landlines = self._pool("01632 960")
        self.email_no = itertools.count(1)
        self.class_ids: dict[str, int] = {}
        self._terms: dict[int, TermDates] = {}
        self.planned: list[tuple[Child, int, dict[int, Event]]] = []
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

    def current(self) -> list[Child]:
        return [c for c in self.children if c.leaving is None]

    def single_current(self, exclude: set[int] | None = None) -> list[Child]:
        skip = exclude or set()
        return [c for c in self.current() if c.family is not None
                and len(c.family.children) == 1 and c.key not in skip]

    def window(self, c: Child, seg: int) -> tuple[int, int]:
        """Day indices [a, b) when the child is on roll inside a history segment."""
        s0, s1 = self.seg_days[seg]
        a = max(s0, bisect.bisect_left(self.days, c.admission))
        end = c.leaving if c.leaving is not None else self.last
        b = min(s1, bisect.bisect_right(self.days, end))
        return a, max(a, b)

    def year_group(self, c: Child, seg: int) -> str:
        g = academic_year_start(self.spans[seg][1]) - c.entry_year
        return YEAR_GROUPS[max(0, min(6, g))]
