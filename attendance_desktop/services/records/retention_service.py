"""Retention: what is past the school's retention periods, and its removal by the head.

Register entries are kept at least 6 years from the date of the entry (The School
Attendance (Pupil Registration) (England) Regulations 2024, reg 7); the school may keep
them longer (policy `retention_years`, never below 6). An entry is past the period when
the session's date, the moment the current mark was entered and every amendment of it all
fall before the cut-off (`today` less the period; an entry made on the cut-off day itself
is kept). A leaver's personal details are due `leaver_details_retention_years` after the
leaving date, and only once none of their register entries is still kept.

Removal is the head's, in one transaction, and is recorded in the access log with counts
by academic year (the removed marks' own amendment history goes with them, so this entry
is what remains of it). Amendments and pupil changes are append-only; the triggers let a
row go only while a `RetentionPermit` covering it exists. The permit is written and
deleted inside the same transaction, so no other connection ever sees it and a failure
rolls everything back, permit included.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from attendance_desktop.db import chains
from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    CallLog,
    Contact,
    KioskEvent,
    LeaveRequest,
    LetterLog,
    Mark,
    MarkAmendment,
    PenaltyNotice,
    Pupil,
    PupilChange,
    PupilContact,
    RetentionPermit,
)
from attendance_desktop.domain.calendar import academic_year_name, academic_year_start
from attendance_desktop.domain.policy import LEGAL_REGISTER_YEARS
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.domain.wording import counted
from attendance_desktop.services import clock
from attendance_desktop.services.errors import PermissionDenied, ServiceError
from attendance_desktop.services.mail import outbox
from attendance_desktop.services.records import audit_service
from attendance_desktop.services.school import policy_service


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` earlier (29 February becomes the 28th: the earlier cut-off
    keeps an entry longer, never shorter)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True, slots=True)
class LeaverDue:
    pupil_id: int
    name: str
    leaving_date: dt.date
    marks: int  # register entries removed with the details (all past the period)


@dataclass(frozen=True, slots=True)
class RetentionReport:
    today: dt.date
    register_years: int
    leaver_years: int
    register_cutoff: dt.date  # register entries dated (and made) before this are due
    leaver_cutoff: dt.date  # leavers who left before this are due
    marks_by_year: tuple[tuple[str, int], ...]  # (academic year, marks due)
    amendments: int  # amendment rows of those marks
    leavers: tuple[LeaverDue, ...]
    leavers_held: int  # past the leaver period but with register entries still kept

    @property
    def marks(self) -> int:
        return sum(n for _, n in self.marks_by_year)

    @property
    def nothing_due(self) -> bool:
        return self.marks == 0 and not self.leavers


def _periods(s: Session) -> tuple[int, int]:
    policy = policy_service.read_policy(s)
    return (max(policy.retention_years, LEGAL_REGISTER_YEARS),
            policy.leaver_details_retention_years)


def _latest_amendment(cutoff: dt.date):  # type: ignore[no-untyped-def]
    a = MarkAmendment.__table__.c  # type: ignore[attr-defined]
    return (sa_select(a.pupil_id, a.date, a.session, func.max(a.amended_at).label("last"))
            .where(a.date < cutoff).group_by(a.pupil_id, a.date, a.session).subquery())


def _due_marks(s: Session, cutoff: dt.date, pupil_ids: Iterable[int] | None = None
               ) -> list[tuple[int, int, dt.date, str]]:
    """(mark id, pupil id, date, session) of register entries past the period."""
    m = Mark.__table__.c  # type: ignore[attr-defined]
    last = _latest_amendment(cutoff)
    start = dt.datetime.combine(cutoff, dt.time())
    q = (sa_select(m.id, m.pupil_id, m.date, m.session)
         .select_from(Mark.__table__.outerjoin(  # type: ignore[attr-defined]
             last, (last.c.pupil_id == m.pupil_id) & (last.c.date == m.date)
             & (last.c.session == m.session)))
         .where(m.date < cutoff, m.entered_at < start,
                (last.c.last.is_(None)) | (last.c.last < start)))
    if pupil_ids is not None:
        q = q.where(m.pupil_id.in_(list(pupil_ids)))
    return [(r[0], r[1], r[2], r[3]) for r in s.execute(q)]


def _amendments_of(s: Session, cells: set[tuple[int, dt.date, str]], cutoff: dt.date
                   ) -> list[int]:
    if not cells:
        return []
    rows = s.exec(select(MarkAmendment.id, MarkAmendment.pupil_id, col(MarkAmendment.date),
                         MarkAmendment.session).where(MarkAmendment.date < cutoff))
    return [r[0] for r in rows if (r[1], r[2], r[3]) in cells and r[0] is not None]


def _by_year(dates: Iterable[dt.date]) -> tuple[tuple[str, int], ...]:
    counts = Counter(academic_year_name(academic_year_start(d)) for d in dates)
    return tuple(sorted(counts.items()))


def _leavers(s: Session, leaver_cutoff: dt.date, register_cutoff: dt.date
             ) -> tuple[list[LeaverDue], int]:
    due: list[LeaverDue] = []
    held = 0
    q = select(Pupil).where(col(Pupil.leaving_date).is_not(None),
                            col(Pupil.leaving_date) < leaver_cutoff,
                            Pupil.legal_forename != REMOVED_NAME)
    for p in s.exec(q.order_by(col(Pupil.leaving_date))):
        assert p.id is not None
        assert p.leaving_date is not None
        all_marks = s.exec(select(func.count()).select_from(Mark)
                           .where(Mark.pupil_id == p.id)).one()
        removable = len(_due_marks(s, register_cutoff, [p.id]))
        if removable < all_marks:
            held += 1  # some of their register entries are still within the period
            continue
        name = f"{p.preferred_forename or p.legal_forename} {p.legal_surname}"
        due.append(LeaverDue(p.id, name, p.leaving_date, all_marks))
    return due, held


def report(engine: Engine, today: dt.date) -> RetentionReport:
    """What is past the retention periods on `today` (nothing is changed)."""
    with session_scope(engine) as s:
        reg_years, leaver_years = _periods(s)
        reg_cut, leaver_cut = years_before(today, reg_years), years_before(today, leaver_years)
        marks = _due_marks(s, reg_cut)
        cells = {(p, d, sess) for _, p, d, sess in marks}
        amendments = len(_amendments_of(s, cells, reg_cut))
        leavers, held = _leavers(s, leaver_cut, reg_cut)
        return RetentionReport(today, reg_years, leaver_years, reg_cut, leaver_cut,
                               _by_year(d for _, _, d, _ in marks), amendments,
                               tuple(leavers), held)


def _need_head(actor: Actor) -> None:
    if actor.role is not Role.HEAD:
        raise PermissionDenied("only the headteacher can remove records past their retention"
                               " period")


def confirmation_text(r: RetentionReport) -> str:
    """The question the head answers before a removal (names the counts)."""
    years = ", ".join(f"{y}: {n}" for y, n in r.marks_by_year) or "none"
    return (f"Remove {counted(r.marks, 'register entry', 'register entries')} dated before"
            f" {r.register_cutoff:%d %B %Y} ({years}) with their"
            f" {counted(r.amendments, 'amendment record', 'amendment records')}, and the"
            f" personal details of {counted(len(r.leavers), 'leaver', 'leavers')} who left"
            f" before {r.leaver_cutoff:%d %B %Y}? This cannot be undone.")


def _permit(s: Session, **kw: object) -> RetentionPermit:
    permit = RetentionPermit(**kw)  # type: ignore[arg-type]
    s.add(permit)
    s.flush()
    return permit


def _remove_marks(s: Session, marks: list[tuple[int, int, dt.date, str]],
                  cutoff: dt.date, actor: Actor, when: dt.datetime) -> list[int]:
    """Delete the due marks and their amendments; the ids of the amendments removed.

    The tamper-evident chains are told: each removed mark gets a "cleared by retention"
    entry in the mark ledger, and the removed amendments' ids go into the (chained) access
    log entry, so the register check knows these went by the head's decision."""
    cells = {(p, d, sess) for _, p, d, sess in marks}
    amendment_ids = _amendments_of(s, cells, cutoff)
    if amendment_ids:
        permit = _permit(s, table_name="markamendment", before_date=cutoff)
        for chunk in _chunks(amendment_ids):
            s.execute(delete(MarkAmendment).where(col(MarkAmendment.id).in_(chunk)))
        s.delete(permit)
    for chunk in _chunks([m[0] for m in marks]):
        s.execute(delete(Mark).where(col(Mark.id).in_(chunk)))
    chains.defer_marks(s, [(p, d, sess, "", None, "", "retention", actor.name,
                            actor.role.value, when) for _, p, d, sess in sorted(
                                marks, key=lambda m: m[0])])
    return sorted(amendment_ids)


def id_ranges(ids: Iterable[int]) -> str:
    """1,2,3,7 -> "1-3,7" (how removed ids are written into the access log)."""
    out: list[str] = []
    run: list[int] = []
    for i in sorted(set(ids)):
        if run and i == run[-1] + 1:
            run.append(i)
            continue
        if run:
            out.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
        run = [i]
    if run:
        out.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
    return ",".join(out)


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


REMOVED_NAME = "Former pupil"
REMOVED_AMENDMENTS = "removed amendment ids:"  # read back by the register check
REMOVED_PUPIL_CHANGES = "removed pupil change ids:"  # likewise


def _erase_leaver(s: Session, actor: Actor, pupil_id: int, now: dt.datetime) -> list[int]:
    """Blank a leaver's personal details; the row stays (other records point at it)."""
    p = s.get(Pupil, pupil_id)
    assert p is not None
    p.legal_forename, p.legal_surname = REMOVED_NAME, f"#{pupil_id}"
    p.preferred_forename = p.preferred_surname = ""
    p.upn = None
    p.dob = dt.date(p.dob.year, 1, 1)  # the year only, for any age figures
    p.sex = p.ethnicity = p.notes = p.leaving_reason = ""
    p.sen = "N"
    p.fsm = p.pupil_premium = p.looked_after = p.child_in_need = False
    p.eal = p.young_carer = False
    p.photo_png = None
    p.class_id = None
    s.add(p)
    links = list(s.exec(select(PupilContact).where(PupilContact.pupil_id == pupil_id)))
    for ln in links:
        s.delete(ln)
    s.flush()
    for ln in links:
        _erase_contact_if_unused(s, ln.contact_id)
    s.execute(delete(CallLog).where(col(CallLog.pupil_id) == pupil_id))
    s.execute(delete(KioskEvent).where(col(KioskEvent.pupil_id) == pupil_id))
    for req in s.exec(select(LeaveRequest).where(LeaveRequest.pupil_id == pupil_id)):
        req.requested_by, req.reason, req.evidence = "(removed)", "", ""
        s.add(req)
    for pn in s.exec(select(PenaltyNotice).where(PenaltyNotice.pupil_id == pupil_id)):
        pn.notes = ""
        s.add(pn)
    # The entry saying so is written first, so it takes a new id above the removed ones
    # (SQLite would otherwise hand a removed id out again, and the chains key on ids).
    audit_service.record_pupil_change(s, actor, pupil_id, "record", "personal details",
                                      "removed (past the retention period)",
                                      source="retention", at=now)
    s.flush()
    keep = s.exec(select(func.max(PupilChange.id)).where(
        PupilChange.pupil_id == pupil_id)).one()
    removed = [int(i) for i in s.exec(select(PupilChange.id).where(
        PupilChange.pupil_id == pupil_id, col(PupilChange.id) != keep)) if i is not None]
    permit = _permit(s, table_name="pupilchange", pupil_id=pupil_id)
    for chunk in _chunks(removed):
        s.execute(delete(PupilChange).where(col(PupilChange.id).in_(chunk)))
    s.delete(permit)
    return removed


def _erase_contact_if_unused(s: Session, contact_id: int) -> None:
    if s.exec(select(PupilContact.id).where(PupilContact.contact_id == contact_id)).first():
        return  # still a contact of a sibling on record
    c = s.get(Contact, contact_id)
    if c is None:
        return
    referenced = (s.exec(select(CallLog.id).where(CallLog.contact_id == contact_id)).first()
                  or s.exec(select(PenaltyNotice.id)
                            .where(PenaltyNotice.contact_id == contact_id)).first())
    if referenced:
        for key in ("title", "forename", "phone_mobile", "phone_home", "phone_work", "email",
                    "address", "postcode"):
            setattr(c, key, "")
        c.surname = "(removed)"
        s.add(c)
    else:
        s.delete(c)


def _erase_letters(s: Session, pupil_ids: set[int]) -> int:
    n = 0
    for row in s.exec(select(LetterLog)):
        ids = {int(x) for x in row.pupil_ids.split(",") if x.strip().isdigit()}
        if ids and ids <= pupil_ids:
            row.addressee, row.pdf = "(removed)", None
            s.add(row)
            n += 1
    return n


@dataclass(frozen=True, slots=True)
class RemovalResult:
    marks_by_year: tuple[tuple[str, int], ...]
    amendments: int
    leavers: int

    @property
    def marks(self) -> int:
        return sum(n for _, n in self.marks_by_year)

    def __str__(self) -> str:
        years = ", ".join(f"{y}: {n}" for y, n in self.marks_by_year) or "none"
        return (f"removed {counted(self.marks, 'register entry', 'register entries')}"
                f" ({years}), {counted(self.amendments, 'amendment record', 'amendment records')}"
                f" and the personal details of {counted(self.leavers, 'leaver', 'leavers')}")


def remove_due(engine: Engine, actor: Actor, today: dt.date, *, expected: RetentionReport,
               now: dt.datetime | None = None) -> RemovalResult:
    """Remove what `report(today)` lists, all in one transaction, if it still lists exactly
    what the head confirmed (`expected`); refused otherwise. Logged in the access log."""
    _need_head(actor)
    when = now or clock.now(engine)
    with session_scope(engine) as s:
        reg_years, leaver_years = _periods(s)
        reg_cut, leaver_cut = years_before(today, reg_years), years_before(today, leaver_years)
        if (reg_cut, leaver_cut) != (expected.register_cutoff, expected.leaver_cutoff):
            raise ServiceError("the retention settings changed; look at the report again")
        marks = _due_marks(s, reg_cut)
        leavers, _ = _leavers(s, leaver_cut, reg_cut)
        by_year = _by_year(d for _, _, d, _ in marks)
        if by_year != expected.marks_by_year or {x.pupil_id for x in leavers} != {
                x.pupil_id for x in expected.leavers}:
            raise ServiceError("the records past their retention period changed since the"
                               " report was shown; look at it again")
        removed_ids = _remove_marks(s, marks, reg_cut, actor, when)
        amendments = len(removed_ids)
        leaver_ids = {x.pupil_id for x in leavers}
        removed_changes: list[int] = []
        for pid in sorted(leaver_ids):
            removed_changes += _erase_leaver(s, actor, pid, when)
        letters = _erase_letters(s, leaver_ids)
        outbox.erase_for_pupils(s, leaver_ids)  # their emails too (issue 17)
        # Belt and braces: nothing within the period may have gone.
        left = s.exec(select(func.count()).select_from(RetentionPermit)).one()
        if left:
            raise ServiceError("a retention permit was left behind; nothing was removed")
        result = RemovalResult(by_year, amendments, len(leaver_ids))
        details = (f"register entries before {reg_cut.isoformat()} by year: "
                   + (", ".join(f"{y}={n}" for y, n in by_year) or "none")
                   + f"; amendment records: {amendments}; leavers' details (left before"
                   f" {leaver_cut.isoformat()}): {len(leaver_ids)}; letters: {letters}"
                   + (f"; {REMOVED_AMENDMENTS} {id_ranges(removed_ids)}"
                      if removed_ids else "")
                   + (f"; {REMOVED_PUPIL_CHANGES} {id_ranges(removed_changes)}"
                      if removed_changes else ""))
        audit_service.add_access(s, actor, "retention", "retention removal",
                                 {p for _, p, _, _ in marks} | leaver_ids, "", details, when)
        return result
