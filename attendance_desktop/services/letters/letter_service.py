"""Letters to families: templates, merge, batches, the letters log.

Public API (used by the Letters screen, leave of absence and the trackers):

* `LETTER_KEYS`, `DEFAULTS` (ready-made texts, `letter_templates.TemplateDef`),
  `MERGE_FIELDS` (name -> description), `check_template(body, family=False) -> list[str]`.
  Caller-supplied values are written `{extra:name}` in a template and passed as
  `extra={"name": "..."}`; meeting details go in `extra` as `meeting_date`, `meeting_time`,
  `meeting_place`. `inputs_needed(key)` lists what a template needs from the caller.
  Extras the ready-made wording uses: `leave_granted` leave_dates, sessions_granted,
  conditions (may be ""); `leave_refused` leave_dates, reasons (may be "");
  `first_day_absence` absence_date; `explanation_request` and `signed_letter_request`
  absence_dates; `certificate_personal_target` personal_target; the panel, meeting and
  contract letters meeting_date, meeting_time, meeting_place. A school's edited wording
  may use others: always ask `inputs_needed`.
* Templates live in the `LetterTemplate` table, seeded from the defaults on first use:
  `list_templates` (the school's preset's letters, then the shared ones), `get_template`,
  `save_template` (refused with the problems when a field is unknown), `reset_template`
  (back to the ready-made wording). Edits are recorded in `SettingChange` (area
  "letters": who, when, old and new text).
* `render_family_letter(engine, key, pupil_ids, *, today, extra=None, period=None) -> bytes`
  one PDF for one family (nothing recorded): brothers and sisters share one letter when the
  template is a family letter, otherwise each child has their own pages in the one PDF.
* `plan_batch(engine, key, pupil_ids, *, today, extra=None, period=None, include=None,
  guard=True) -> BatchPlan` first leaves out the pupils the letter does not fit (its
  `letter_rules.Condition`: band over the letter's period, comparison with the period
  before, certificate threshold, lateness level, off roll on the letter date), listing them
  in `BatchPlan.unfit` with why; `include={pupil_id: reason}` keeps them in
  (`BatchPlan.included`), which only the headteacher may send and `run_batch` records in
  the access log. `record_letter` (one letter chosen from a case or a leave decision) does
  not apply the guard. It then groups pupils into families (children who share a contact
  with parental responsibility living with them), addresses each letter to the contacts
  with parental responsibility who live with the children, and flags families sent the
  same letter within
  `Policy.letter_repeat_days` (`FamilyLetter.repeat_of`).
* `run_batch(engine, actor, plan, *, today, out_dir, cancel, include_repeats=False)`: a
  generator yielding `Progress`; returns a `BatchResult` (paths and counts). Writes one PDF
  per letter and one combined PDF into a new folder inside `out_dir`, and records every
  letter in `LetterLog` (type, pupils, addressee, date, who, PDF) in one transaction at the
  end, so a cancelled batch records nothing and leaves no files.
* `letters_for_pupil(engine, pupil_id)`, `list_letters(engine, ...)`,
  `letter_pdf(engine, log_id) -> bytes`.
* `preview_pupil(engine, key, today) -> (pupil_id, note)`: who a wording preview is laid
  out for (a pupil the letter fits; when none does, a note says why).
* `letter_pages(...)` returns the same letter as page operations for the GUI to paint
  (preview and printing through QPrinter) exactly as the PDF is laid out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    Contact,
    LetterLog,
    LetterTemplate,
    Pupil,
    PupilContact,
    PupilHome,
    SchoolClass,
    SettingChange,
)
from attendance_desktop.domain.calendar import Span, academic_year_name, academic_year_start
from attendance_desktop.domain.policy import Policy
from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.domain.stats import Counts
from attendance_desktop.services.errors import NotFound, PermissionDenied, ServiceError
from attendance_desktop.services.letters import letter_batch, letter_rules
from attendance_desktop.services.letters.letter_templates import (
    CHILD_FIELDS,
    DEFAULTS,
    DIRECTIVE_RE,
    EXTRA_RE,
    LETTER_KEYS,
    MERGE_FIELDS,
    TemplateDef,
    check_template,
    extras_in,
    fields_in,
    for_preset,
    substitute,
)
from attendance_desktop.services.letters.letter_templates import inputs_needed as _inputs_needed
from attendance_desktop.services.pdf import letterhead as lh
from attendance_desktop.services.records import audit_service
from attendance_desktop.services.reports import stats_service
from attendance_desktop.services.school import calendar_service, policy_service, school_service
from attendance_desktop.services.trackers import alerts_service

__all__ = [
    "DEFAULTS",
    "LETTER_KEYS",
    "MERGE_FIELDS",
    "BatchPlan",
    "BatchResult",
    "FamilyLetter",
    "LetterLogEntry",
    "PupilChoice",
    "TemplateInfo",
    "bands",
    "check_template",
    "get_template",
    "inputs_needed",
    "letter_pages",
    "letter_pdf",
    "letters_for_pupil",
    "list_letters",
    "list_templates",
    "plan_batch",
    "plan_pages",
    "preview_wording",
    "pupil_choices",
    "render_family_letter",
    "reset_template",
    "run_batch",
    "save_template",
]

SENDER_ROLES = (Role.OFFICE, Role.HEAD, Role.SYSTEM)


# --- results --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TemplateInfo:
    key: str
    title: str
    body: str
    layout: str
    family: bool
    description: str
    is_default: bool  # the ready-made wording, unchanged
    updated_at: dt.datetime | None
    updated_by: str
    inputs: tuple[str, ...]  # meeting fields and extras the caller must supply


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


@dataclass(frozen=True, slots=True)
class BatchPlan:
    template_key: str
    title: str
    made_on: dt.date
    letters: tuple[FamilyLetter, ...]
    extra: tuple[tuple[str, str], ...] = ()
    period: Span | None = None
    repeat_days: int = 0
    # pupils the letter does not fit (letter_rules), left out of `letters`
    unfit: tuple[letter_rules.Unfit, ...] = ()
    # pupils it does not fit that the headteacher included: (pupil id, why not, reason)
    included: tuple[tuple[int, str, str], ...] = ()

    @property
    def repeats(self) -> tuple[FamilyLetter, ...]:
        return tuple(x for x in self.letters if x.repeat_of is not None)

    @property
    def pupil_count(self) -> int:
        return sum(len(x.pupil_ids) for x in self.letters)


@dataclass(frozen=True, slots=True)
class BatchResult:
    folder: Path
    combined_pdf: Path | None
    letter_pdfs: tuple[Path, ...]
    letters_made: int
    skipped_repeats: int
    log_ids: tuple[int, ...]
    combined_parts: tuple[Path, ...] = ()  # over 250 letters: the combined file in parts


@dataclass(frozen=True, slots=True)
class LetterLogEntry:
    id: int
    template_key: str
    title: str
    pupil_ids: tuple[int, ...]
    pupil_names: str
    addressee: str
    sent_on: dt.date
    staff_name: str
    has_pdf: bool


# --- templates ------------------------------------------------------------------------


def _need_sender(actor: Actor, what: str) -> None:
    if actor.role not in SENDER_ROLES:
        raise PermissionDenied(f"only office staff and the headteacher can {what}")


def _ensure_templates(s: Session) -> dict[str, LetterTemplate]:
    rows = {r.key: r for r in s.exec(select(LetterTemplate))}
    for key, d in DEFAULTS.items():
        if key not in rows:
            row = LetterTemplate(key=key, title=d.title, body=d.body,
                                 updated_by="ready-made wording")
            s.add(row)
            rows[key] = row
    s.flush()
    return rows


def _definition(key: str) -> TemplateDef:
    try:
        return DEFAULTS[key]
    except KeyError:
        raise NotFound(f"there is no letter called '{key}'") from None


def _info(row: LetterTemplate) -> TemplateInfo:
    d = _definition(row.key)
    return TemplateInfo(row.key, row.title, row.body, d.layout, d.family, d.description,
                        row.body == d.body and row.title == d.title, row.updated_at,
                        row.updated_by, tuple(_inputs_needed(row.body)))


def list_templates(engine: Engine, *, every_preset: bool = False) -> list[TemplateInfo]:
    """The letters of the school's policy preset (its own, then the shared ones); every
    ready-made letter when asked, or when the preset is not one of the five."""
    policy = policy_service.load_policy(engine)
    wanted = tuple(DEFAULTS) if every_preset else for_preset(policy.preset)
    # a letter the school's (perhaps edited) policy names is always listed
    named = [k for k in _policy_letters(policy) if k in DEFAULTS and k not in wanted]
    wanted = (*wanted, *named)
    with session_scope(engine) as s:
        rows = _ensure_templates(s)
        return [_info(rows[k]) for k in wanted]


def _policy_letters(policy: Policy) -> list[str]:
    keys = [t for _b, t in policy.band_letters]
    keys += [st.letter for st in policy.escalation_stages if st.letter != "{band}"]
    keys += [st.letter for st in policy.lateness_steps]
    return [k for k in dict.fromkeys(keys) if k]


def get_template(engine: Engine, key: str) -> TemplateInfo:
    _definition(key)
    with session_scope(engine) as s:
        return _info(_ensure_templates(s)[key])


def inputs_needed(engine: Engine, key: str) -> list[str]:
    """What must be typed before this letter can be made: `meeting_date`, `extra:name`..."""
    return list(get_template(engine, key).inputs)


def save_template(engine: Engine, actor: Actor, key: str, body: str,
                  title: str | None = None) -> TemplateInfo:
    """Store new wording; refused (nothing saved) when the checker finds a problem."""
    _need_sender(actor, "change letter wording")
    d = _definition(key)
    body = body.replace("\r\n", "\n").strip("\n")
    problems = check_template(body, family=d.family)
    if title is not None and not title.strip():
        problems.append("the letter needs a title")
    if problems:
        raise ServiceError(f"'{d.title}' was not saved: " + "; ".join(problems))
    with session_scope(engine) as s:
        row = _ensure_templates(s)[key]
        old_body, old_title = row.body, row.title
        row.body = body
        if title is not None:
            row.title = title.strip()
        if (old_body, old_title) != (row.body, row.title):
            row.updated_at = dt.datetime.now()
            row.updated_by = actor.name
            s.add(row)
            s.add(SettingChange(area="letters", key=f"template {key}",
                                old_value=f"{old_title}\n\n{old_body}",
                                new_value=f"{row.title}\n\n{row.body}", staff_name=actor.name,
                                staff_role=actor.role.value))
        return _info(row)


def reset_template(engine: Engine, actor: Actor, key: str) -> TemplateInfo:
    """Put back the ready-made wording and title (recorded like any edit)."""
    d = _definition(key)
    return save_template(engine, actor, key, d.body, d.title)


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
class _Facts:
    policy: Policy
    head: lh.Letterhead
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


def _gather(engine: Engine, pupil_ids: Sequence[int], today: dt.date,
            period: Span | None, period_kind: str = "") -> _Facts:
    policy = policy_service.load_policy(engine)
    details = school_service.get_school(engine).details
    span = period or resolve_period(engine, policy, today, period_kind)
    facts = _Facts(policy, lh.Letterhead.from_details(details), span,
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


def _join(names: Sequence[str]) -> str:
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
    return _join([_person_name(p, formal=True) for p in people])


def _address_key(p: _Person) -> str:
    return re.sub(r"[^a-z0-9]", "", (p.address + p.postcode).lower())


def _families(facts: _Facts, pupil_ids: Sequence[int]) -> list[list[int]]:
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


def _child_order(facts: _Facts, ids: Iterable[int]) -> list[int]:
    # eldest first, as families usually list their children
    return sorted(ids, key=lambda i: (facts.children[i].dob, facts.children[i].forename))


def _letters_for(facts: _Facts, ids: list[int]) -> list[FamilyLetter]:
    ids = _child_order(facts, ids)
    people: dict[int, _Person] = {}
    for pid in ids:
        for person in facts.parents.get(pid, []):
            people.setdefault(person.id, person)
    names = tuple(f"{facts.children[i].forename} {facts.children[i].surname}" for i in ids)
    family_key = ",".join(str(i) for i in sorted(ids))
    if not people:
        warning = (f"{_join(list(names))}: no contact with parental responsibility lives with "
                   "them, so the letter is addressed to 'The Parent or Carer' with no address")
        return [FamilyLetter(family_key, tuple(ids), names, f"The Parent or Carer of "
                             f"{_join(list(names))}", "Dear Parent or Carer", (), (),
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


def _repeat_dates(engine: Engine, key: str, since: dt.date) -> dict[int, dt.date]:
    """Latest date each pupil was sent this letter on or after `since`."""
    out: dict[int, dt.date] = {}
    with session_scope(engine) as s:
        rows = s.exec(select(LetterLog.pupil_ids, LetterLog.sent_on)
                      .where(LetterLog.template_key == key, LetterLog.sent_on >= since)).all()
    for ids, sent in rows:
        for part in ids.split(","):
            if part.strip().isdigit():
                pid = int(part)
                if pid not in out or out[pid] < sent:
                    out[pid] = sent
    return out


def plan_batch(engine: Engine, template_key: str, pupil_ids: Sequence[int], *,
               today: dt.date, extra: Mapping[str, str] | None = None,
               period: Span | None = None, include: Mapping[int, str] | None = None,
               guard: bool = True) -> BatchPlan:
    """Group the pupils into family letters, address them, and flag recent repeats.

    Pupils the letter does not fit (letter_rules: band, comparison, threshold, lateness
    level, off roll) are left out and listed in `unfit` with why, unless `include` gives
    a reason for them (the headteacher's; recorded when the letters are made)."""
    tpl = get_template(engine, template_key)
    d = _definition(template_key)
    ids = list(dict.fromkeys(pupil_ids))
    facts = _gather(engine, ids, today, period, _period_kind(d))
    unfit: list[letter_rules.Unfit] = []
    included: list[tuple[int, str, str]] = []
    if guard:
        reasons = {k: v.strip() for k, v in (include or {}).items()}
        for pid, why in check_fit(engine, d, ids, today, facts).items():
            if reasons.get(pid):
                included.append((pid, why, reasons[pid]))
            else:
                ch = facts.children[pid]
                unfit.append(letter_rules.Unfit(pid, f"{ch.forename} {ch.surname}", why))
        left_out = {u.pupil_id for u in unfit}
        ids = [i for i in ids if i not in left_out]
    letters: list[FamilyLetter] = []
    groups = _families(facts, ids) if d.family else [[i] for i in ids]
    repeat_days = facts.policy.letter_repeat_days
    sent = _repeat_dates(engine, template_key, today - dt.timedelta(days=repeat_days)) \
        if repeat_days > 0 else {}
    for group in groups:
        for letter in _letters_for(facts, group):
            dates = [sent[i] for i in letter.pupil_ids if i in sent]
            if dates:
                letter = dataclasses.replace(letter, repeat_of=max(dates))
            letters.append(letter)
    def order(x: FamilyLetter) -> tuple[int, str, str, str]:
        child = facts.children[x.pupil_ids[0]]
        return (child.class_order, child.class_name, child.surname, child.forename)

    letters.sort(key=order)
    return BatchPlan(template_key, tpl.title, today, tuple(letters),
                     tuple(sorted((extra or {}).items())), facts.period, repeat_days,
                     tuple(unfit), tuple(included))


def _concern_letter_keys() -> list[str]:
    """Letters that tell a family about a concern: "since we last wrote" looks for them."""
    kinds = (letter_rules.BAND, letter_rules.CONCERN)
    return [k for k, d in DEFAULTS.items() if d.condition.kind in kinds
            or "not_improved" in d.condition.comparisons]


def _previous_span(engine: Engine, policy: Policy, span: Span) -> Span | None:
    """The period of the same kind just before `span` (half term, term or year; a period
    that is none of them is taken as the policy's monitoring period)."""
    years = calendar_service.list_years(engine)
    pools = {"half_term": [h for y in years for h in y.half_terms],
             "term": [t for y in years for t in y.terms],
             "year": [Span(y.name, y.start, y.end) for y in years]}
    kind = next((k for k, pool in pools.items()
                 if (span.start, span.end) in [(x.start, x.end) for x in pool]),
                policy.monitoring_period)
    before = [x for x in pools.get(kind, []) if x.end < span.start]
    return before[-1] if before else None


def check_fit(engine: Engine, d: TemplateDef, pupil_ids: Sequence[int], today: dt.date,
              facts: _Facts) -> dict[int, str]:
    """Why the letter `d` does not fit each pupil it does not fit (letter_rules)."""
    cond = d.condition
    previous: Span | None = None
    prev_counts: dict[int, Counts] = {}
    if cond.kind == letter_rules.COMPARISON:
        previous = _previous_span(engine, facts.policy, facts.period)
        if previous is not None and pupil_ids:
            for f in stats_service.per_pupil(engine, previous.start, previous.end,
                                             stats_service.Scope(pupil_ids=list(pupil_ids)),
                                             include_unmarked=False):
                prev_counts[f.pupil_id] = f.counts
    lateness: dict[int, str] | None = None
    if cond.kind == letter_rules.LATENESS and pupil_ids:
        lateness = {}
        try:  # the trackers' own assessment: the level the board shows
            snap = alerts_service.snapshot(engine, today, list(pupil_ids))
            lateness = {p.pupil_id: p.lateness_level for p in snap.pupils}
        except calendar_service.NoTermDates:
            lateness = None
    pf = letter_rules.gather(engine, pupil_ids, today, counts=facts.period_counts,
                             previous=previous, previous_counts=prev_counts,
                             lateness=lateness,
                             concern_keys=_concern_letter_keys() if cond.after_letter else ())
    out: dict[int, str] = {}
    for pid in pupil_ids:
        why = letter_rules.why_not(cond, d.key, pf[pid], facts.policy, facts.period.name,
                                   today)
        if why:
            out[pid] = why
    return out


def _period_kind(d: TemplateDef) -> str:
    return "half_term" if d.key == "half_termly_report" else ""


# --- merging ------------------------------------------------------------------------------


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _number(value: float) -> str:
    return f"{value:g}"


def _year_label(year_group: str) -> str:
    return {"N": "Nursery", "R": "Reception"}.get(year_group, f"Year {year_group}")


def _notice(policy: Policy) -> str:
    unit = {"weeks": "week", "school_weeks": "school week", "school_days": "school day",
            "days": "day"}[policy.leave_notice_unit]
    n = policy.leave_notice_amount
    return f"{n} {unit}{'' if n == 1 else 's'}"


def _leave_rules(policy: Policy) -> str:
    parts = []
    if policy.leave_refuse_if_unauthorised:
        parts.append("when the child has any unauthorised absence this school year")
    parts.append(f"when the child's authorised absence is already above "
                 f"{_number(policy.leave_authorised_limit_pct)}%")
    parts.append("just before or during national tests")
    return "Leave is not agreed " + _join(parts) + "."


def _common_values(facts: _Facts, today: dt.date) -> dict[str, str]:
    p, head = facts.policy, facts.head
    lead = head.attendance_lead_name or head.head_name
    address = ", ".join(head.address_lines())
    end = min(facts.period.end, today)
    return {
        "school_name": head.school_name, "school_address": address,
        # a no-break space keeps a phone number on one line
        "school_phone": head.phone.replace(" ", "\u00a0") or "the school office",
        "school_email": head.email,
        "head_name": head.head_name or "The Headteacher", "attendance_lead": lead or
        "the school office", "today": long_date(today),
        "period_name": facts.period.name, "period_start": long_date(facts.period.start),
        "period_end": long_date(end), "year_name": facts.year.name,
        "target_pct": _number(p.target_pct),
        "persistent_absence_pct": _number(p.persistent_absence_pct),
        "monitoring_period": {"half_term": "half term", "term": "term",
                              "year": "year"}[p.monitoring_period],
        "monitoring_weeks": str(p.escalation_monitoring_weeks),
        "lateness_monitoring_weeks": str(p.lateness_monitoring_weeks),
        "school_starts": f"{p.am.late_after:%H:%M}", "register_closes": f"{p.am.closes:%H:%M}",
        "report_deadline": f"{p.absence_report_deadline:%H:%M}",
        "n_code_days": str(p.n_code_limit_school_days),
        "signed_letter_days": str(p.signed_letter_consecutive_days),
        "signed_letter_term_days": str(p.signed_letter_term_days),
        "notice_period": _notice(p), "leave_rules": _leave_rules(p),
        "authorised_limit_pct": _number(p.leave_authorised_limit_pct),
        "missing_after_leave_days": str(p.missing_after_leave_days),
        "pn_sessions": str(p.pn_sessions), "pn_window_weeks": str(p.pn_window_school_weeks),
        "pn_first_amount": str(p.pn_first_amount),
        "pn_discount_amount": str(p.pn_discount_amount),
        "pn_discount_days": str(p.pn_discount_days), "pn_pay_days": str(p.pn_pay_days),
    }


def _child_values(facts: _Facts, pid: int) -> dict[str, str]:
    ch = facts.children[pid]
    c = facts.period_counts.get(pid, Counts())
    y = facts.year_counts.get(pid, Counts())
    pct = c.attendance_pct_1dp()
    band = facts.policy.band_for(c.attendance_pct())
    return {
        "forename": ch.forename, "surname": ch.surname,
        "full_name": f"{ch.forename} {ch.surname}", "class_name": ch.class_name or "no class",
        "year_group": _year_label(ch.year_group), "dob": long_date(ch.dob),
        "attendance_pct": _pct(pct), "attendance_pct_ytd": _pct(y.attendance_pct_1dp()),
        "sessions_possible": str(c.possible), "sessions_missed": str(c.absent),
        "days_missed": _number(c.absent / 2), "sessions_missed_ytd": str(y.absent),
        "authorised_sessions": str(c.authorised),
        "unauthorised_sessions": str(c.unauthorised),
        "late_count": str(c.late_l + c.late_u),
        "band_name": band.label if band else "not yet known",
    }


def _family_values(facts: _Facts, ids: Sequence[int]) -> dict[str, str]:
    kids = [facts.children[i] for i in ids]
    surnames = {k.surname for k in kids}
    if len(surnames) == 1:
        full = _join([k.forename for k in kids]) + f" {kids[0].surname}"
    else:
        full = _join([f"{k.forename} {k.surname}" for k in kids])
    return {"forename": _join([k.forename for k in kids]), "surname": _join(sorted(surnames)),
            "full_name": full}


_BLANK = "______"
_CHILD_FIELDS = ("forename", "surname", "full_name", "class_name", "year_group", "dob",
                 "attendance_pct", "attendance_pct_ytd", "sessions_possible", "sessions_missed",
                 "days_missed", "sessions_missed_ytd", "authorised_sessions",
                 "unauthorised_sessions", "late_count", "band_name")


def _values(facts: _Facts, letter: FamilyLetter, ids: Sequence[int], today: dt.date,
            extra: Mapping[str, str]) -> dict[str, str]:
    values = _common_values(facts, today)
    if not ids:  # a blank form: names left empty, figures as lines to write on
        values.update({k: "" if k in ("forename", "surname", "full_name", "class_name")
                       else _BLANK for k in _CHILD_FIELDS})
    elif len(ids) == 1:
        values.update(_child_values(facts, ids[0]))
    else:
        values.update(_family_values(facts, ids))
    if len(ids) <= 1:  # the what-if fields (lines to write on in a blank form)
        from attendance_desktop.services.letters.letter_templates import WHATIF_FIELDS
        values.update((facts.whatif.get(ids[0]) or dict.fromkeys(WHATIF_FIELDS, "not known"))
                      if ids else dict.fromkeys(WHATIF_FIELDS, _BLANK))
    values["parent_names"] = letter.addressee
    values["salutation"] = letter.salutation
    values["home_address"] = ", ".join(letter.address_lines[1:])
    for k in ("meeting_date", "meeting_time", "meeting_place"):
        if k in extra:
            values[k] = str(extra[k])
    for k, v in extra.items():
        values[f"extra:{k}"] = str(v)
    return values


def _missing_inputs(body: str, extra: Mapping[str, str]) -> list[str]:
    names = fields_in(body)
    need = [n for n in ("meeting_date", "meeting_time", "meeting_place") if n in names]
    need += extras_in(body)
    return [n for n in need if n not in extra]


# --- composing pages --------------------------------------------------------------------


def _figures_rows(facts: _Facts, ids: Sequence[int]) -> list[list[str]]:
    rows = []
    for pid in ids:
        v = _child_values(facts, pid)
        rows.append([v["full_name"], v["class_name"], f"{v['attendance_pct']}%",
                     f"{v['attendance_pct_ytd']}%", v["sessions_missed"], v["late_count"]])
    return rows


def _compose(facts: _Facts, d: TemplateDef, title: str, body: str, letter: FamilyLetter,
             ids: Sequence[int], today: dt.date, extra: Mapping[str, str]) -> list[lh.Page]:
    values = _values(facts, letter, ids, today, extra)
    head = facts.head
    cert = d.layout == "certificate"
    comp = lh.Composer(head, with_letterhead=not cert, border=cert)
    if d.layout == "letter":
        comp.address_and_date(letter.address_lines, long_date(today))
    elif d.layout == "certificate":
        if head.logo_png:
            size = lh.png_size(head.logo_png)
            if size and size[1]:
                h = 26 * 2.8346
                comp.image(head.logo_png, h * size[0] / size[1], h)
        comp.paragraph(head.school_name, size=16, bold=True, align="center",
                       colour=lh.ACCENT, space_after=30)
    para: list[str] = []

    def flush() -> None:
        if para:
            text = substitute("\n".join(para), values).strip()
            para.clear()
            if not text:
                return
            if cert:
                whole_bold = text.startswith("**") and text.endswith("**")
                comp.paragraph(text, size=26 if whole_bold else 15, align="center",
                               space_after=20, colour=lh.ACCENT if whole_bold else lh.INK)
            else:
                comp.paragraph(text)

    for raw in body.split("\n"):
        line = raw.rstrip()
        stripped = line.strip()
        m = DIRECTIVE_RE.match(stripped)
        if not stripped:
            flush()
        elif m:
            flush()
            _directive(comp, facts, m.group(1), m.group(2) or "", values, ids, head, cert)
            if cert:
                comp.spacer(10)
        elif stripped.startswith("## "):
            flush()
            comp.heading(substitute(stripped[3:], values), level=2)
        elif stripped.startswith("# "):
            flush()
            text = substitute(stripped[2:], values)
            if cert:
                comp.paragraph(text, size=32, bold=True, align="center", colour=lh.ACCENT,
                               space_after=26)
            else:
                comp.heading(text, level=1)
        elif stripped.startswith("- "):
            flush()
            text = substitute(stripped[2:], values).strip()
            if text:
                comp.bullet(text)
        else:
            para.append(line)
    flush()
    if cert and len(comp.pages) == 1:
        lh.shift_page(comp.pages[0], -(comp.y - lh.BOTTOM) * 0.45)  # centre on the page
    return comp.pages


def _directive(comp: lh.Composer, facts: _Facts, name: str, arg: str,
               values: dict[str, str], ids: Sequence[int], head: lh.Letterhead,
               centred: bool) -> None:
    arg = substitute(arg, values)
    if name == "signature":
        if arg.strip() == "lead" and head.attendance_lead_name:
            comp.signature(head.attendance_lead_name, "Attendance lead", centred=centred)
        else:
            comp.signature(head.head_name or "Headteacher",
                           "Headteacher" if head.head_name else "", centred=centred)
    elif name == "figures":
        comp.table(["Child", "Class", f"{facts.period.name}", "Year to date",
                    "Sessions missed", "Lates"], _figures_rows(facts, ids))
    elif name == "chart":
        bars = []
        for pid in ids:
            ch = facts.children[pid]
            bars.append((f"{ch.forename} {ch.surname}",
                         facts.period_counts.get(pid, Counts()).attendance_pct_1dp()))
        comp.bar_chart(bars, facts.policy.target_pct,
                       title=f"Attendance in {facts.period.name}")
    elif name == "write":
        parts = arg.split("|")
        lines = int(parts[1]) if len(parts) > 1 and parts[1].strip().isdigit() else 1
        comp.write_in(parts[0].strip(), lines, parts[2].strip() if len(parts) > 2 else "")
    elif name == "tick":
        comp.tick_box(arg.strip())
    elif name == "sign":
        comp.sign_lines([p.strip() for p in arg.split("|") if p.strip()] or ["Signed"])
    elif name == "rule":
        comp.rule()
    elif name == "pagebreak":
        comp.new_page()


def _documents(facts: _Facts, d: TemplateDef, tpl: TemplateInfo, letter: FamilyLetter,
               today: dt.date, extra: Mapping[str, str]) -> list[list[lh.Page]]:
    groups = [list(letter.pupil_ids)] if d.family else [[i] for i in letter.pupil_ids]
    return [_compose(facts, d, tpl.title, tpl.body, letter, g, today, extra) for g in groups]


def _check_ready(tpl: TemplateInfo, extra: Mapping[str, str]) -> None:
    d = _definition(tpl.key)
    problems = check_template(tpl.body, family=d.family)
    if problems:
        raise ServiceError(f"the '{tpl.title}' letter cannot be made: " + "; ".join(problems)
                           + ". Correct the wording under Letters › Templates.")
    missing = _missing_inputs(tpl.body, extra)
    if missing:
        raise ServiceError(f"the '{tpl.title}' letter needs: "
                           + ", ".join(_input_label(n) for n in missing))


def _input_label(name: str) -> str:
    m = EXTRA_RE.match(name)
    if m:
        name = m.group(1)
    return name.replace("_", " ")


def input_label(name: str) -> str:
    """A readable label for an input name ('extra:leave_dates' -> 'leave dates')."""
    return _input_label(name).capitalize()


def letter_pages(engine: Engine, template_key: str, pupil_ids: Sequence[int], *,
                 today: dt.date, extra: Mapping[str, str] | None = None,
                 period: Span | None = None) -> tuple[lh.Letterhead, list[list[lh.Op]]]:
    """The letters for these pupils as page operations (for preview and printing)."""
    head, docs = _family_documents(engine, template_key, pupil_ids, today, extra, period)
    pages: list[list[lh.Op]] = []
    for doc in docs:
        pages.extend(lh.full_pages(head, doc))
    return head, pages


def _family_documents(engine: Engine, template_key: str, pupil_ids: Sequence[int],
                      today: dt.date, extra: Mapping[str, str] | None,
                      period: Span | None) -> tuple[lh.Letterhead, list[list[lh.Page]]]:
    if not pupil_ids:
        raise ServiceError("choose at least one pupil for the letter")
    extra = dict(extra or {})
    tpl = get_template(engine, template_key)
    _check_ready(tpl, extra)
    d = _definition(template_key)
    facts = _gather(engine, pupil_ids, today, period, _period_kind(d))
    ids = list(dict.fromkeys(pupil_ids))
    groups = _families(facts, ids) if d.family else [ids]
    docs: list[list[lh.Page]] = []
    for group in groups:
        for letter in _letters_for(facts, group):
            docs.extend(_documents(facts, d, tpl, letter, today, extra))
    return facts.head, docs


def render_family_letter(engine: Engine, template_key: str, pupil_ids: Sequence[int], *,
                         today: dt.date, extra: Mapping[str, str] | None = None,
                         period: Span | None = None) -> bytes:
    """One PDF for one family's letter (nothing is recorded in the letters log)."""
    head, docs = _family_documents(engine, template_key, pupil_ids, today, extra, period)
    return lh.render_pdf(docs, head, get_template(engine, template_key).title)


def render_blank_form(engine: Engine, template_key: str, *, today: dt.date) -> bytes:
    """A form with nothing filled in about a child, e.g. the leave request form that parents
    pick up at the office. Only templates laid out as forms can be blank."""
    d = _definition(template_key)
    tpl = get_template(engine, template_key)
    if d.layout != "form":
        raise ServiceError(f"'{tpl.title}' is a letter about a child, not a form: choose a pupil")
    _check_ready(tpl, {})
    facts = _gather(engine, [], today, None, _period_kind(d))
    blank = FamilyLetter("", (), (), "", "Dear Parent or Carer", (), ())
    doc = _compose(facts, d, tpl.title, tpl.body, blank, [], today, {})
    return lh.render_pdf([doc], facts.head, tpl.title)


def plan_pages(engine: Engine, plan: BatchPlan, *, today: dt.date,
               include_repeats: bool = False, limit: int | None = None,
               ) -> tuple[lh.Letterhead, list[list[lh.Op]]]:
    """The plan's letters as page operations (preview: `limit=1`; printing: all)."""
    letters = [x for x in plan.letters if include_repeats or x.repeat_of is None]
    if limit is not None:
        letters = letters[:limit]
    extra = dict(plan.extra)
    tpl = get_template(engine, plan.template_key)
    _check_ready(tpl, extra)
    d = _definition(plan.template_key)
    facts = _gather(engine, [i for x in letters for i in x.pupil_ids], today, plan.period,
                    _period_kind(d))
    pages: list[list[lh.Op]] = []
    for letter in letters:
        for doc in _documents(facts, d, tpl, letter, today, extra):
            pages.extend(lh.full_pages(facts.head, doc))
    return facts.head, pages


def preview_wording(engine: Engine, template_key: str, body: str, *, today: dt.date,
                    title: str | None = None) -> tuple[lh.Letterhead, list[list[lh.Op]]]:
    """Unsaved wording laid out for the first pupil on roll the letter fits (see
    `preview_pupil`), with values still to be typed shown in [brackets]."""
    d = _definition(template_key)
    problems = check_template(body, family=d.family)
    if problems:
        raise ServiceError("; ".join(problems))
    tpl = dataclasses.replace(get_template(engine, template_key), body=body,
                              title=title or d.title)
    extra = {n.removeprefix("extra:"): f"[{_input_label(n)}]" for n in _inputs_needed(body)}
    pid, _note = preview_pupil(engine, template_key, today)
    facts = _gather(engine, [pid], today, None, _period_kind(d))
    letter = _letters_for(facts, [pid])[0]
    pages: list[list[lh.Op]] = []
    for doc in _documents(facts, d, tpl, letter, today, extra):
        pages.extend(lh.full_pages(facts.head, doc))
    return facts.head, pages


def preview_pupil(engine: Engine, template_key: str, today: dt.date) -> tuple[int, str]:
    """The pupil a wording preview is shown for: the first on roll the letter fits, so a
    preview never reads wrongly for its child; when none fits, the first on roll, with a
    note saying why the letter does not fit them."""
    d = _definition(template_key)
    ids = [c.id for c in pupil_choices(engine, today)]
    if not ids:
        raise ServiceError("add a pupil to see a preview of the letter")
    facts = _gather(engine, ids, today, None, _period_kind(d))
    unfit = check_fit(engine, d, ids, today, facts)
    fits = [i for i in ids if i not in unfit]
    if fits:
        return fits[0], ""
    ch = facts.children[ids[0]]
    return ids[0], (f"No pupil fits this letter today; it is shown for {ch.forename} "
                    f"{ch.surname}, whom it does not fit: {unfit[ids[0]]}.")


# --- choosing pupils ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PupilChoice:
    id: int
    name: str
    class_name: str
    attendance_pct: float | None  # this period, one decimal place
    band_key: str
    band_label: str


@dataclass(frozen=True, slots=True)
class BandInfo:
    key: str
    label: str
    concern: bool


def letter_bands(engine: Engine, template_key: str) -> list[str]:
    """The band keys a band letter is for (empty for any other letter)."""
    d = _definition(template_key)
    if d.condition.kind != letter_rules.BAND:
        return []
    return [b.key for b in letter_rules.bands_for(policy_service.load_policy(engine),
                                                  template_key)]


def bands(engine: Engine) -> list[BandInfo]:
    """The attendance bands of the school's policy, highest first."""
    return [BandInfo(b.key, b.label, b.concern) for b in policy_service.load_policy(engine).bands]


def current_period(engine: Engine, today: dt.date, template_key: str = "") -> Span:
    """The period a letter made today reports on (from the policy's monitoring period)."""
    d = DEFAULTS.get(template_key)
    return resolve_period(engine, policy_service.load_policy(engine), today,
                          _period_kind(d) if d else "")


def period_options(engine: Engine, today: dt.date, template_key: str = "") -> list[Span]:
    """Periods a letter can report on: the usual one first (the policy's monitoring period,
    or the half term for the half-termly report), then recent half terms, terms, the year."""
    first = current_period(engine, today, template_key)
    out = [first]
    year = calendar_service.year_containing(engine, today)
    if year is None:
        return out
    halves = [h for h in year.half_terms if h.start <= today][::-1][:3]
    terms = [t for t in year.terms if t.start <= today][::-1][:2]
    for span in [*halves, *terms, Span(f"the school year {year.name}", year.start, year.end)]:
        if (span.start, span.end) not in [(o.start, o.end) for o in out]:
            out.append(span)
    return out


def pupil_choices(engine: Engine, today: dt.date, *, class_id: int | None = None,
                  band_key: str | None = None, period: Span | None = None,
                  ) -> list[PupilChoice]:
    """Pupils on roll with their attendance and band this period, in class order.

    `band_key` keeps only the pupils in that band (e.g. every lower-amber pupil)."""
    policy = policy_service.load_policy(engine)
    span = period or resolve_period(engine, policy, today)
    end = min(span.end, today)
    rows = stats_service.per_pupil(engine, min(span.start, end), end,
                                   stats_service.Scope(class_id=class_id),
                                   include_unmarked=True)
    out = []
    for r in rows:
        band = policy.band_for(r.counts.attendance_pct())
        if band_key is not None and (band is None or band.key != band_key):
            continue
        out.append(PupilChoice(r.pupil_id, r.name, r.class_name, r.counts.attendance_pct_1dp(),
                               band.key if band else "", band.label if band else ""))
    return out


# --- batches ----------------------------------------------------------------------------


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9 ._-]+", "", text).strip()[:60] or "letter"


def _new_folder(out_dir: Path, today: dt.date, title: str) -> Path:
    base = out_dir / f"{today.isoformat()} {_safe(title)}"
    folder, n = base, 2
    while folder.exists():
        folder = Path(f"{base} ({n})")
        n += 1
    return folder


GATHER_CHUNK = 200  # letters whose figures run_batch holds at once


def run_batch(engine: Engine, actor: Actor, plan: BatchPlan, *, today: dt.date,
              out_dir: Path | str, cancel: CancelToken,
              include_repeats: bool = False) -> Generator[Progress, None, BatchResult]:
    """Make every letter of the plan; record them all at the end (cancel = nothing kept)."""
    _need_sender(actor, "send letters")
    if plan.included and actor.role not in (Role.HEAD, Role.SYSTEM):
        raise PermissionDenied("only the headteacher can send a letter to a pupil it does "
                               "not fit")
    letters = [x for x in plan.letters if include_repeats or x.repeat_of is None]
    skipped = len(plan.letters) - len(letters)
    total = len(letters)
    extra = dict(plan.extra)
    tpl = get_template(engine, plan.template_key)
    _check_ready(tpl, extra)
    d = _definition(plan.template_key)
    yield Progress(0, total, "Gathering attendance figures…")
    facts = _gather(engine, [i for x in letters[:GATHER_CHUNK] for i in x.pupil_ids], today,
                    plan.period, _period_kind(d))
    cancel.check()
    if not letters:
        return BatchResult(Path(out_dir), None, (), 0, skipped, ())

    def items() -> Iterator[tuple[FamilyLetter, list[list[lh.Page]]]]:
        # Figures are gathered GATHER_CHUNK letters at a time, so a batch for 2,000
        # families holds no more than one chunk's figures (flat memory).
        chunk_facts = facts
        for start in range(0, total, GATHER_CHUNK):
            chunk = letters[start:start + GATHER_CHUNK]
            if start:
                chunk_facts = _gather(engine, [i for x in chunk for i in x.pupil_ids], today,
                                      plan.period, _period_kind(d))
            for letter in chunk:
                yield letter, _documents(chunk_facts, d, tpl, letter, today, extra)

    # Written to disk as made, in letter_batch (flat memory at 2,000 families).
    folder = _new_folder(Path(out_dir), today, tpl.title)
    paths, combined, log_ids, _ = yield from letter_batch.write_batch(
        engine, actor, plan.template_key, tpl.title, facts.head, items(), total,
        folder=folder, today=today, cancel=cancel, safe_name=_safe,
        included=plan.included)
    return BatchResult(folder, combined[0] if combined else None, paths, len(paths), skipped,
                       log_ids, combined)


def _record(engine: Engine, actor: Actor, key: str, made: list[tuple[FamilyLetter, bytes]],
            today: dt.date, folder: str = "",
            included: Sequence[tuple[int, str, str]] = ()) -> tuple[int, ...]:
    rows = []
    sent = {int(p) for letter, _ in made for p in letter.family_key.split(",") if p}
    with session_scope(engine) as s:
        for pid, why, reason in included:  # the head's decision, kept in the access log
            if pid in sent:
                audit_service.add_access(
                    s, actor, "export", f"letter outside its conditions ({key})", [pid],
                    folder, details=f"pupil {pid}: {why}. Included because: {reason}")
        if folder:  # a batch written to files: in the access log too
            audit_service.record_export(
                s, actor, f"letters batch ({key})",
                {p for letter, _ in made for p in letter.family_key.split(",") if p},
                folder, details=f"{len(made)} letters")
        for letter, pdf in made:
            row = LetterLog(template_key=key, family_key=letter.family_key,
                            pupil_ids=letter.family_key, addressee=letter.addressee,
                            sent_on=today, staff_name=actor.name, pdf=pdf)
            s.add(row)
            rows.append(row)
        s.flush()
        return tuple(r.id for r in rows if r.id is not None)


def record_letter(engine: Engine, actor: Actor, template_key: str, pupil_ids: Sequence[int],
                  *, today: dt.date, extra: Mapping[str, str] | None = None,
                  period: Span | None = None) -> tuple[int, bytes]:
    """Make one family's letter and record it in the log (for leave decisions, trackers)."""
    _need_sender(actor, "send letters")
    pdf = render_family_letter(engine, template_key, pupil_ids, today=today, extra=extra,
                               period=period)
    plan = plan_batch(engine, template_key, pupil_ids, today=today, extra=extra, period=period,
                      guard=False)
    first = plan.letters[0]
    addressee = _join([x.addressee for x in plan.letters])
    letter = dataclasses.replace(first, addressee=addressee)
    (log_id,) = _record(engine, actor, template_key, [(letter, pdf)], today)
    return log_id, pdf


# --- the letters log ----------------------------------------------------------------------


def _entries(s: Session, rows: Sequence[Any]) -> list[LetterLogEntry]:
    ids = {int(p) for r in rows for p in r.pupil_ids.split(",") if p.strip().isdigit()}
    names: dict[int, str] = {}
    if ids:
        for p in s.exec(select(Pupil).where(col(Pupil.id).in_(ids))):
            assert p.id is not None
            names[p.id] = f"{p.preferred_forename or p.legal_forename} {p.legal_surname}"
    titles = {t.key: t.title for t in s.exec(select(LetterTemplate))}
    out = []
    for r in rows:
        pids = tuple(int(p) for p in r.pupil_ids.split(",") if p.strip().isdigit())
        out.append(LetterLogEntry(
            r.id, r.template_key, titles.get(r.template_key, letter_title(r.template_key)),
            pids, _join([names.get(p, f"pupil {p}") for p in pids]), r.addressee, r.sent_on,
            r.staff_name, bool(r.has_pdf)))
    return out


def list_letters(engine: Engine, *, template_key: str | None = None,
                 start: dt.date | None = None, end: dt.date | None = None,
                 pupil_id: int | None = None, limit: int = 2000) -> list[LetterLogEntry]:
    """Letters sent, newest first, filtered by type, dates and pupil (PDFs not loaded)."""
    L = LetterLog.__table__.c  # type: ignore[attr-defined]  # noqa: N806
    q = select(L.id, L.template_key, L.pupil_ids, L.addressee, L.sent_on, L.staff_name,
               L.pdf.is_not(None).label("has_pdf"))
    if template_key:
        q = q.where(L.template_key == template_key)
    if start:
        q = q.where(L.sent_on >= start)
    if end:
        q = q.where(L.sent_on <= end)
    if pupil_id is not None:
        pid = str(pupil_id)
        q = q.where((L.pupil_ids == pid) | L.pupil_ids.like(f"{pid},%")
                    | L.pupil_ids.like(f"%,{pid}") | L.pupil_ids.like(f"%,{pid},%"))
    q = q.order_by(L.sent_on.desc(), L.id.desc()).limit(limit)
    with session_scope(engine) as s:
        rows = s.exec(q).all()  # type: ignore[call-overload]
        return _entries(s, rows)


def letters_for_pupil(engine: Engine, pupil_id: int) -> list[LetterLogEntry]:
    """Every letter sent about this pupil (alone or with brothers and sisters), newest first."""
    return list_letters(engine, pupil_id=pupil_id)


def letter_pdf(engine: Engine, log_id: int) -> bytes:
    with session_scope(engine) as s:
        row = s.get(LetterLog, log_id)
        if row is None or row.pdf is None:
            raise NotFound(f"letter {log_id} has no stored PDF")
        return bytes(row.pdf)


def letter_title(key: str) -> str:
    return DEFAULTS[key].title if key in DEFAULTS else key


def child_fields() -> frozenset[str]:
    return CHILD_FIELDS
