"""The local authority's termly return (policies.md §2 and §6): what the school tells
the LA about a term.

- pupils with `la_termly_unauthorised_days` (10 by default) or more school days of
  unauthorised absence in the term;
- the notifications the school made in the term: children missing education (20 school
  days, not back after leave), illness expected to reach 15 school days, 10 days in a
  row, the termly unauthorised return — as recorded against the trackers' flags or as
  entries in the pupil's chronology (CME and 15-day illness notifications, referrals to
  the LA attendance officer);
- penalty notices considered (the head's decisions) and issued, with their dates.

One SQL aggregate for the unauthorised sessions; the rest are small reads of the
tracker history and the notices. Pure data; pack_pdf draws it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    Contact,
    Mark,
    PenaltyNotice,
    Pupil,
    SchoolClass,
    TrackerEvent,
)
from attendance_desktop.domain import codes
from attendance_desktop.domain.calendar import Span
from attendance_desktop.domain.escalation import FLAG_LABELS
from attendance_desktop.services.csv_safe import safe_row
from attendance_desktop.services.reports import stats_service
from attendance_desktop.services.reports.packs import one_dp
from attendance_desktop.services.school import policy_service, school_service
from attendance_desktop.services.trackers import chronology_service

# The flags whose recorded action is a notification to the LA.
LA_NOTIFICATIONS = ("missing_20_days", "not_back_after_leave", "illness_15_days",
                    "absent_10_days", "termly_unauthorised")
PN_DECISION_LABELS = {
    "issue": "Issue a penalty notice",
    "notice_to_improve": "Notice to Improve first",
    "support": "More support first",
    "other_route": "Another legal route",
    "no_action": "No notice",
}
# Chronology entries that are notifications or referrals to the LA.
CHRONOLOGY_NOTIFICATIONS = ("cme", "illness_15_day", "la_attendance")
_UNAUTHORISED = tuple(sorted(codes.UNAUTHORISED_CODES))


@dataclass(frozen=True, slots=True)
class UnauthorisedRow:
    pupil_id: int
    name: str
    upn: str
    dob: dt.date
    year_group: str
    class_name: str
    unauthorised_days: float
    attendance_pct: float | None


@dataclass(frozen=True, slots=True)
class EventRow:
    on: dt.date
    pupil_id: int
    name: str
    what: str
    details: str
    by: str


@dataclass(frozen=True, slots=True)
class NoticeRow:
    issued_on: dt.date
    pupil_id: int
    name: str
    parent: str
    amount: int
    status: str


@dataclass(frozen=True, slots=True)
class LaReturn:
    school: str
    urn: str
    local_authority: str
    term: Span
    threshold_days: int
    unauthorised: tuple[UnauthorisedRow, ...]
    notifications: tuple[EventRow, ...]
    considered: tuple[EventRow, ...]
    issued: tuple[NoticeRow, ...]


def _names(engine: Engine) -> dict[int, tuple[str, str, dt.date, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(select(
            Pupil.id, Pupil.preferred_forename, Pupil.legal_forename,  # type: ignore[call-overload]
            Pupil.legal_surname, Pupil.upn, Pupil.dob, Pupil.year_group, SchoolClass.name)
            .select_from(Pupil).outerjoin(SchoolClass, SchoolClass.id == Pupil.class_id))
        return {r[0]: (f"{r[1] or r[2]} {r[3]}", r[4] or "", r[5], r[6], r[7] or "")
                for r in rows}


def build_la_return(engine: Engine, term: Span) -> LaReturn:
    policy = policy_service.load_policy(engine)
    school = school_service.get_school(engine).details
    names = _names(engine)
    threshold_sessions = 2 * policy.la_termly_unauthorised_days
    with engine.connect() as conn:
        heavy = dict(conn.execute(
            select(col(Mark.pupil_id), func.count())
            .where(and_(col(Mark.date) >= term.start, col(Mark.date) <= term.end,
                        col(Mark.code).in_(_UNAUTHORISED)))
            .group_by(col(Mark.pupil_id)).having(func.count() >= threshold_sessions)).all())
    figures = {p.pupil_id: p for p in stats_service.per_pupil(
        engine, term.start, term.end, stats_service.Scope(pupil_ids=tuple(heavy)))} \
        if heavy else {}
    unauthorised = []
    for pid, sessions in heavy.items():
        name, upn, dob, year, cls = names[pid]
        pct = figures[pid].counts.attendance_pct_1dp() if pid in figures else None
        unauthorised.append(UnauthorisedRow(pid, name, upn, dob, year, cls, sessions / 2, pct))
    unauthorised.sort(key=lambda r: (-r.unauthorised_days, r.name))

    start = dt.datetime.combine(term.start, dt.time.min)
    end = dt.datetime.combine(term.end, dt.time.max)
    notifications: list[EventRow] = []
    considered: list[EventRow] = []
    issued: list[NoticeRow] = []
    with session_scope(engine) as s:
        events = s.execute(
            select(TrackerEvent).where(col(TrackerEvent.at) >= start, col(TrackerEvent.at) <= end)
            .order_by(col(TrackerEvent.at), col(TrackerEvent.id))).scalars()
        for e in events:
            who = f"{e.staff_name} ({e.staff_role})" if e.staff_role else e.staff_name
            name = names.get(e.pupil_id, ("?",))[0]
            if e.tracker == "flags" and e.kind == "action" and e.value in LA_NOTIFICATIONS:
                notifications.append(EventRow(e.at.date(), e.pupil_id, name,
                                              FLAG_LABELS[e.value], e.details, who))
            elif e.tracker == "penalty" and e.kind == "decision":
                considered.append(EventRow(e.at.date(), e.pupil_id, name,
                                           PN_DECISION_LABELS.get(e.value, e.value),
                                           "", who))
        for e in chronology_service.entries_between(engine, CHRONOLOGY_NOTIFICATIONS,
                                                    term.start, term.end):
            said = "; ".join(x for x in (e.with_whom and f"with {e.with_whom}", e.outcome,
                                         e.details) if x)
            notifications.append(EventRow(e.occurred_on, e.pupil_id,
                                          names.get(e.pupil_id, ("?",))[0], e.kind_label,
                                          said, f"{e.staff_name} ({e.staff_role})"))
        notifications.sort(key=lambda e: (e.on, e.name))
        for n, title, forename, surname in s.execute(
                select(PenaltyNotice, Contact.title, Contact.forename,  # type: ignore[call-overload]
                       Contact.surname).join(
                    Contact, Contact.id == PenaltyNotice.contact_id).where(
                    PenaltyNotice.issued_on >= term.start,
                    PenaltyNotice.issued_on <= term.end).order_by(PenaltyNotice.issued_on)):
            parent = " ".join(p for p in (title, forename, surname) if p)
            issued.append(NoticeRow(n.issued_on, n.pupil_id, names[n.pupil_id][0], parent,
                                    n.amount, n.status))
    return LaReturn(school.name, school.urn, school.local_authority, term,
                    policy.la_termly_unauthorised_days, tuple(unauthorised),
                    tuple(notifications), tuple(considered), tuple(issued))


def la_return_csv(r: LaReturn) -> str:
    """One CSV with a section per part (a title row, a header row, the rows), for the
    LA's own spreadsheet; cells are made safe for spreadsheets (csv_safe)."""

    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(safe_row([f"LA termly return: {r.school}", f"URN {r.urn}", r.term.name,
                         f"{r.term.start:%d/%m/%Y}", f"{r.term.end:%d/%m/%Y}"]))
    w.writerow([])
    w.writerow(safe_row([f"Pupils with {r.threshold_days} or more school days of "
                         "unauthorised absence"]))
    w.writerow(["UPN", "Name", "Date of birth", "Year group", "Class",
                "Unauthorised school days", "Attendance %"])
    for u in r.unauthorised:
        w.writerow(safe_row([u.upn, u.name, f"{u.dob:%d/%m/%Y}", u.year_group, u.class_name,
                             f"{u.unauthorised_days:g}",
                             one_dp(u.attendance_pct)]))
    for title, rows in (("Notifications to the local authority", r.notifications),
                        ("Penalty notices considered", r.considered)):
        w.writerow([])
        w.writerow([title])
        w.writerow(["Date", "Name", "What", "Details", "By"])
        for e in rows:
            w.writerow(safe_row([f"{e.on:%d/%m/%Y}", e.name, e.what, e.details, e.by]))
    w.writerow([])
    w.writerow(["Penalty notices issued"])
    w.writerow(["Issued", "Pupil", "Parent", "Amount (£)", "Status"])
    for n in r.issued:
        w.writerow(safe_row([f"{n.issued_on:%d/%m/%Y}", n.name, n.parent, str(n.amount),
                             n.status]))
    return out.getvalue()
