"""The facts letters are merged from, gathered in one read, and the families they go to."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    Contact,
    Pupil,
    PupilContact,
    PupilHome,
    SchoolClass,
)
from attendance_desktop.domain.calendar import Span, academic_year_name, academic_year_start
from attendance_desktop.domain.policy import Policy
from attendance_desktop.domain.stats import Counts
from attendance_desktop.services.errors import NotFound
from attendance_desktop.services.pdf import letterhead
from attendance_desktop.services.reports import stats_service
from attendance_desktop.services.school import calendar_service, policy_service, school_service


@dataclass(frozen=True, slots=True)
class FamilyLetter:
    """One letter of a batch: the children it is about and who it goes to."""

    family_key: str  # sorted pupil ids, "12,15"
    pupil_ids: tuple[int, ...]
    pupil_names: tuple[str, ...]
    addressee: str  # "Mr and Mrs Example"
    salutation: str  # "Dear Mr and Mrs Example"
    address_lines: tuple[str, ...]
    contact_ids: tuple[int, ...]
    repeat_of: dt.date | None = None  # same letter sent to these children on this date
    warnings: tuple[str, ...] = ()


# --- gathering the facts for letters -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Child:
    id: int
    forename: str
    surname: str
    dob: dt.date
    year_group: str
    class_name: str
    class_order: int = 0


@dataclass(frozen=True, slots=True)
class _Person:
    id: int
    title: str
    forename: str
    surname: str
    address: str
    postcode: str
    priority: int


@dataclass
class Facts:
    policy: Policy
    head: letterhead.Letterhead
    period: Span
    year: Span
    children: dict[int, _Child] = field(default_factory=dict)
    parents: dict[int, list[_Person]] = field(default_factory=dict)  # PR + lives with
    period_counts: dict[int, Counts] = field(default_factory=dict)
    year_counts: dict[int, Counts] = field(default_factory=dict)
    whatif: dict[int, dict[str, str]] = field(default_factory=dict)  # what-if (issue 16)


def _year_span(engine: Engine, today: dt.date) -> Span:
    year = calendar_service.year_containing(engine, today)
    if year is not None:
        return Span(year.name, year.start, year.end)
    start_year = academic_year_start(today)
    return Span(academic_year_name(start_year), dt.date(start_year, 9, 1),
                dt.date(start_year + 1, 7, 31))


def resolve_period(engine: Engine, policy: Policy, today: dt.date, kind: str = "") -> Span:
    """The monitoring period (half term, term or year) the letters report on: the same one
    the board and `alerts` band on (escalation.band_periods): the last one completed, or
    the one running when the policy bands on the current period or none has completed
    this school year yet."""
    from attendance_desktop.services import clock
    from attendance_desktop.services.trackers import alerts_service

    kind = kind or policy.monitoring_period
    year = calendar_service.year_containing(engine, today)
    if year is None:
        return _year_span(engine, today)
    if kind == "year":
        return Span(f"the school year {year.name}", year.start, year.end)
    per = alerts_service.periods(dataclasses.replace(policy, monitoring_period=kind),
                                 calendar_service.list_years(engine),
                                 calendar_service.load_calendar(engine), today,
                                 clock.now(engine))
    return per.band or Span(year.name, year.start, year.end)


def gather_facts(engine: Engine, pupil_ids: Sequence[int], today: dt.date,
            period: Span | None, period_kind: str = "") -> Facts:
    policy = policy_service.load_policy(engine)
    details = school_service.get_school(engine).details
    span = period or resolve_period(engine, policy, today, period_kind)
    facts = Facts(policy, letterhead.Letterhead.from_details(details), span,
                   _year_span(engine, today))
    ids = tuple(dict.fromkeys(pupil_ids))
    if not ids:
        return facts
    with session_scope(engine) as s:
        rows = s.exec(
            select(Pupil, SchoolClass.name, SchoolClass.sort_order)
            .join(SchoolClass, col(SchoolClass.id) == col(Pupil.class_id), isouter=True)
            .where(col(Pupil.id).in_(ids))
        ).all()
        for p, class_name, class_order in rows:
            assert p.id is not None
            facts.children[p.id] = _Child(p.id, p.preferred_forename or p.legal_forename,
                                          p.preferred_surname or p.legal_surname, p.dob,
                                          p.year_group, class_name or "", class_order or 0)
        missing = [i for i in ids if i not in facts.children]
        if missing:
            raise NotFound(f"pupil record {missing[0]} no longer exists")
        links = s.exec(
            select(PupilContact, Contact)
            .join(Contact, col(Contact.id) == col(PupilContact.contact_id))
            .where(col(PupilContact.pupil_id).in_(ids),
                   col(PupilContact.parental_responsibility).is_(True),
                   col(PupilContact.lives_with_pupil).is_(True))
            .order_by(col(PupilContact.priority), col(Contact.id))
        ).all()
        # A parent who lives with the child and has no address of their own is at the
        # child's home address (a pupil file or a CTF gives it once, for the pupil).
        homes = {h.pupil_id: h for h in s.exec(select(PupilHome).where(
            col(PupilHome.pupil_id).in_(ids)))}
        for link, c in links:
            assert c.id is not None
            address, postcode = c.address.strip(), c.postcode.strip()
            home = homes.get(link.pupil_id)
            if not (address or postcode) and home is not None:
                address, postcode = home.address.strip(), home.postcode.strip()
            facts.parents.setdefault(link.pupil_id, []).append(
                _Person(c.id, c.title.strip(), c.forename.strip(), c.surname.strip(),
                        address, postcode, link.priority))
    end = min(span.end, today)
    start = min(span.start, end)
    for f in stats_service.per_pupil(engine, start, end, stats_service.Scope(pupil_ids=ids),
                                     include_unmarked=False):
        facts.period_counts[f.pupil_id] = f.counts
    ytd_end = min(facts.year.end, today)
    for f in stats_service.per_pupil(engine, min(facts.year.start, ytd_end), ytd_end,
                                     stats_service.Scope(pupil_ids=ids),
                                     include_unmarked=False):
        facts.year_counts[f.pupil_id] = f.counts
    from attendance_desktop.services.trackers.whatif_service import letter_values
    facts.whatif = letter_values(engine, ids, today)
    return facts


# --- families and addressing ------------------------------------------------------------


def join_names(names: Sequence[str]) -> str:
    names = [n for n in names if n]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _person_name(p: _Person, *, formal: bool) -> str:
    if p.title and formal:
        return f"{p.title} {p.surname}"
    return f"{p.forename} {p.surname}".strip()


def parent_names(people: Sequence[_Person], *, for_greeting: bool = False) -> str:
    """'Mr and Mrs Example', 'Ms Example and Mr Other', or 'Jo Example' when no title."""
    if not people:
        return "Parent or Carer" if for_greeting else "The Parent or Carer"
    if (len(people) == 2 and people[0].surname.lower() == people[1].surname.lower()
            and people[0].title and people[1].title):
        return f"{people[0].title} and {people[1].title} {people[0].surname}"
    return join_names([_person_name(p, formal=True) for p in people])


def _address_key(p: _Person) -> str:
    return re.sub(r"[^a-z0-9]", "", (p.address + p.postcode).lower())


def group_families(facts: Facts, pupil_ids: Sequence[int]) -> list[list[int]]:
    """Children sharing a contact with parental responsibility who lives with them."""
    parent: dict[int, int] = {i: i for i in pupil_ids}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_contact: dict[int, int] = {}
    for pid in pupil_ids:
        for person in facts.parents.get(pid, []):
            other = by_contact.setdefault(person.id, pid)
            ra, rb = find(pid), find(other)
            if ra != rb:
                parent[rb] = ra
    groups: dict[int, list[int]] = {}
    for pid in pupil_ids:
        groups.setdefault(find(pid), []).append(pid)
    return list(groups.values())


def _child_order(facts: Facts, ids: Iterable[int]) -> list[int]:
    # eldest first, as families usually list their children
    return sorted(ids, key=lambda i: (facts.children[i].dob, facts.children[i].forename))


def family_letters(facts: Facts, ids: list[int]) -> list[FamilyLetter]:
    ids = _child_order(facts, ids)
    people: dict[int, _Person] = {}
    for pid in ids:
        for person in facts.parents.get(pid, []):
            people.setdefault(person.id, person)
    names = tuple(f"{facts.children[i].forename} {facts.children[i].surname}" for i in ids)
    family_key = ",".join(str(i) for i in sorted(ids))
    if not people:
        warning = (f"{join_names(list(names))}: no contact with parental responsibility lives with "
                   "them, so the letter is addressed to 'The Parent or Carer' with no address")
        return [FamilyLetter(family_key, tuple(ids), names, f"The Parent or Carer of "
                             f"{join_names(list(names))}", "Dear Parent or Carer", (), (),
                             warnings=(warning,))]
    # Parents who live with the children at different addresses get a letter each.
    households: dict[str, list[_Person]] = {}
    for person in sorted(people.values(), key=lambda p: (p.priority, p.id)):
        key = _address_key(person)
        if not key and households:
            key = next(iter(households))
        households.setdefault(key, []).append(person)
    out = []
    for members in households.values():
        with_address = next((m for m in members if m.address or m.postcode), None)
        lines: list[str] = [parent_names(members)]
        warnings: list[str] = []
        if with_address:
            lines += [x.strip() for x in with_address.address.replace("\r", "")
                      .replace(",", "\n").split("\n") if x.strip()]
            if with_address.postcode:
                lines.append(with_address.postcode)
        else:
            warnings.append(f"{parent_names(members)}: no address recorded")
        out.append(FamilyLetter(family_key, tuple(ids), names, parent_names(members),
                                "Dear " + parent_names(members, for_greeting=True),
                                tuple(lines), tuple(m.id for m in members),
                                warnings=tuple(warnings)))
    return out
