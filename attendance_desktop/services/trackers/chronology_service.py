"""A pupil's chronology (issue 16 point 6): one timeline of everything done about a child's
attendance, shared across brothers and sisters in the family view.

Two kinds of rows:
* entries of the chronology's own table (`ChronologyEntry`): notes, meetings and referrals
  or notifications, each with who it was with and its outcome. Append-only (database
  triggers, and chained in db/chains.py): nothing here edits or deletes one; a correction,
  or an outcome learned later, is a new entry whose `corrects_id` names the earlier entry.
* records read from their own tables, never copied: a marks summary per half term and per
  school week with absence, calls, letters sent, leave decisions, penalty notices and
  tracker steps.

Every row says when, who (name and role) and for which child. A family is the pupils
linked through contacts with parental responsibility (transitively: a half-brother's
mother's other child is family too). Printing and CSV are in chronology_output.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    CallLog,
    ChronologyEntry,
    Contact,
    LeaveDecision,
    LeaveRequest,
    Mark,
    Pupil,
    PupilContact,
    Staff,
)
from attendance_desktop.domain import codes
from attendance_desktop.domain.codes import Category
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.domain.stats import Counts
from attendance_desktop.services import clock
from attendance_desktop.services.errors import NotFound, PermissionDenied, ServiceError
from attendance_desktop.services.school import calendar_service
from attendance_desktop.services.trackers import tracker_service

# The chronology's own entries (stored in chronologyentry.kind).
ENTRY_KINDS: dict[str, str] = {
    "note": "Note",
    "meeting": "Meeting",
    "early_help": "Early Help referral",
    "dsl": "Concern passed to the DSL",
    "social_care": "Children's social care referral",
    "la_attendance": "Referral to the LA attendance officer",
    "cme": "Children missing education notification to the LA",
    "illness_15_day": "15-day illness notification to the LA",
}
REFERRAL_KINDS = ("early_help", "dsl", "social_care", "la_attendance", "cme",
                  "illness_15_day")
# Rows read from other records.
RECORD_KINDS: dict[str, str] = {
    "marks": "Marks summary",
    "absence_week": "Week with absence",
    "call": "Call",
    "letter": "Letter sent",
    "leave": "Leave decision",
    "penalty": "Penalty notice",
    "tracker": "Tracker step",
}
KIND_LABELS = {**RECORD_KINDS, **ENTRY_KINDS}
# The kind filter's choices, in the order a person reads them.
FILTERS: dict[str, frozenset[str]] = {
    "All kinds": frozenset(KIND_LABELS),
    "Marks": frozenset({"marks", "absence_week"}),
    "Calls": frozenset({"call"}),
    "Letters": frozenset({"letter"}),
    "Meetings": frozenset({"meeting"}),
    "Notes": frozenset({"note"}),
    "Referrals and notifications": frozenset(REFERRAL_KINDS),
    **{ENTRY_KINDS[k]: frozenset({k}) for k in REFERRAL_KINDS},
    "Leave decisions": frozenset({"leave"}),
    "Penalty notices": frozenset({"penalty"}),
    "Tracker steps": frozenset({"tracker"}),
}
WRITERS = (Role.OFFICE, Role.TEACHER, Role.HEAD)  # staff who may add entries


@dataclass(frozen=True, slots=True)
class Item:
    """One row of a timeline."""

    on: dt.date
    at: dt.datetime | None  # the moment, when the record has one
    pupil_id: int
    pupil: str  # the child's name (the family view shows several)
    kind: str  # a key of KIND_LABELS
    title: str
    with_whom: str = ""
    outcome: str = ""
    details: str = ""
    who: str = ""
    role: str = ""
    entry_id: int | None = None  # set for the chronology's own entries
    corrects_id: int | None = None
    corrected_by: tuple[int, ...] = ()
    recorded_at: dt.datetime | None = None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def who_text(self) -> str:
        return f"{self.who} ({self.role})" if self.who and self.role else self.who

    def text(self) -> str:
        """Everything searchable, lower-cased."""
        return " ".join((self.pupil, self.kind_label, self.title, self.with_whom,
                         self.outcome, self.details, self.who, self.role,
                         f"#{self.entry_id}" if self.entry_id else "")).casefold()


@dataclass(frozen=True, slots=True)
class Timeline:
    pupil_ids: tuple[int, ...]
    names: dict[int, str]
    items: tuple[Item, ...]
    family: bool = False
    total: int = 0  # rows before the filters

    def title(self) -> str:
        names = [self.names[i] for i in self.pupil_ids]
        return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]


@dataclass(frozen=True, slots=True)
class EntryInfo:
    id: int
    pupil_id: int
    kind: str
    occurred_on: dt.date
    with_whom: str
    outcome: str
    details: str
    corrects_id: int | None
    recorded_at: dt.datetime
    staff_name: str
    staff_role: str
    corrected_by: tuple[int, ...] = field(default=())

    @property
    def kind_label(self) -> str:
        return ENTRY_KINDS.get(self.kind, self.kind)


# --- writing ------------------------------------------------------------------------------


def _role_label(value: str) -> str:
    try:
        return Role(value).label
    except ValueError:
        return value


def add_entry(engine: Engine, actor: Actor, pupil_id: int, kind: str, occurred_on: dt.date,
              *, with_whom: str = "", outcome: str = "", details: str = "",
              corrects_id: int | None = None) -> int:
    """Record a note, meeting or referral; who and when come from the actor and the clock.
    Returns the new entry's id."""
    if actor.role not in WRITERS:
        raise PermissionDenied(f"{actor.role.label} users cannot add to a chronology")
    if kind not in ENTRY_KINDS:
        raise ServiceError(f"'{kind}' is not a kind of chronology entry")
    with_whom, outcome, details = with_whom.strip(), outcome.strip(), details.strip()
    if not (details or outcome):
        raise ServiceError("write what happened (the details or the outcome)")
    now = clock.now(engine)
    if occurred_on > now.date():
        raise ServiceError("an entry records what has happened: its date cannot be in the"
                           " future")
    with session_scope(engine) as s:
        if s.get(Pupil, pupil_id) is None:
            raise NotFound(f"pupil record {pupil_id} does not exist")
        if corrects_id is not None:
            earlier = s.get(ChronologyEntry, corrects_id)
            if earlier is None or earlier.pupil_id != pupil_id:
                raise ServiceError(f"entry {corrects_id} is not in this pupil's chronology")
        row = ChronologyEntry(pupil_id=pupil_id, kind=kind, occurred_on=occurred_on,
                              with_whom=with_whom, outcome=outcome, details=details,
                              corrects_id=corrects_id, recorded_at=now,
                              staff_name=actor.name, staff_role=actor.role.value)
        s.add(row)
        s.flush()
        assert row.id is not None
        return row.id


# --- reading: families ----------------------------------------------------------------------


def family_of(engine: Engine, pupil_id: int) -> list[int]:
    """The pupil and every pupil linked to them through contacts with parental
    responsibility (transitively), the pupil first, then by date of birth. Reads only the
    family's links (indexed), whatever the size of the school."""
    pr = col(PupilContact.parental_responsibility).is_(True)
    with session_scope(engine) as s:
        seen, frontier = {pupil_id}, {pupil_id}
        while frontier:
            contacts = set(s.exec(select(PupilContact.contact_id).where(
                col(PupilContact.pupil_id).in_(frontier), pr)))
            if not contacts:
                break
            frontier = set(s.exec(select(PupilContact.pupil_id).where(
                col(PupilContact.contact_id).in_(contacts), pr))) - seen
            seen |= frontier
        dobs = dict(s.exec(select(Pupil.id, col(Pupil.dob)).where(col(Pupil.id).in_(seen))).all())
    others = sorted((i for i in seen if i != pupil_id and i in dobs),
                    key=lambda i: (dobs[i], i))
    return [pupil_id, *others]


def _names(s: Session, ids: Iterable[int]) -> dict[int, str]:
    rows = s.exec(select(Pupil).where(col(Pupil.id).in_(list(ids)))).all()
    return {p.id: f"{p.preferred_forename or p.legal_forename} "
                  f"{p.preferred_surname or p.legal_surname}" for p in rows if p.id is not None}


def _staff_roles(s: Session) -> dict[str, str]:
    """Name -> role label, for records that keep only a name (calls, notices)."""
    out: dict[str, str] = {}
    for name, role in s.exec(select(Staff.name, Staff.role)):
        out[name] = "" if name in out else _role_label(role)  # two staff of one name: unsure
    return out


# --- reading: the rows -----------------------------------------------------------------------


def _entry_items(s: Session, ids: Sequence[int], names: dict[int, str]) -> list[Item]:
    rows = s.exec(select(ChronologyEntry).where(col(ChronologyEntry.pupil_id).in_(ids))).all()
    later: dict[int, list[int]] = {}
    for r in rows:
        if r.corrects_id is not None and r.id is not None:
            later.setdefault(r.corrects_id, []).append(r.id)
    out = []
    for r in rows:
        assert r.id is not None
        title = ENTRY_KINDS.get(r.kind, r.kind)
        if r.corrects_id is not None:
            title += f" (corrects entry #{r.corrects_id})"
        if r.id in later:
            title += f" (corrected by #{', #'.join(str(i) for i in sorted(later[r.id]))})"
        out.append(Item(r.occurred_on, None, r.pupil_id, names[r.pupil_id], r.kind, title,
                        r.with_whom, r.outcome, r.details, r.staff_name,
                        _role_label(r.staff_role), r.id, r.corrects_id,
                        tuple(sorted(later.get(r.id, ()))), r.recorded_at))
    return out


def _call_items(s: Session, ids: Sequence[int], names: dict[int, str],
                roles: dict[str, str]) -> list[Item]:
    rows = s.exec(select(CallLog, Contact).join(
        Contact, col(Contact.id) == col(CallLog.contact_id), isouter=True).where(
        col(CallLog.pupil_id).in_(ids))).all()
    return [Item(c.called_at.date(), c.called_at, c.pupil_id, names[c.pupil_id], "call",
                 f"Call ({c.method})",
                 f"{who.forename} {who.surname}".strip() if who is not None else "",
                 c.outcome, c.notes, c.staff_name, roles.get(c.staff_name, ""))
            for c, who in rows]


def _leave_items(s: Session, ids: Sequence[int], names: dict[int, str]) -> list[Item]:
    rows = s.exec(select(LeaveDecision, LeaveRequest).join(
        LeaveRequest, col(LeaveRequest.id) == col(LeaveDecision.request_id)).where(
        col(LeaveRequest.pupil_id).in_(ids))).all()
    out = []
    for d, r in rows:
        asked = f"{r.first_date:%d %b %Y} {r.first_session} to {r.last_date:%d %b %Y} " \
                f"{r.last_session}, ground {r.ground}"
        granted = ""
        if d.granted_first_date and d.granted_last_date:
            granted = (f"; granted {d.granted_first_date:%d %b %Y} {d.granted_first_session}"
                       f" to {d.granted_last_date:%d %b %Y} {d.granted_last_session}")
        out.append(Item(d.decided_on, d.decided_at, r.pupil_id, names[r.pupil_id], "leave",
                        f"Leave request: {d.outcome.replace('_', ' ')}", r.requested_by,
                        d.outcome.replace("_", " "),
                        "; ".join(x for x in (asked + granted, d.reasons, d.conditions) if x),
                        d.staff_name, _role_label(d.staff_role)))
    return out


def _other_items(engine: Engine, ids: Sequence[int], names: dict[int, str],
                 roles: dict[str, str]) -> list[Item]:
    """Tracker steps, penalty notices and letters, read through their own services."""
    from attendance_desktop.services.letters import letter_service  # the letters log's reader

    out: list[Item] = []
    letters_seen: set[int] = set()
    for pid in ids:
        for h in tracker_service.history(engine, pid):
            out.append(Item(h.at.date(), h.at, pid, names[pid], "tracker", h.label,
                            details=h.details, who=h.staff_name,
                            role=_role_label(h.staff_role),
                            outcome=f"due {h.due_date:%d %b %Y}" if h.due_date else ""))
        for n in tracker_service.notices_for(engine, pid):
            status = n.status + (f" on {n.status_date:%d %b %Y}" if n.status_date else "")
            out.append(Item(n.issued_on, None, pid, names[pid], "penalty",
                            f"Penalty notice issued (£{n.amount})", n.parent, status, n.notes,
                            n.staff_name, roles.get(n.staff_name, "")))
        for x in letter_service.letters_for_pupil(engine, pid):
            if x.id in letters_seen:
                continue  # a family letter once in the family view
            letters_seen.add(x.id)
            children = [i for i in x.pupil_ids if i in names]
            out.append(Item(x.sent_on, None, children[0] if children else pid,
                            ", ".join(names[i] for i in children) or names[pid], "letter",
                            f"Letter: {x.title}", x.addressee, "sent", "", x.staff_name,
                            roles.get(x.staff_name, "")))
    return out


def _mark_items(engine: Engine, s: Session, ids: Sequence[int], names: dict[int, str],
                today: dt.date) -> list[Item]:
    """A line per half term with marks (its figures) and per school week with absence,
    tallied from one read of the pupils' marks (no query per half term)."""
    spans = sorted(((span, year.name) for year in calendar_service.list_years(engine)
                    for span in year.half_terms if span.start <= today),
                   key=lambda x: x[0].start)
    starts = [span.start for span, _ in spans]
    tally: dict[tuple[int, int], dict[Category, int]] = {}  # (pupil, span index) -> counts
    late: dict[tuple[int, int], int] = {}
    absent: dict[tuple[int, dt.date], list[tuple[dt.date, str, str]]] = {}
    for pid, day, session, code in s.exec(select(Mark.pupil_id, col(Mark.date), Mark.session,
                                                 Mark.code).where(
            col(Mark.pupil_id).in_(ids), Mark.date <= today)):
        try:
            category = codes.lookup(code).category
        except codes.CodeError:
            continue
        if category in (Category.AUTHORISED, Category.UNAUTHORISED):
            monday = day - dt.timedelta(days=day.weekday())
            absent.setdefault((pid, monday), []).append((day, session, code))
        i = bisect_right(starts, day) - 1
        if i >= 0 and day <= spans[i][0].end:
            counts = tally.setdefault((pid, i), dict.fromkeys(Category, 0))
            counts[category] += 1
            late[(pid, i)] = late.get((pid, i), 0) + (code.upper() in ("L", "U"))
    out: list[Item] = []
    for (pid, monday), cells in absent.items():
        cells.sort()
        listed = ", ".join(f"{d:%a} {sess} {code}" for d, sess, code in cells)
        out.append(Item(monday + dt.timedelta(days=4), None, pid, names[pid], "absence_week",
                        f"Week of {monday:%d %b %Y}: {len(cells)} session"
                        f"{'s' if len(cells) != 1 else ''} absent", details=listed,
                        who="Register", role="marks"))
    for (pid, i), n in tally.items():
        c = Counts(n[Category.PRESENT], n[Category.APPROVED], n[Category.AUTHORISED],
                   n[Category.UNAUTHORISED], n[Category.NOT_COUNTED])
        if c.possible == 0:
            continue
        span, year_name = spans[i]
        end = min(span.end, today)
        so_far = " so far" if end < span.end else ""
        out.append(Item(end, None, pid, names[pid], "marks",
                        f"{span.name} {year_name}{so_far}: attendance "
                        f"{c.attendance_pct_1dp()}%",
                        details=f"{c.possible} possible sessions, {c.absent} absent"
                                f" ({c.authorised} authorised, {c.unauthorised} unauthorised),"
                                f" {late[(pid, i)]} late",
                        who="Register", role="marks"))
    return out


def _order(item: Item) -> tuple[dt.date, dt.datetime, int, str]:
    moment = item.at or item.recorded_at or dt.datetime.combine(item.on, dt.time(23, 59))
    rank = 1 if item.kind in ("marks", "absence_week") else 0  # summaries after the day's acts
    return (item.on, moment if rank == 0 else dt.datetime.max, item.pupil_id, item.title)


def matches(item: Item, text: str, kinds: Collection[str] | None) -> bool:
    """The search: every word of `text` somewhere in the row, and the kind among `kinds`."""
    if kinds is not None and item.kind not in kinds:
        return False
    hay = item.text()
    return all(word in hay for word in text.casefold().split())


def timeline(engine: Engine, pupil_id: int, *, family: bool = False, text: str = "",
             kinds: Collection[str] | None = None) -> Timeline:
    """The pupil's (or the family's) chronology in date order, oldest first."""
    ids = family_of(engine, pupil_id) if family else [pupil_id]
    today = clock.now(engine).date()
    with session_scope(engine) as s:
        names = _names(s, ids)
        if pupil_id not in names:
            raise NotFound(f"pupil record {pupil_id} does not exist")
        roles = _staff_roles(s)
        items = _entry_items(s, ids, names) + _call_items(s, ids, names, roles) \
            + _leave_items(s, ids, names) + _mark_items(engine, s, ids, names, today)
    items += _other_items(engine, ids, names, roles)
    items.sort(key=_order)
    shown = tuple(i for i in items if matches(i, text, kinds))
    return Timeline(tuple(ids), names, shown, family, len(items))


def entry(engine: Engine, entry_id: int) -> EntryInfo:
    with session_scope(engine) as s:
        r = s.get(ChronologyEntry, entry_id)
        if r is None:
            raise NotFound(f"chronology entry {entry_id} does not exist")
        later = tuple(sorted(i for i in s.exec(select(ChronologyEntry.id).where(
            ChronologyEntry.corrects_id == entry_id)) if i is not None))
        return _info(r, later)


def _info(r: ChronologyEntry, later: tuple[int, ...]) -> EntryInfo:
    assert r.id is not None
    return EntryInfo(r.id, r.pupil_id, r.kind, r.occurred_on, r.with_whom, r.outcome,
                     r.details, r.corrects_id, r.recorded_at, r.staff_name, r.staff_role,
                     later)


def entries_between(engine: Engine, kinds: Collection[str], start: dt.date, end: dt.date,
                    *, latest_only: bool = True) -> list[EntryInfo]:
    """Entries of the given kinds dated start..end for every pupil (the LA termly return).
    With latest_only, an entry that a later entry corrects is left out (the correction
    stands in its place)."""
    unknown = set(kinds) - set(ENTRY_KINDS)
    if unknown:
        raise ServiceError(f"not kinds of chronology entry: {', '.join(sorted(unknown))}")
    with session_scope(engine) as s:
        corrected: dict[int, list[int]] = {}
        for rid, cid in s.exec(select(ChronologyEntry.id, ChronologyEntry.corrects_id).where(
                col(ChronologyEntry.corrects_id).is_not(None))):
            corrected.setdefault(int(cid), []).append(int(rid))  # type: ignore[arg-type]
        rows = s.exec(select(ChronologyEntry).where(
            col(ChronologyEntry.kind).in_(list(kinds)), ChronologyEntry.occurred_on >= start,
            ChronologyEntry.occurred_on <= end).order_by(
            col(ChronologyEntry.occurred_on), col(ChronologyEntry.id))).all()
        out = [_info(r, tuple(sorted(corrected.get(r.id or 0, ())))) for r in rows]
    return [e for e in out if not (latest_only and e.corrected_by)]
