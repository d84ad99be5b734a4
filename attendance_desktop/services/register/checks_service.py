"""Data checks: things in the register and pupil records that need fixing, each with the
place to fix it (a register cell or a pupil record)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from attendance_desktop.db import queries
from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Closure, Mark, Pupil, PupilContact, SchoolClass
from attendance_desktop.domain import upn as upn_rules
from attendance_desktop.services.register.mark_rules import register_closed
from attendance_desktop.services.school.calendar_service import read_calendar, year_containing
from attendance_desktop.services.school.policy_service import read_policy

KINDS = {
    "missing": "Missing mark",
    "closure_mark": "Mark on a closure day",
    "future": "Mark in the future",
    "upn": "UPN missing or invalid",
    "contacts": "Fewer than two emergency contacts",
}
MAX_PER_KIND = 2000  # listing more helps nobody; totals still count them all


@dataclass(frozen=True, slots=True)
class CheckItem:
    kind: str  # a key of KINDS
    pupil_id: int
    pupil_name: str
    class_name: str
    detail: str
    day: dt.date | None = None  # set for register problems: "go there" opens the cell
    session: str = ""

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


@dataclass(frozen=True, slots=True)
class ChecksResult:
    items: tuple[CheckItem, ...]
    totals: dict[str, int] = field(default_factory=dict)
    since: dt.date | None = None


def run_checks(engine: Engine, now: dt.datetime, since: dt.date | None = None) -> ChecksResult:
    """Run every check. Missing marks are looked for from `since` (default: the start of the
    academic year) up to the last session whose register has closed."""
    today = now.date()
    if since is None:
        year = year_containing(engine, today)
        since = year.start if year else today
    items: list[CheckItem] = []
    totals = dict.fromkeys(KINDS, 0)

    def add(item: CheckItem) -> None:
        totals[item.kind] += 1
        if totals[item.kind] <= MAX_PER_KIND:
            items.append(item)

    with session_scope(engine) as s:
        policy = read_policy(s)
        calendar = read_calendar(s)
        classes = {c.id: c.name for c in s.exec(select(SchoolClass))}
        pupils = {p.id: p for p in s.exec(select(Pupil).where(
            queries.not_left_before(since)))
            if p.id is not None}

        def who(pid: int) -> tuple[str, str]:
            p = pupils[pid]
            return (f"{p.legal_surname}, {p.preferred_forename or p.legal_forename}",
                    classes.get(p.class_id, "") if p.class_id else "")

        # missing marks
        sessions = [(d, ss) for d, ss in calendar.sessions(since, today)
                    if register_closed(policy, d, ss, now)]
        marked = {(pid, d, ss) for pid, d, ss in s.exec(select(
            col(Mark.pupil_id), col(Mark.date), col(Mark.session)).where(Mark.date >= since,
                                                          Mark.date <= today))}
        for pid in sorted(pupils, key=lambda i: who(i)):
            p = pupils[pid]
            for d, ss in sessions:
                if (queries.is_on_roll(p.admission_date, p.leaving_date, d)
                        and (pid, d, ss) not in marked):
                    add(CheckItem("missing", pid, *who(pid), "no mark entered", d, ss))
        # marks on closure days that are not the closure's code
        closures = s.exec(select(Closure).where(Closure.date >= since)).all()
        for c in closures:
            if not calendar.in_term(c.date) or c.date.weekday() >= 5:
                continue
            q = select(Mark).where(Mark.date == c.date, Mark.code != c.code)
            if c.session != "DAY":
                q = q.where(Mark.session == c.session)
            for m in s.exec(q):
                if m.pupil_id in pupils:
                    add(CheckItem("closure_mark", m.pupil_id, *who(m.pupil_id),
                                  f"{m.code} on a closure ({c.description or c.kind}); "
                                  f"expected {c.code}", m.date, m.session))
        # marks in the future
        # The app's own closure marks ('#' written when a closure is set) are planned,
        # not entered early: they are not reported.
        future = s.exec(select(Mark).where(Mark.date > today).where(
            ~((col(Mark.source) == "closure") & (col(Mark.code) == "#")))
            .order_by(col(Mark.date))).all()
        for m in future:
            if m.pupil_id in pupils:
                add(CheckItem("future", m.pupil_id, *who(m.pupil_id),
                              f"{m.code} entered {m.entered_at:%d %b %Y} by {m.entered_by}"
                              f" ({m.source})", m.date, m.session))
        # pupil records (those on roll today)
        contacts = dict(s.exec(select(col(PupilContact.pupil_id), func.count()).where(
            PupilContact.emergency_contact).group_by(col(PupilContact.pupil_id))).all())
        for pid in sorted(pupils, key=lambda i: who(i)):
            p = pupils[pid]
            if not queries.is_on_roll(p.admission_date, p.leaving_date, today):
                continue
            if not p.upn:
                add(CheckItem("upn", pid, *who(pid), "no UPN recorded"))
            else:
                problem = upn_rules.problem(p.upn)
                if problem:
                    add(CheckItem("upn", pid, *who(pid), problem))
            n = int(contacts.get(pid, 0))
            if n < 2:
                add(CheckItem("contacts", pid, *who(pid),
                              f"{n} emergency contact{'s' if n != 1 else ''} recorded"))
    return ChecksResult(tuple(items), totals, since)
